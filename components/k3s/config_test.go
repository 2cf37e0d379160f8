package k3s

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/config")

// lbPublicIP is the API load balancer's public IP in the tests.
const lbPublicIP = "198.51.100.100"

// TestConfigRender compares each rendered config.yaml with its file in
// testdata/config.
func TestConfigRender(t *testing.T) {
	tests := []struct {
		name   string
		input  func(in *config.Input)
		config func(c config.Cluster) Config
		golden string
	}{
		{"first control-plane node initialises the cluster", nil, server(0), "first-control-plane.yaml"},
		{"joining control-plane node points at the first node's private IP", nil, server(1), "joining-control-plane.yaml"},
		{"schedulable control plane is not tainted", schedulableAlone, server(0), "schedulable-control-plane.yaml"},
		{"agent gets its pool's labels sorted and its taints", nil, agent, "agent.yaml"},
		{"extra server flags: repeated ones become a list, list keys grow, others replace", func(in *config.Input) {
			in.K3s.ExtraServerArgs = []string{"--kube-apiserver-arg=a", "--kube-apiserver-arg=a",
				"--kubelet-arg=max-pods=200", "--etcd-expose-metrics=false", "--secrets-encryption"}
		}, server(0), "extra-server-args.yaml"},
		{"extra agent flags extend the pool's labels", func(in *config.Input) {
			in.K3s.ExtraAgentArgs = []string{"--node-label=zone=a", "--kube-proxy-arg=proxy-mode=ipvs"}
		}, agent, "extra-agent-args.yaml"},
		{"local snapshots on the user's schedule and retention", localSnapshots, server(0), "snapshots-local.yaml"},
		{"S3 snapshots default to Hetzner Object Storage in the home location, in a folder named after the cluster",
			s3Snapshots(config.S3Input{}), server(0), "snapshots-s3-hetzner.yaml"},
		{"S3 snapshots to another endpoint, region and folder, on a joining member", s3Snapshots(config.S3Input{
			Endpoint: "s3.example.com:9000", Region: "eu-west-1", Folder: "clusters/prod"}), server(1), "snapshots-s3-other.yaml"},
		{"agents take no snapshots", s3Snapshots(config.S3Input{}), agent, "agent.yaml"},
		{"with Cilium, a server runs no flannel, no network policy controller and no kube-proxy",
			withCilium(config.CiliumInput{}), server(0), "cilium-first-control-plane.yaml"},
		{"with Cilium beside kube-proxy, a server keeps kube-proxy", withCilium(config.CiliumInput{KubeProxyReplacement: ptr(false)}),
			server(0), "cilium-kube-proxy.yaml"},
		{"with Cilium, a joining server has the same network settings", withCilium(config.CiliumInput{
			Encryption: "wireguard", Routing: "native"}), server(1), "cilium-joining-control-plane.yaml"},
		{"with Cilium, an agent's config is a flannel agent's: it takes the network settings from the server",
			withCilium(config.CiliumInput{Routing: "native", Encryption: "wireguard"}), agent, "agent.yaml"},
		{"with Cilium beside kube-proxy too", withCilium(config.CiliumInput{KubeProxyReplacement: ptr(false)}), agent, "agent.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.config(resolve(t, tt.input)).Render()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(got, testS3SecretKey) {
				t.Fatalf("config.yaml carries the S3 secret key:\n%s", got)
			}
			golden := filepath.Join("testdata", "config", tt.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("Render() =\n%s\nwant (testdata/config/%s)\n%s", got, tt.golden, want)
			}
		})
	}
}

// withCilium makes Cilium the cluster's network, with opts.
func withCilium(opts config.CiliumInput) func(in *config.Input) {
	return func(in *config.Input) {
		in.K3s.CNI = config.CNICilium
		in.K3s.Cilium = &opts
	}
}

func ptr[T any](v T) *T { return &v }

// testS3SecretKey is the S3 secret key in the tests; no config.yaml may contain it.
const testS3SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

func localSnapshots(in *config.Input) {
	retention := 10
	in.EtcdSnapshots = config.EtcdSnapshotsInput{Schedule: "30 */6 * * *", Retention: &retention}
}

// s3Snapshots sends snapshots to the bucket "backups" with the settings of s3 and test credentials.
func s3Snapshots(s3 config.S3Input) func(in *config.Input) {
	return func(in *config.Input) {
		s3.Bucket, s3.AccessKey, s3.SecretKey = "backups", "AKIAEXAMPLE", testS3SecretKey
		in.EtcdSnapshots.S3 = &s3
	}
}

// The drop-in reads back, as YAML, as the very key, whatever characters
// besides quotes, spaces and backslashes (which config refuses) it holds.
func TestS3SecretDropInReadsBackAsTheKey(t *testing.T) {
	for _, key := range []string{testS3SecretKey, "a/b+c:d#e", "-starts-with-a-dash", "true", "0123"} {
		var dropIn map[string]any
		if err := yaml.Unmarshal([]byte(S3SecretDropIn(key)), &dropIn); err != nil {
			t.Fatalf("%q: %v", key, err)
		}
		if got := dropIn["etcd-s3-secret-key"]; got != key {
			t.Errorf("%q reads back as %#v", key, got)
		}
	}
}

// clusterInput is an HA cluster behind a load balancer and a DNS name, with
// one worker pool.
func clusterInput() config.Input {
	three, two := 3, 2
	return config.Input{
		ControlPlane:      config.ControlPlaneInput{Count: &three},
		APILoadBalancer:   config.LoadBalancerInput{Enabled: true},
		APIServerHostname: "k8s.example.com",
		Firewall:          config.FirewallInput{SSHAllowedCIDRs: []string{"203.0.113.7/32"}},
		WorkerPools: []config.WorkerPoolInput{{
			Name: "db", Count: &two,
			Labels: map[string]string{"tier": "db", "example.com/disk": "ssd"},
			Taints: []string{"dedicated=db:NoSchedule", "example.com/maintenance:PreferNoSchedule"},
		}},
	}
}

// schedulableAlone is one control-plane node that runs workloads itself.
func schedulableAlone(in *config.Input) {
	one := 1
	in.ControlPlane = config.ControlPlaneInput{Count: &one, Schedulable: true}
	in.APILoadBalancer.Enabled = false
	in.APIServerHostname = ""
	in.WorkerPools = nil
}

// server is the config of control-plane node i, with the load balancer's
// addresses as extra SANs as the control plane passes them.
func server(i int) func(c config.Cluster) Config {
	return func(c config.Cluster) Config {
		var sans []string
		if c.APILoadBalancer.Enabled {
			sans = []string{lbPublicIP, c.APILoadBalancer.PrivateIP.String()}
		}
		n := c.ControlPlane.Nodes[i]
		return ServerConfig(c, n, NodeAddresses{PrivateIP: n.PrivateIP.String(), PublicIP: publicIP(i + 1)}, sans)
	}
}

// agent is the config of the first node of the first pool.
func agent(c config.Cluster) Config {
	pool := c.WorkerPools[0]
	return AgentConfig(c, pool, pool.Nodes[0], NodeAddresses{PrivateIP: "10.0.0.2", PublicIP: publicIP(11)})
}

func publicIP(i int) string { return fmt.Sprintf("198.51.100.%d", i) }

func TestJoinPeers(t *testing.T) {
	members := []string{"10.0.255.253", "10.0.255.252", "10.0.255.251", "10.0.255.250", "10.0.255.249"}
	tests := []struct {
		name  string
		edit  func(in *config.Input)
		node  func(c config.Cluster) config.Node
		peers []string
	}{
		{"a worker joins through the load balancer", nil,
			func(c config.Cluster) config.Node { return c.WorkerPools[0].Nodes[0] }, []string{"10.0.255.254"}},
		{"a control-plane node joins through the load balancer", nil,
			func(c config.Cluster) config.Node { return c.ControlPlane.Nodes[2] }, []string{"10.0.255.254"}},
		{"the first control-plane node asks the other members", nil,
			func(c config.Cluster) config.Node { return c.ControlPlane.Nodes[0] }, members[1:]},
		{"without a load balancer a worker asks every member", withoutLB,
			func(c config.Cluster) config.Node { return c.WorkerPools[0].Nodes[0] }, members},
		{"without a load balancer a member asks the others", withoutLB,
			func(c config.Cluster) config.Node { return c.ControlPlane.Nodes[1] }, append([]string{members[0]}, members[2:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := resolve(t, tt.edit)
			if got := JoinPeers(c, tt.node(c)); fmt.Sprint(got) != fmt.Sprint(tt.peers) {
				t.Errorf("JoinPeers = %v, want %v", got, tt.peers)
			}
		})
	}
}

package config

import (
	"encoding/json"
	"strings"
	"testing"
)

func intp(n int) *int { return &n }

// valid is the smallest configuration that resolves.
func valid() Input {
	return Input{
		Firewall:    FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		WorkerPools: []WorkerPoolInput{{Name: "workers", Count: intp(2)}},
	}
}

func TestResolveDefaults(t *testing.T) {
	c, err := Resolve("dev", valid())
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"cluster name from stack", c.Name, "dev"},
		{"k3s version", c.K3sVersion.String(), DefaultK3sVersion},
		{"control-plane type", c.ControlPlane.ServerType, "cx23"},
		{"network zone from location", c.Network.Zone, "eu-central"},
		{"network", c.Network.CIDR.String(), "10.0.0.0/16"},
		{"first control-plane hostname", c.ControlPlane.Nodes[0].Hostname, "dev-cp-1"},
		{"first control-plane IP at the top of the network", c.ControlPlane.Nodes[0].PrivateIP.String(), "10.0.255.253"},
		{"load balancer IP above it", c.APILoadBalancer.PrivateIP.String(), "10.0.255.254"},
		{"worker hostname", c.WorkerPools[0].Nodes[1].Hostname, "dev-workers-2"},
		{"worker location follows the control plane", c.WorkerPools[0].Location, "nbg1"},
		{"api allowlist defaults to ssh allowlist", c.Firewall.APIAllowed[0].String(), "198.51.100.7/32"},
		{"disable", strings.Join(c.K3s.Disable, ","), "traefik,servicelb"},
		{"lb public by default", boolString(c.APILoadBalancer.PublicInterface), "true"},
	}
	for _, check := range checks {
		if check.got != check.want {
			t.Errorf("%s: got %q, want %q", check.name, check.got, check.want)
		}
	}
	if len(c.ControlPlane.Nodes) != 1 || len(c.WorkerPools[0].Nodes) != 2 {
		t.Errorf("node counts: %d control plane, %d workers", len(c.ControlPlane.Nodes), len(c.WorkerPools[0].Nodes))
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// rejection is a change to a valid config, and the problem it must cause.
type rejection struct {
	name   string
	modify func(*Input)
	want   string
}

// expectRejections resolves valid() changed by each row and expects the row's problem.
func expectRejections(t *testing.T, tests []rejection) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.modify(&in)
			_, err := Resolve("dev", in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain: %s", err, tt.want)
			}
		})
	}
}

func TestResolveRejects(t *testing.T) {
	tests := []rejection{
		{"even control-plane count", func(in *Input) { in.ControlPlane.Count = intp(2) },
			`hcloud-k3s:controlPlane.count: 2 is not allowed: use 1, 3 or 5 (embedded etcd needs an odd number of members for quorum)`},
		{"unknown location", func(in *Input) { in.ControlPlane.Locations = []string{"fra1"} },
			`hcloud-k3s:controlPlane.locations[0]: "fra1" is not a Hetzner Cloud location: use one of ash, fsn1, hel1, hil, nbg1, sin`},
		{"mixed zones", func(in *Input) { in.ControlPlane.Locations = []string{"nbg1", "ash"} },
			`hcloud-k3s:controlPlane.locations: ["nbg1" "ash"] span several network zones`},
		{"malformed network cidr", func(in *Input) { in.Network.CIDR = "10.0.0.0/33" },
			`hcloud-k3s:network.cidr: "10.0.0.0/33" is not a CIDR such as 10.0.0.0/16`},
		{"public network cidr", func(in *Input) { in.Network.CIDR = "8.8.0.0/16" },
			`hcloud-k3s:network.cidr: "8.8.0.0/16" must be a private IPv4 range (RFC 1918)`},
		{"network too small", func(in *Input) { in.Network.CIDR = "10.0.0.0/26" },
			`hcloud-k3s:network.cidr: "10.0.0.0/26" must have a prefix length from /8 to /24`},
		{"overlapping pod range", func(in *Input) { in.Network.CIDR = "10.0.0.0/8" },
			`hcloud-k3s:k3s.clusterCidr: "10.42.0.0/16" overlaps network.cidr 10.0.0.0/8: node, pod and service ranges must be disjoint`},
		{"duplicate pool names", func(in *Input) {
			in.WorkerPools = append(in.WorkerPools, WorkerPoolInput{Name: "workers"})
		}, `hcloud-k3s:workerPools[1].name: "workers" is used by another pool: pool names must be unique`},
		{"negative count", func(in *Input) { in.WorkerPools[0].Count = intp(-1) },
			`hcloud-k3s:workerPools[0].count: -1 is negative: use 0 or more`},
		{"k3s too old", func(in *Input) { in.K3sVersion = "v1.26.4+k3s1" },
			`hcloud-k3s:k3sVersion: "v1.26.4+k3s1" is older than v1.28.0+k3s1, the oldest release hcloud-k3s supports`},
		{"invalid k3s version", func(in *Input) { in.K3sVersion = "stable" },
			`hcloud-k3s:k3sVersion: "stable" is not a pinned k3s release: use a tag such as v1.36.4+k3s1`},
		{"too many servers", func(in *Input) { in.WorkerPools[0].Count = intp(100) },
			`hcloud-k3s:workerPools: "101 servers" exceed the 100 servers a Hetzner private network holds`},
		{"malformed taint", func(in *Input) { in.WorkerPools[0].Taints = []string{"gpu=true"} },
			`hcloud-k3s:workerPools[0].taints[0]: "gpu=true" must be key[=value]:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute`},
		{"malformed label", func(in *Input) { in.WorkerPools[0].Labels = map[string]string{"team": "a b"} },
			`hcloud-k3s:workerPools[0].labels.team: "a b" is not a Kubernetes label value`},
		{"label the kubelet may not set", func(in *Input) {
			in.WorkerPools[0].Labels = map[string]string{"node-role.kubernetes.io/worker": "true"}
		}, `hcloud-k3s:workerPools[0].labels: "node-role.kubernetes.io/worker" is in a kubernetes.io namespace that a kubelet may not set on itself`},
		{"cluster name ending in a dash", func(in *Input) { in.ClusterName = "dev-" },
			`hcloud-k3s:clusterName: "dev-" is invalid: use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`},
		{"pool name ending in a dash", func(in *Input) { in.WorkerPools[0].Name = "gpu-" },
			`hcloud-k3s:workerPools[0].name: "gpu-" is invalid: use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`},
		{"network holding the public gateway", func(in *Input) { in.Network.CIDR = "172.16.0.0/12" },
			`hcloud-k3s:network.cidr: "172.16.0.0/12" contains 172.31.1.1, the gateway of every Hetzner server's public interface`},
		{"network holding the public gateway, small", func(in *Input) { in.Network.CIDR = "172.31.0.0/16" },
			`hcloud-k3s:network.cidr: "172.31.0.0/16" contains 172.31.1.1`},
		{"servicelb next to the CCM", func(in *Input) { in.K3s.Disable = &[]string{"traefik"} },
			`hcloud-k3s:k3s.disable: ["traefik"] must include servicelb while addons.cloudControllerManager is enabled`},
		{"worker in another zone", func(in *Input) { in.WorkerPools[0].Location = "sin" },
			`hcloud-k3s:workerPools[0].location: "sin" is in zone ap-southeast, but the cluster's network is in eu-central`},
		{"no ssh allowlist", func(in *Input) { in.Firewall.SSHAllowedCIDRs = nil },
			`hcloud-k3s:firewall.sshAllowedCidrs: [] is empty: Pulumi installs k3s over SSH`},
		{"cidr with host bits", func(in *Input) { in.Firewall.APIAllowedCIDRs = []string{"198.51.100.7/24"} },
			`hcloud-k3s:firewall.apiAllowedCidrs[0]: "198.51.100.7/24" has host bits set: use 198.51.100.0/24`},
		{"bad cluster name", func(in *Input) { in.ClusterName = "Prod_1" },
			`hcloud-k3s:clusterName: "Prod_1" is invalid`},
		{"unknown lb type", func(in *Input) { in.APILoadBalancer.Type = "lb99" },
			`hcloud-k3s:apiLoadBalancer.type: "lb99" is not a load balancer type: use one of lb11, lb21, lb31`},
		{"host-gw flannel", func(in *Input) { in.K3s.FlannelBackend = "host-gw" },
			`hcloud-k3s:k3s.flannelBackend: "host-gw" is not supported`},
		{"extra arg overriding a managed flag", func(in *Input) { in.K3s.ExtraServerArgs = []string{"--node-ip=1.2.3.4"} },
			`hcloud-k3s:k3s.extraServerArgs[0]: "--node-ip=1.2.3.4" sets --node-ip, which hcloud-k3s manages`},
		{"no workers and unschedulable control plane", func(in *Input) { in.WorkerPools = nil },
			`hcloud-k3s:workerPools: "no workers" leave workloads nowhere to run`},
		{"bad authorized key", func(in *Input) { in.SSH.AuthorizedKeys = []string{"not a key"} },
			`hcloud-k3s:ssh.authorizedKeys[0]: "not a key" is not an OpenSSH public key line`},
		{"pool named like the control plane", func(in *Input) { in.WorkerPools[0].Name = "cp" },
			`hcloud-k3s:workerPools[0].name: "cp" is reserved for the control plane`},
		{"unknown network zone", func(in *Input) { in.Network.Zone = "eu-west" },
			`hcloud-k3s:network.zone: "eu-west" is not a Hetzner network zone: use one of ap-southeast, eu-central, us-east, us-west`},
		{"network zone without the control plane", func(in *Input) { in.Network.Zone = "us-east" },
			`hcloud-k3s:network.zone: "us-east" does not contain the control-plane location nbg1 (zone eu-central)`},
		{"unknown packaged component", func(in *Input) { in.K3s.Disable = &[]string{"traefik", "flannel"} },
			`hcloud-k3s:k3s.disable[1]: "flannel" is not a packaged k3s component`},
		{"IPv6 pod range", func(in *Input) { in.K3s.ClusterCIDR = "fd00::/56" },
			`hcloud-k3s:k3s.clusterCidr: "fd00::/56" must be an IPv4 range`},
		{"unpinned add-on", func(in *Input) { in.Addons.CSIDriver.Version = "latest" },
			`hcloud-k3s:addons.csiDriver.version: "latest" is not a pinned release such as 2.22.1`},
		{"system-upgrade-controller release without its v", func(in *Input) { in.Addons.SystemUpgradeController.Version = "0.20.1" },
			`hcloud-k3s:addons.systemUpgradeController.version: "0.20.1" is not v0.20.1, the system-upgrade-controller release whose objects hcloud-k3s writes`},
		{"system-upgrade-controller release not written", func(in *Input) { in.Addons.SystemUpgradeController.Version = "v0.19.2" },
			`hcloud-k3s:addons.systemUpgradeController.version: "v0.19.2" is not v0.20.1`},
		{"no agent upgrades at once", func(in *Input) { in.Upgrade.AgentConcurrency = intp(0) },
			`hcloud-k3s:upgrade.agentConcurrency: 0 must be 1 or more`},
		{"drain timeout that is no duration", func(in *Input) { in.DrainTimeout = "5 minutes" },
			`hcloud-k3s:drainTimeout: "5 minutes" is not a duration of at least 1s, such as 5m`},
		{"hostname without a domain", func(in *Input) { in.APIServerHostname = "k8s" },
			`hcloud-k3s:apiServerHostname: "k8s" is not a fully qualified DNS name`},
	}
	expectRejections(t, tests)
}

// What Hetzner does sell resolves: the defaults, CCX and CPX Gen1 outside
// Europe, a network beside the public gateway, ServiceLB without the CCM.
func TestResolveAccepts(t *testing.T) {
	no := false
	tests := map[string]func(*Input){
		"network beside the gateway": func(in *Input) { in.Network.CIDR = "172.30.0.0/16" },
		"servicelb without the CCM":  func(in *Input) { in.K3s.Disable = &[]string{"traefik"}; in.Addons.CloudControllerManager.Enabled = &no },
		"names ending in digits":     func(in *Input) { in.ClusterName = "prod-2"; in.WorkerPools[0].Name = "gpu-1" },
		"single-letter cluster name": func(in *Input) { in.ClusterName = "a" },
	}
	for name, modify := range tests {
		t.Run(name, func(t *testing.T) {
			in := valid()
			modify(&in)
			if _, err := Resolve("dev", in); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestResolveNamesTheStackWhenItIsNoClusterName(t *testing.T) {
	_, err := Resolve("Prod_EU", valid())
	want := `hcloud-k3s:clusterName: "Prod_EU" (the stack name, used because clusterName is unset) is invalid`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %s", err, want)
	}
}

func TestResolveReportsEveryProblemAtOnce(t *testing.T) {
	in := valid()
	in.ControlPlane.Count = intp(4)
	in.K3sVersion = "latest"
	in.WorkerPools[0].Count = intp(-3)
	_, err := Resolve("dev", in)
	ve, ok := err.(*ValidationError)
	if !ok || len(ve.Problems) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
}

func TestResolveNeverEchoesThePrivateKey(t *testing.T) {
	in := valid()
	in.SSH.PrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END OPENSSH PRIVATE KEY-----\n"
	_, err := Resolve("dev", in)
	if err == nil || !strings.Contains(err.Error(), "ssh.privateKey: (secret)") {
		t.Fatalf("want a private key error, got %v", err)
	}
	if strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("error leaks the key: %v", err)
	}
}

func TestNodeNamesAreStableWhenPoolsChange(t *testing.T) {
	small, grown := valid(), valid()
	grown.WorkerPools[0].Count = intp(12)
	grown.WorkerPools = append([]WorkerPoolInput{{Name: "gpu", Count: intp(1)}}, grown.WorkerPools...)
	a, errA := Resolve("dev", small)
	b, errB := Resolve("dev", grown)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	for i, n := range a.WorkerPools[0].Nodes {
		if got := b.WorkerPools[1].Nodes[i]; got != n {
			t.Errorf("node %d changed from %+v to %+v", i, n, got)
		}
	}
	if last := b.WorkerPools[1].Nodes[11]; last.Placement != 1 {
		t.Errorf("the 11th+ worker goes to the second placement group, got %d", last.Placement)
	}
}

// FuzzResolve: no input may panic; every input either resolves or explains why.
func FuzzResolve(f *testing.F) {
	f.Add(`{"controlPlane":{"count":3,"locations":["fsn1","nbg1","hel1"]},"firewall":{"sshAllowedCidrs":["198.51.100.7/32"]},"workerPools":[{"name":"a"}]}`)
	f.Add(`{"network":{"cidr":"10.0.0.0/8","zone":"us-east"},"workerPools":[{"name":"cp","count":-1,"taints":[":"]}]}`)
	f.Add(`{"controlPlane":{"count":0,"locations":[]},"k3s":{"extraServerArgs":["--x","--="]}}`)
	f.Fuzz(func(t *testing.T, data string) {
		var in Input
		if json.Unmarshal([]byte(data), &in) != nil {
			return
		}
		c, err := Resolve("fuzz", in)
		if err == nil && len(c.ControlPlane.Nodes) == 0 {
			t.Fatalf("resolved without a control plane: %s", data)
		}
	})
}

func TestNewNodesInstallThePinnedVersionOrAnOlderOneRunning(t *testing.T) {
	pinned, _ := ParseVersion("v1.36.4+k3s1")
	for running, want := range map[string]string{
		"v1.35.5+k3s1\n": "v1.35.5+k3s1", // an upgrade under way: never newer than the API servers
		"v1.36.4+k3s1\n": "v1.36.4+k3s1",
		"v1.36.5+k3s1\n": "v1.36.4+k3s1", // upgraded past the pin by hand
		"\n":             "v1.36.4+k3s1", // the control plane could not be read
	} {
		if got := pinned.OrOlder(running); got != want {
			t.Errorf("running %q: installs %s, want %s", running, got, want)
		}
	}
}

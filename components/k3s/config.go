// Package k3s renders what each node needs to run k3s: its config.yaml, the
// install script, and the kubeconfig users get. It is pure Go: no Pulumi.
package k3s

import (
	"encoding/json"
	"maps"
	"net"
	"slices"
	"strconv"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"sigs.k8s.io/yaml"
)

// Paths on the nodes.
const (
	ConfigPath     = "/etc/rancher/k3s/config.yaml"
	TokenPath      = "/etc/rancher/k3s/token"
	KubeconfigPath = "/etc/rancher/k3s/k3s.yaml"
	APIPort        = 6443
	// LocalAPIPort is where every node reaches the Kubernetes API on
	// 127.0.0.1 without any Service or load balancer: a server's own
	// kube-apiserver (k3s pkg/daemons/control/server.go, defaults:
	// https-listen-port + 1, bound to loopback), and an agent's client load
	// balancer over every server (k3s pkg/cli/cmds/agent.go, lb-server-port,
	// default 6444; the agent's kubelet talks to the API through it). Both
	// present the API's serving certificate, whose SANs include 127.0.0.1
	// (k3s pkg/cli/server/server.go).
	LocalAPIPort = 6444
)

// Config is /etc/rancher/k3s/config.yaml; keys are k3s's long flag names.
// It holds no secret (the token lives in token-file), so it can be shown in
// `pulumi preview` diffs.
type Config struct {
	ClusterInit            bool     `json:"cluster-init,omitempty"`
	TokenFile              string   `json:"token-file"`
	NodeName               string   `json:"node-name,omitempty"`
	NodeIP                 string   `json:"node-ip,omitempty"`
	NodeExternalIP         string   `json:"node-external-ip,omitempty"`
	AdvertiseAddress       string   `json:"advertise-address,omitempty"`
	TLSSAN                 []string `json:"tls-san,omitempty"`
	ClusterCIDR            string   `json:"cluster-cidr,omitempty"`
	ServiceCIDR            string   `json:"service-cidr,omitempty"`
	FlannelBackend         string   `json:"flannel-backend,omitempty"`
	DisableNetworkPolicy   bool     `json:"disable-network-policy,omitempty"`
	DisableKubeProxy       bool     `json:"disable-kube-proxy,omitempty"`
	Disable                []string `json:"disable,omitempty"`
	DisableCloudController bool     `json:"disable-cloud-controller,omitempty"`
	EtcdExposeMetrics      bool     `json:"etcd-expose-metrics,omitempty"`
	KubeletArg             []string `json:"kubelet-arg,omitempty"`
	NodeLabel              []string `json:"node-label,omitempty"`
	NodeTaint              []string `json:"node-taint,omitempty"`
	EtcdSnapshots

	Extra []config.Arg `json:"-"` // the user's extra flags, merged on render
}

// EtcdSnapshots are the snapshot keys of a server's config (flags in k3s
// pkg/cli/cmds/server.go); `k3s etcd-snapshot` reads the same file and its
// drop-ins (pkg/configfilearg/defaultparser.go: "etcd-snapshot:1"). The S3
// secret key is not here: it lives in a root-only drop-in (S3SecretDropIn).
type EtcdSnapshots struct {
	ScheduleCron string `json:"etcd-snapshot-schedule-cron,omitempty"`
	Retention    int    `json:"etcd-snapshot-retention,omitempty"`
	S3           bool   `json:"etcd-s3,omitempty"`
	S3Endpoint   string `json:"etcd-s3-endpoint,omitempty"`
	S3Region     string `json:"etcd-s3-region,omitempty"`
	S3Bucket     string `json:"etcd-s3-bucket,omitempty"`
	S3Folder     string `json:"etcd-s3-folder,omitempty"`
	S3AccessKey  string `json:"etcd-s3-access-key,omitempty"`
	S3Retention  int    `json:"etcd-s3-retention,omitempty"`
}

// NodeAddresses are the addresses a node's config needs, known once its server exists.
type NodeAddresses struct {
	PrivateIP string
	PublicIP  string
}

// ServerConfig is the config of a control-plane node. The first node
// initialises the cluster; the others join it over the private network,
// through the address the install adds (see JoinPeers).
// extraSANs are addresses clients may use besides the node's own (the API
// load balancer's IPs).
func ServerConfig(c config.Cluster, node config.Node, addr NodeAddresses, extraSANs []string) Config {
	cfg := baseConfig(c, node, addr)
	cfg.AdvertiseAddress = addr.PrivateIP // keeps agent→apiserver traffic on the private network
	cfg.TLSSAN = uniqueNonEmpty(append([]string{addr.PublicIP, addr.PrivateIP, c.APIServerHostname}, extraSANs...))
	cfg.ClusterCIDR = c.K3s.ClusterCIDR.String()
	cfg.ServiceCIDR = c.K3s.ServiceCIDR.String()
	cfg.FlannelBackend = c.K3s.FlannelBackend
	if cil := c.K3s.Cilium; cil != nil {
		// Cilium enforces network policies, and serves Services when it
		// replaces kube-proxy. Both are server flags: agents take them from
		// the server (k3s pkg/agent/config/config.go, DisableNPC and
		// getKubeProxyDisabled), as they take flannel-backend.
		cfg.DisableNetworkPolicy = true
		cfg.DisableKubeProxy = cil.KubeProxyReplacement
	}
	cfg.Disable = c.K3s.Disable
	cfg.DisableCloudController = c.ExternalCloudProvider()
	cfg.EtcdExposeMetrics = true
	cfg.EtcdSnapshots = etcdSnapshots(c.EtcdSnapshots)
	cfg.Extra = c.K3s.ExtraServerArgs
	cfg.ClusterInit = node.Name == c.FirstControlPlane().Name
	cfg.NodeTaint = ControlPlaneTaints(c)
	return cfg
}

// etcdSnapshots renders the schedule and retention, and where S3 is set,
// the same retention in the bucket.
func etcdSnapshots(s config.EtcdSnapshots) EtcdSnapshots {
	cfg := EtcdSnapshots{ScheduleCron: s.Schedule, Retention: s.Retention}
	if s.S3 != nil {
		cfg.S3 = true
		cfg.S3Endpoint = s.S3.Endpoint
		cfg.S3Region = s.S3.Region
		cfg.S3Bucket = s.S3.Bucket
		cfg.S3Folder = s.S3.Folder
		cfg.S3AccessKey = s.S3.AccessKey
		cfg.S3Retention = s.Retention
	}
	return cfg
}

// S3SecretDropInPath is the root-only drop-in that holds the S3 secret key;
// k3s reads config.yaml.d/*.yaml after config.yaml (pkg/configfilearg/parser.go, dotDFiles).
const S3SecretDropInPath = "/etc/rancher/k3s/config.yaml.d/50-etcd-s3-secret.yaml"

// S3SecretDropIn is that drop-in's content. config refuses secret keys with
// quotes or spaces, so single quotes keep it a plain YAML string.
func S3SecretDropIn(secretKey string) string {
	return "etcd-s3-secret-key: '" + secretKey + "'\n"
}

// AgentConfig is the config of a worker node; the install adds the address
// it joins through (see JoinPeers). It is the same whatever the cluster's
// network: an agent takes flannel-backend, disable-network-policy and
// disable-kube-proxy from the server it joins (k3s pkg/cli/cmds/agent.go has
// no such flags).
func AgentConfig(c config.Cluster, pool config.WorkerPool, node config.Node, addr NodeAddresses) Config {
	cfg := baseConfig(c, node, addr)
	cfg.NodeLabel, cfg.NodeTaint = PoolLabels(pool), PoolTaints(pool)
	cfg.Extra = c.K3s.ExtraAgentArgs
	return cfg
}

// ControlPlaneTaints are the taints of the control-plane nodes.
func ControlPlaneTaints(c config.Cluster) []string {
	if c.ControlPlane.Schedulable {
		return nil
	}
	return []string{config.ControlPlaneTaint.String()}
}

// PoolLabels are a pool's node labels, key=value, sorted by key.
func PoolLabels(pool config.WorkerPool) []string {
	var labels []string
	for _, key := range slices.Sorted(maps.Keys(pool.Labels)) {
		labels = append(labels, key+"="+pool.Labels[key])
	}
	return labels
}

// PoolTaints are a pool's node taints, key[=value]:Effect.
func PoolTaints(pool config.WorkerPool) []string {
	var taints []string
	for _, t := range pool.Taints {
		taints = append(taints, t.String())
	}
	return taints
}

func baseConfig(c config.Cluster, node config.Node, addr NodeAddresses) Config {
	cfg := Config{
		TokenFile:      TokenPath,
		NodeName:       node.Hostname,
		NodeIP:         addr.PrivateIP,
		NodeExternalIP: addr.PublicIP,
	}
	if c.ExternalCloudProvider() {
		// The Hetzner cloud-controller-manager initialises nodes.
		cfg.KubeletArg = []string{"cloud-provider=external"}
	}
	return cfg
}

// ServerURL is the k3s supervisor/API URL of a host (IP or DNS name).
func ServerURL(host string) string {
	return "https://" + net.JoinHostPort(host, strconv.Itoa(APIPort))
}

// Render returns the YAML of the config with the extra flags merged in: a
// flag given more than once becomes a list, a list grows, and any other value
// is replaced.
func (c Config) Render() (string, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	doc := map[string]any{}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", err
	}
	given := map[string]bool{}
	for _, arg := range c.Extra {
		doc[arg.Key] = mergeArg(doc[arg.Key], arg.Value, given[arg.Key])
		given[arg.Key] = true
	}
	out, err := yaml.Marshal(doc)
	return string(out), err
}

// mergeArg adds a user's flag to the document. A list (a flag k3s repeats)
// grows, and so does a flag the user gives more than once; any other value,
// hcloud-k3s's own or none, is replaced.
func mergeArg(existing any, value string, givenBefore bool) any {
	if list, ok := existing.([]any); ok {
		return append(list, value)
	}
	if givenBefore {
		return []any{existing, value}
	}
	return value
}

func uniqueNonEmpty(values []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range values {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// JoinPeers are the addresses a node may join the cluster through, in order
// of preference. Every node but the first control-plane one joins through
// the API load balancer's private IP when there is one (a fixed registration
// address in front of the servers, as k3s's docs ask for HA); otherwise any
// control-plane member that answers. The first control-plane node joins a
// member only when it is rebuilt, and asks the members themselves: it must
// tell a surviving member from no cluster at all. Every possible member is
// listed, so the list does not change when the control plane is scaled.
func JoinPeers(c config.Cluster, node config.Node) []string {
	if c.APILoadBalancer.Enabled && node.Name != c.FirstControlPlane().Name {
		return []string{c.APILoadBalancer.PrivateIP.String()}
	}
	var peers []string
	for _, addr := range c.ControlPlaneAddresses() {
		if addr != node.PrivateIP {
			peers = append(peers, addr.String())
		}
	}
	return peers
}

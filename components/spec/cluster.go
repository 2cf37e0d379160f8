package spec

import (
	"fmt"
	"net/netip"
	"time"
)

// Cluster is the validated, defaulted description of one cluster. Everything
// that the components need to register resources is decided here.
type Cluster struct {
	Name              string
	K3sVersion        Version
	ControlPlane      ControlPlane
	WorkerPools       []WorkerPool
	Network           Network
	Firewall          Firewall
	APILoadBalancer   LoadBalancer
	APIServerHostname string // "" when not set
	SSH               SSH
	K3s               K3s
	Addons            Addons
	Upgrade           Upgrade
	// DrainTimeout bounds `kubectl drain` of a node leaving the cluster.
	DrainTimeout time.Duration
	// EtcdSnapshots are the control plane's etcd backups.
	EtcdSnapshots EtcdSnapshots
}

// Addons are the cluster add-ons installed through pulumi-kubernetes.
type Addons struct {
	CloudControllerManager  Addon
	CSIDriver               Addon
	SystemUpgradeController Addon
}

// Addon is one switchable, pinned add-on.
type Addon struct {
	Enabled bool
	Version string
}

// Upgrade is how system-upgrade-controller rolls out a new k3s version:
// control-plane nodes one at a time, then agents.
type Upgrade struct {
	AgentConcurrency int
	Drain            bool
}

// ControlPlane holds the k3s servers (embedded etcd members).
type ControlPlane struct {
	ServerType  string
	Image       string
	Schedulable bool
	Nodes       []Node
}

// WorkerPool is a named group of identical k3s agents.
type WorkerPool struct {
	Name       string
	ServerType string
	Location   string
	Image      string
	Labels     map[string]string
	Taints     []Taint
	Nodes      []Node
}

// Node is one server. Its Name is the stable key of every resource made for
// it, so adding or removing another node never touches this one.
type Node struct {
	Name      string     // "cp-1", "<pool>-3"
	Hostname  string     // "<cluster>-cp-1": the server and Kubernetes node name
	Location  string     // Hetzner location
	PrivateIP netip.Addr // fixed for control-plane nodes; invalid for workers (assigned by Hetzner)
	Placement int        // index of the node's spread placement group within its pool
}

// Network is the private network all nodes and the load balancer join.
type Network struct {
	CIDR netip.Prefix
	Zone string
}

// Firewall holds the allowlists for the public interfaces of the servers.
type Firewall struct {
	SSHAllowed []netip.Prefix
	APIAllowed []netip.Prefix
}

// LoadBalancer is the optional TCP load balancer for the Kubernetes API.
type LoadBalancer struct {
	Enabled         bool
	Type            string
	Location        string
	PublicInterface bool
	PrivateIP       netip.Addr
}

// SSH holds the key Pulumi uses to reach the servers, and humans' keys.
type SSH struct {
	PrivateKey     string // "" means: generate one
	AuthorizedKeys []string
}

// GeneratesKey tells whether hcloud-k3s makes (and exports) the key pair.
func (s SSH) GeneratesKey() bool { return s.PrivateKey == "" }

// K3s holds cluster-wide k3s settings.
type K3s struct {
	FlannelBackend  string
	Disable         []string
	ClusterCIDR     netip.Prefix
	ServiceCIDR     netip.Prefix
	ExtraServerArgs []Arg
	ExtraAgentArgs  []Arg
}

// Arg is one extra k3s flag, as a config.yaml key and value.
type Arg struct {
	Key   string
	Value string // "true" for a flag given without a value
}

// FirstControlPlane is the node that initialises the cluster.
func (c Cluster) FirstControlPlane() Node { return c.ControlPlane.Nodes[0] }

// MaxControlPlaneNodes is the largest control plane (etcd members) allowed.
const MaxControlPlaneNodes = 5

// ControlPlaneAddresses are the private IPs control-plane nodes 1 to 5 get,
// whether or not they exist: scripts that look for members use the full
// list, so it does not change when the control plane grows or shrinks.
func (c Cluster) ControlPlaneAddresses() []netip.Addr {
	addrs := make([]netip.Addr, MaxControlPlaneNodes)
	for i := range addrs {
		addrs[i] = staticAddress(c.Network.CIDR, i+1)
	}
	return addrs
}

// ServerCount is the number of servers the cluster puts on its network.
func (c Cluster) ServerCount() int {
	n := 0
	for _, nodes := range c.nodeLists() {
		n += len(*nodes)
	}
	return n
}

// Hostnames lists every node's hostname, control plane first, then the pools in order.
func (c Cluster) Hostnames() []string {
	var names []string
	for _, nodes := range c.nodeLists() {
		names = append(names, Hostnames(*nodes)...)
	}
	return names
}

// Hostnames lists the nodes' hostnames, in order.
func Hostnames(nodes []Node) []string {
	var names []string
	for _, n := range nodes {
		names = append(names, n.Hostname)
	}
	return names
}

// Labels are the Hetzner labels of a node's server; the firewall and the API
// load balancer find servers by them.
func (c Cluster) Labels(role, pool string) map[string]string {
	return map[string]string{"cluster": c.Name, "role": role, "pool": pool}
}

// Role names used in labels and selectors.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
)

// ControlPlaneSelector selects the control-plane servers of this cluster.
func (c Cluster) ControlPlaneSelector() string {
	return fmt.Sprintf("cluster=%s,role=%s", c.Name, RoleControlPlane)
}

// ClusterSelector selects every server of this cluster.
func (c Cluster) ClusterSelector() string { return "cluster=" + c.Name }

// staticAddress counts back from the top of the network: the load balancer
// takes the last usable address and control-plane node i the i-th before it,
// far from the low addresses Hetzner hands out to workers, so the two never race.
func staticAddress(network netip.Prefix, fromTop int) netip.Addr {
	a := lastAddress(network)
	for i := 0; i <= fromTop; i++ { // skip the broadcast address, then count down
		a = a.Prev()
	}
	return a
}

func lastAddress(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	hostBits := 32 - p.Bits()
	for i := 3; i >= 0 && hostBits > 0; i-- {
		n := min(hostBits, 8)
		b[i] |= byte(1<<n - 1)
		hostBits -= n
	}
	return netip.AddrFrom4(b)
}

// ExternalCloudProvider tells whether the Hetzner cloud-controller-manager
// initialises nodes; without it k3s keeps its embedded cloud controller, or
// nodes would stay tainted uninitialized forever.
func (c Cluster) ExternalCloudProvider() bool { return c.Addons.CloudControllerManager.Enabled }

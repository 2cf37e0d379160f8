package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// Input is the stack configuration as the user wrote it, one field per
// `hcloud-k3s:` config key. Pointers mark values whose zero value is a valid
// choice distinct from "not set". Each section's type, its validated form and
// its resolution live in the section's own file.
type Input struct {
	ClusterName       string             `json:"clusterName"`
	K3sVersion        string             `json:"k3sVersion"`
	ControlPlane      ControlPlaneInput  `json:"controlPlane"`
	WorkerPools       []WorkerPoolInput  `json:"workerPools"`
	Network           NetworkInput       `json:"network"`
	Firewall          FirewallInput      `json:"firewall"`
	APILoadBalancer   LoadBalancerInput  `json:"apiLoadBalancer"`
	APIServerHostname string             `json:"apiServerHostname"`
	SSH               SSHInput           `json:"ssh"`
	K3s               K3sInput           `json:"k3s"`
	Addons            AddonsInput        `json:"addons"`
	Upgrade           UpgradeInput       `json:"upgrade"`
	DrainTimeout      string             `json:"drainTimeout"`
	EtcdSnapshots     EtcdSnapshotsInput `json:"etcdSnapshots"`
}

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

// Resolve applies defaults to the stack configuration and validates it,
// returning every problem at once. stack names the cluster when clusterName is unset.
func Resolve(stack string, in Input) (Cluster, error) {
	var p problems
	c := Cluster{
		Name:              resolveClusterName(&p, stack, in.ClusterName),
		APIServerHostname: resolveHostname(&p, in.APIServerHostname),
		SSH:               resolveSSH(&p, in.SSH),
		K3sVersion:        resolveK3sVersion(&p, in.K3sVersion),
		K3s:               resolveK3s(&p, in.K3s),
		Addons:            resolveAddons(&p, in.Addons),
		Upgrade:           resolveUpgrade(&p, in.Upgrade),
		DrainTimeout:      resolveDrainTimeout(&p, in.DrainTimeout),
	}
	locations := in.ControlPlane.Locations
	if len(locations) == 0 {
		locations = []string{DefaultLocation}
	}
	// Pools and the load balancer default to the first control-plane location.
	home := locations[0]
	c.ControlPlane = resolveControlPlane(&p, in.ControlPlane, locations)
	c.Network = resolveNetwork(&p, in.Network, home)
	c.WorkerPools = resolveWorkerPools(&p, in.WorkerPools, home, c.Network.Zone)
	c.Firewall = resolveFirewall(&p, in.Firewall)
	c.APILoadBalancer = resolveLoadBalancer(&p, in.APILoadBalancer, home, c.Network.Zone)
	c.EtcdSnapshots = resolveEtcdSnapshots(&p, in.EtcdSnapshots, c.Name, home)
	checkCapacity(&p, c)
	checkAutoscaling(&p, &c)
	checkCIDRsApart(&p, c)
	resolveNetworkRange(&p, &c)
	checkOneServiceLoadBalancer(&p, c)
	if len(p) > 0 {
		return Cluster{}, p.err()
	}
	assignAddresses(&c)
	return c, nil
}

func resolveClusterName(p *problems, stack, name string) string {
	if validName(or(name, stack), maxClusterNameLength) {
		return or(name, stack)
	}
	fromStack := ""
	if name == "" {
		fromStack = "(the stack name, used because clusterName is unset) "
	}
	p.add("clusterName", or(name, stack), "%sis invalid: %s", fromStack, nameRule(maxClusterNameLength))
	return or(name, stack)
}

func resolveHostname(p *problems, hostname string) string {
	if hostname != "" && (len(hostname) > 253 || !dnsSubdomain.MatchString(hostname) || !strings.Contains(hostname, ".")) {
		p.add("apiServerHostname", hostname, "is not a fully qualified DNS name such as k8s.example.com")
	}
	return hostname
}

const maxClusterNameLength = 30

// namePattern is what cluster and pool names may look like: they go into
// hostnames, Hetzner resource names and Hetzner label values, which must
// end with a letter or digit (hcloud-go hcloud/labels.go).
var namePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

func validName(name string, maxLength int) bool {
	return namePattern.MatchString(name) && len(name) <= maxLength
}

func nameRule(maxLength int) string {
	return fmt.Sprintf("use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most %d characters", maxLength)
}

// FirstControlPlane is the node that initialises the cluster.
func (c Cluster) FirstControlPlane() Node { return c.ControlPlane.Nodes[0] }

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

func (c *Cluster) nodeLists() []*[]Node {
	lists := []*[]Node{&c.ControlPlane.Nodes}
	for i := range c.WorkerPools {
		lists = append(lists, &c.WorkerPools[i].Nodes)
	}
	return lists
}

// Labels are the Hetzner labels of a node's server; the firewall and the API
// load balancer find servers by them.
func (c Cluster) Labels(role, pool string) map[string]string {
	return map[string]string{hetzner.LabelCluster: c.Name, hetzner.LabelRole: role, hetzner.LabelPool: pool}
}

// ClusterSelector selects every server of this cluster.
func (c Cluster) ClusterSelector() string { return hetzner.LabelCluster + "=" + c.Name }

func checkCapacity(p *problems, c Cluster) {
	if n := c.MaxServerCount(); n > hetzner.MaxServersPerNetwork {
		what := fmt.Sprintf("%d servers", n)
		if n != c.ServerCount() {
			what += fmt.Sprintf(" (%d fixed, the autoscaled pools at their max)", c.ServerCount())
		}
		p.add("workerPools", what, "exceed the %d servers a Hetzner private network holds; see docs/scale-and-speed.md \"Clusters above 100 nodes\"", hetzner.MaxServersPerNetwork)
	}
	if !c.ControlPlane.Schedulable && len(c.ControlPlane.Nodes) > 0 && c.MaxServerCount() == len(c.ControlPlane.Nodes) {
		p.add("workerPools", "no workers", "leave workloads nowhere to run: add a worker pool, or set controlPlane.schedulable to true")
	}
}

// assignAddresses fixes the private IPs that others must know before the
// servers exist (the join URL, TLS SANs and the load balancer) and names
// every node's host.
func assignAddresses(c *Cluster) {
	c.APILoadBalancer.PrivateIP = staticAddress(c.Network.CIDR, 0)
	for i, addr := range c.ControlPlaneAddresses()[:len(c.ControlPlane.Nodes)] {
		c.ControlPlane.Nodes[i].PrivateIP = addr
	}
	for _, nodes := range c.nodeLists() {
		for i := range *nodes {
			(*nodes)[i].Hostname = c.Name + "-" + (*nodes)[i].Name
		}
	}
}

package cluster

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// existing is what Hetzner Cloud already runs for the cluster, read (two
// requests, by the cluster label) before any resource is registered: the
// previous values that changes Hetzner cannot apply as the program would
// like are judged against, and the network the servers' labels say their
// k3s runs. The cloud, not the last deployment's state, is what a change
// meets.
type existing struct {
	servers     map[string]server // by hostname
	networkCIDR string            // the network's ip_range; "" before the network exists
}

// server is what Hetzner says of one of the cluster's servers.
type server struct {
	serverType, location, publicIP string
	labels                         map[string]string
}

// observe reads the cluster's servers and network, through the hcloud
// provider opts name, if any.
func observe(ctx *pulumi.Context, c config.Cluster, opts ...pulumi.InvokeOption) (existing, error) {
	selector := c.ClusterSelector()
	servers, err := hcloud.GetServers(ctx, &hcloud.GetServersArgs{WithSelector: &selector}, opts...)
	if err != nil {
		return existing{}, fmt.Errorf("reading the cluster's servers: %w", err)
	}
	networks, err := hcloud.GetNetworks(ctx, &hcloud.GetNetworksArgs{WithSelector: &selector}, opts...)
	if err != nil {
		return existing{}, fmt.Errorf("reading the cluster's network: %w", err)
	}
	e := existing{servers: map[string]server{}}
	for _, s := range servers.Servers {
		e.servers[s.Name] = server{serverType: s.ServerType, location: s.Location, publicIP: s.Ipv4Address, labels: s.Labels}
	}
	for _, n := range networks.Networks {
		if n.Name == c.Name {
			e.networkCIDR = n.IpRange
		}
	}
	return e, nil
}

// refusal is the error for a change a running cluster cannot take: a new
// network (CNI), or a new way for Cilium to route or to serve Services
// (networkChange), and a change that would destroy the cluster's nodes: a
// network's ip_range is ForceNew (terraform-provider-hcloud
// internal/network/resource.go), so a new network.cidr would replace the
// network and, with it, every server.
func (e existing) refusal(c config.Cluster) error {
	if err := e.networkChange(c); err != nil {
		return err
	}
	if e.networkCIDR == "" || e.networkCIDR == c.Network.IPRange.String() {
		return nil
	}
	return fmt.Errorf("hcloud-k3s:network.cidr: %s is not allowed: the cluster's network %s has %s, and changing it "+
		"would replace the network and every server. Set it back to %s, or build a new cluster in a new stack",
		c.Network.CIDR, c.Name, e.networkCIDR, e.networkCIDR)
}

// networkChange refuses to change what the servers' labels say their k3s
// runs (config.Cluster.CNILabels). Pods keep the addresses and routes the
// old network gave them until their node restarts, so between two networks
// a cluster would lose its pod traffic; k3s starts or stops kube-proxy on a
// node only when it restarts (agents read disable-kube-proxy from the
// server at start, k3s pkg/agent/config/config.go); and Cilium's routing
// decides the Hetzner network's ip_range (config.Network.IPRange), which
// cannot change without a new network. No migration is built: a new
// cluster in a new stack is the way.
func (e existing) networkChange(c config.Cluster) error {
	want := c.CNILabels()
	for _, name := range slices.Sorted(maps.Keys(e.servers)) {
		had := e.servers[name].labels
		for _, check := range networkChecks {
			was, now := had[check.label], want[check.label]
			if was == now {
				continue
			}
			return fmt.Errorf("hcloud-k3s:%s: %s is not allowed: the cluster's servers (%s among them) %s, and %s. "+
				"Set it back to %s, or build a new cluster in a new stack and move the workloads",
				check.key, check.value(c), name, check.runs(was), check.why, check.setting(was))
		}
	}
	return nil
}

// networkCheck is one label networkChange compares: the config key it
// follows, how the message names what a label value means, the key's value
// in the config and the one a label value stands for.
type networkCheck struct {
	label, key string
	runs       func(labelValue string) string
	value      func(c config.Cluster) string
	setting    func(labelValue string) string
	why        string
}

var networkChecks = []networkCheck{
	{hetzner.LabelCNI, "k3s.cni", func(v string) string {
		if v == "" {
			return "run flannel (they have no label " + hetzner.LabelCNI + ")"
		}
		return "run " + v + " (label " + hetzner.LabelCNI + "=" + v + ")"
	}, func(c config.Cluster) string { return c.K3s.CNI },
		func(v string) string { return cmp.Or(v, config.CNIFlannel) },
		"a running cluster cannot change its network: pods keep the old one's addresses and routes until their node restarts"},
	{hetzner.LabelCiliumRouting, "k3s.cilium.routing", func(v string) string {
		return "route pods' traffic with " + v + " routing (label " + hetzner.LabelCiliumRouting + "=" + v + ")"
	}, func(c config.Cluster) string { return ciliumOf(c).Routing },
		func(v string) string { return v },
		"native routing needs a Hetzner network that spans the pods' range: changing it would replace the network and every server"},
	{hetzner.LabelKubeProxy, "k3s.cilium.kubeProxyReplacement", func(v string) string {
		return "have Services served by " + v + " (label " + hetzner.LabelKubeProxy + "=" + v + ")"
	}, func(c config.Cluster) string { return strconv.FormatBool(ciliumOf(c).KubeProxyReplacement) },
		func(v string) string { return strconv.FormatBool(v == hetzner.KubeProxyCilium) },
		"k3s starts or stops kube-proxy on a node only when it restarts, so nodes would serve Services twice or not at all"},
}

// ciliumOf is the cluster's Cilium settings, zero without Cilium.
func ciliumOf(c config.Cluster) config.Cilium {
	if c.K3s.Cilium == nil {
		return config.Cilium{}
	}
	return *c.K3s.Cilium
}

// status is what Hetzner runs of each node's server: whether it exists,
// and with another type than wanted. Hetzner resizes a server in place,
// powered off, and grows its disk (terraform-provider-hcloud
// internal/server/resource.go, server_type is not ForceNew; keep_disk is
// false), so they are resized in turn.
func (e existing) status(nodes []config.Node, serverType string) node.Statuses {
	status := node.Statuses{}
	for _, n := range nodes {
		if was, ok := e.servers[n.Hostname]; ok {
			status[n.Name] = node.Running
			if was.serverType != serverType {
				status[n.Name] = node.Resizing
			}
		}
	}
	return status
}

// resizeNotice tells, in preview and up, how a server-type change is rolled
// out; "" when nothing is resized.
func resizeNotice(key, serverType string, nodes []config.Node, status node.Statuses, atOnce int) string {
	var names []string
	for _, n := range nodes {
		if status[n.Name] == node.Resizing {
			names = append(names, n.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	pace := "one at a time"
	if atOnce > 1 {
		pace = fmt.Sprintf("%d at a time", atOnce)
	}
	return fmt.Sprintf("%s: %s resizes %s %s: each server is powered off, resized, and ready again before the next "+
		"starts. Hetzner grows the disk, so a server cannot move back to a type with a smaller disk.",
		key, serverType, strings.Join(names, ", "), pace)
}

// firstRunning is the public address of the first of nodes whose server
// runs; ok is false when none does.
func (e existing) firstRunning(nodes []config.Node) (address string, ok bool) {
	for _, n := range nodes {
		if s, ok := e.servers[n.Hostname]; ok {
			return s.publicIP, true
		}
	}
	return "", false
}

// orders tells whether an up orders node's server of serverType from
// Hetzner (config.Orders): a new server, one of another type, or one moved
// to another location, which replaces it.
func (e existing) orders(n config.Node, serverType string) bool {
	s, ok := e.servers[n.Hostname]
	return !ok || s.serverType != serverType || s.location != n.Location
}

// logWarning shows a message in preview and up; a failure to log is no
// reason to stop.
func logWarning(ctx *pulumi.Context, message string) {
	_ = ctx.Log.Warn(message, nil)
}

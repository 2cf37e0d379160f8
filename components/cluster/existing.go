package cluster

import (
	"fmt"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// existing is what Hetzner Cloud already runs for the cluster, read (two
// requests, by the cluster label) before any resource is registered: the
// previous values that changes Hetzner cannot apply as the program would
// like are judged against. The cloud, not the last deployment's state, is
// what a change meets.
type existing struct {
	serverTypes map[string]string // by hostname
	networkCIDR string            // "" before the network exists
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
	e := existing{serverTypes: map[string]string{}}
	for _, s := range servers.Servers {
		e.serverTypes[s.Name] = s.ServerType
	}
	for _, n := range networks.Networks {
		if n.Name == c.Name {
			e.networkCIDR = n.IpRange
		}
	}
	return e, nil
}

// refusal is the error for a change that would destroy the cluster's nodes:
// a network's ip_range is ForceNew (terraform-provider-hcloud
// internal/network/resource.go), so a new network.cidr would replace the
// network and, with it, every server.
func (e existing) refusal(c config.Cluster) error {
	if e.networkCIDR == "" || e.networkCIDR == c.Network.CIDR.String() {
		return nil
	}
	return fmt.Errorf("hcloud-k3s:network.cidr: %s is not allowed: the cluster's network %s has %s, and changing it "+
		"would replace the network and every server. Set it back to %s, or build a new cluster in a new stack",
		c.Network.CIDR, c.Name, e.networkCIDR, e.networkCIDR)
}

// resized lists the nodes whose server exists with another type than
// wanted. Hetzner resizes a server in place, powered off, and grows its disk
// (terraform-provider-hcloud internal/server/resource.go, server_type is not
// ForceNew; keep_disk is false), so they are resized in turn.
func (e existing) resized(nodes []config.Node, serverType string) map[string]bool {
	names := map[string]bool{}
	for _, n := range nodes {
		if was, ok := e.serverTypes[n.Hostname]; ok && was != serverType {
			names[n.Name] = true
		}
	}
	return names
}

// resizeNotice tells, in preview and up, how a server-type change is rolled
// out; "" when nothing is resized.
func resizeNotice(key, serverType string, nodes []config.Node, resized map[string]bool, atOnce int) string {
	var names []string
	for _, n := range nodes {
		if resized[n.Name] {
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

// logWarning shows a message in preview and up; a failure to log is no
// reason to stop.
func logWarning(ctx *pulumi.Context, message string) {
	_ = ctx.Log.Warn(message, nil)
}

// Package workerpool creates a named pool of identical k3s agents.
package workerpool

import (
	"fmt"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures a worker pool.
type Args struct {
	Pool   config.WorkerPool
	Shared node.Shared
	// Join is how agents join: as soon as the first control-plane node is
	// up, without waiting for the others.
	Join *node.Join
	// Queue lets upgrade.agentConcurrency workers of the whole cluster down
	// at a time; every pool shares it.
	Queue *node.Queue
	// Status is what Hetzner runs of each node's server.
	Status node.Statuses
}

// WorkerPool is the pool's nodes and their placement groups.
type WorkerPool struct {
	pulumi.ResourceState

	PublicIPs pulumi.StringArrayOutput `pulumi:"publicIps"`
	Nodes     []*node.Node
}

// New registers the worker-pool component. Nodes are spread over placement
// groups of at most 10 servers (Hetzner's limit), node i in group i/10, so a
// node's group never changes when the pool grows or shrinks.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*WorkerPool, error) {
	wp := &WorkerPool{}
	if err := ctx.RegisterComponentResource(component.Type("WorkerPool"), name, wp, opts...); err != nil {
		return nil, err
	}
	c, pool := args.Shared.Cluster, args.Pool
	labels := c.Labels(hetzner.RoleWorker, pool.Name)
	group := &node.Group{
		Shared:     args.Shared,
		Role:       k3s.RoleAgent,
		ServerType: pool.ServerType,
		Image:      pool.Image,
		Labels:     labels,
		Config: func(member config.Node, addr k3s.NodeAddresses, _ []string) k3s.Config {
			return k3s.AgentConfig(c, pool, member, addr)
		},
		Queue:  args.Queue,
		Status: args.Status,
	}
	placements := map[int]pulumi.IntOutput{}
	var publicIPs pulumi.StringArray
	for _, member := range pool.Nodes {
		placement, ok := placements[member.Placement]
		if !ok {
			var err error
			placement, err = node.NewPlacementGroup(ctx, fmt.Sprintf("%s-pg-%d", pool.Name, member.Placement+1), c.Name, labels, pulumi.Parent(wp))
			if err != nil {
				return nil, err
			}
			placements[member.Placement] = placement
		}
		n, err := node.New(ctx, member.Name, node.Args{Group: group, Node: member, PlacementGroupID: placement, Join: args.Join}, pulumi.Parent(wp))
		if err != nil {
			return nil, err
		}
		wp.Nodes = append(wp.Nodes, n)
		publicIPs = append(publicIPs, n.PublicIP)
	}
	wp.PublicIPs = publicIPs.ToStringArrayOutput()
	return wp, ctx.RegisterResourceOutputs(wp, pulumi.Map{"publicIps": wp.PublicIPs})
}

// Package workerpool creates a named pool of identical k3s agents.
package workerpool

import (
	"fmt"
	"slices"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures a worker pool.
type Args struct {
	Cluster config.Cluster
	Pool    config.WorkerPool
	Shared  node.Shared
	// JoinAfter is the install that initialised the cluster: agents join as
	// soon as it is up, without waiting for the other control-plane nodes.
	JoinAfter pulumi.Resource
	// JoinVersion is the version agents without k3s install; nil is the pinned one.
	JoinVersion pulumi.StringInput
	// DrainVia reaches the control-plane node that drains a removed worker.
	DrainVia remote.ConnectionInput
	// EarlierRollouts are the rollouts of the workers of the pools before
	// this one: restarts roll through every worker of the cluster,
	// Upgrade.AgentConcurrency at a time.
	EarlierRollouts []pulumi.Resource
	// Resized are the nodes whose server is being resized, and
	// EarlierResizes the rollouts of the workers resized in the pools
	// before: Upgrade.AgentConcurrency at a time across the cluster.
	Resized        map[string]bool
	EarlierResizes []pulumi.Resource
}

// WorkerPool is the pool's nodes and their placement groups.
type WorkerPool struct {
	pulumi.ResourceState

	PublicIPs pulumi.StringArrayOutput `pulumi:"publicIps"`
	Nodes     []*node.Node
	// Rollouts are EarlierRollouts followed by this pool's, and Resizes
	// EarlierResizes followed by the rollouts of this pool's resized nodes.
	Rollouts, Resizes []pulumi.Resource
}

// New registers the worker-pool component. Nodes are spread over placement
// groups of at most 10 servers (Hetzner's limit), node i in group i/10, so a
// node's group never changes when the pool grows or shrinks.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*WorkerPool, error) {
	wp := &WorkerPool{}
	if err := ctx.RegisterComponentResource(component.Type("WorkerPool"), name, wp, opts...); err != nil {
		return nil, err
	}
	c, pool := args.Cluster, args.Pool
	labels := c.Labels(hetzner.RoleWorker, pool.Name)
	groups := map[int]pulumi.IntOutput{}
	var publicIPs pulumi.StringArray
	wp.Rollouts, wp.Resizes = slices.Clone(args.EarlierRollouts), slices.Clone(args.EarlierResizes)
	batch := c.Upgrade.AgentConcurrency
	for _, member := range pool.Nodes {
		group, ok := groups[member.Placement]
		if !ok {
			var err error
			group, err = node.NewPlacementGroup(ctx, fmt.Sprintf("%s-pg-%d", pool.Name, member.Placement+1), c.Name, labels, pulumi.Parent(wp))
			if err != nil {
				return nil, err
			}
			groups[member.Placement] = group
		}
		nodeArgs := node.Args{
			Shared:           args.Shared,
			Node:             member,
			Role:             k3s.RoleAgent,
			ServerType:       pool.ServerType,
			Image:            pool.Image,
			Labels:           labels,
			PlacementGroupID: group,
			Config: func(addr k3s.NodeAddresses, _ []string) k3s.Config {
				return k3s.AgentConfig(c, pool, member, addr)
			},
			Version:      args.JoinVersion,
			JoinPeers:    k3s.JoinPeers(c, member),
			InstallAfter: []pulumi.Resource{args.JoinAfter},
			RolloutAfter: node.InTurn(wp.Rollouts, batch),
			DrainVia:     args.DrainVia,
			DrainTimeout: c.DrainTimeout,
		}
		if args.Resized[member.Name] {
			nodeArgs.ResizeAfter = node.InTurn(wp.Resizes, batch)
		}
		n, err := node.New(ctx, member.Name, nodeArgs, pulumi.Parent(wp))
		if err != nil {
			return nil, err
		}
		wp.Nodes = append(wp.Nodes, n)
		wp.Rollouts = append(wp.Rollouts, n.Rollout)
		if args.Resized[member.Name] {
			wp.Resizes = append(wp.Resizes, n.Rollout)
		}
		publicIPs = append(publicIPs, n.PublicIP)
	}
	wp.PublicIPs = publicIPs.ToStringArrayOutput()
	return wp, ctx.RegisterResourceOutputs(wp, pulumi.Map{"publicIps": wp.PublicIPs})
}

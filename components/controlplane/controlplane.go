// Package controlplane creates the k3s servers: embedded etcd members spread
// over their locations and over physical hosts.
package controlplane

import (
	"maps"

	"github.com/hcloud-k3s/hcloud-k3s/components/backup"
	"github.com/hcloud-k3s/hcloud-k3s/components/clusterops"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures the control plane.
type Args struct {
	Shared node.Shared
	// ExtraSANs are the API load balancer's addresses, when there is one.
	ExtraSANs pulumi.StringArrayInput
	// Queue lets one control-plane node down at a time.
	Queue *node.Queue
	// Status is what Hetzner runs of each node's server.
	Status node.Statuses
}

// ControlPlane is the set of control-plane nodes.
type ControlPlane struct {
	pulumi.ResourceState

	PublicIPs pulumi.StringArrayOutput `pulumi:"publicIps"`
	Nodes     []*node.Node
	// Join is how every other node joins the cluster the first node initialised.
	Join *node.Join
}

// New registers the control-plane component. The first node initialises the
// cluster and the others join it at once: etcd still admits one learner at a
// time, and k3s (since v1.26.5) retries a join until its turn comes. Removal
// is one member at a time: each drain waits for the previous one. So are
// restarts after a configuration change (the queue), so at most one etcd
// member is ever down.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*ControlPlane, error) {
	cp := &ControlPlane{}
	if err := ctx.RegisterComponentResource(component.Type("ControlPlane"), name, cp, opts...); err != nil {
		return nil, err
	}
	c := args.Shared.Cluster
	labels := c.Labels(hetzner.RoleControlPlane, hetzner.RoleControlPlane)
	placement, err := node.NewPlacementGroup(ctx, name, c.Name, labels, pulumi.Parent(cp))
	if err != nil {
		return nil, err
	}
	serverLabels := maps.Clone(labels)
	maps.Copy(serverLabels, backup.Labels(c.EtcdSnapshots))
	setup, setupStdin := backup.NodeSetup(c.EtcdSnapshots)
	group := &node.Group{
		Shared:     args.Shared,
		Role:       k3s.RoleServer,
		ServerType: c.ControlPlane.ServerType,
		Image:      c.ControlPlane.Image,
		Labels:     serverLabels,
		Config: func(member config.Node, addr k3s.NodeAddresses, extraSANs []string) k3s.Config {
			return k3s.ServerConfig(c, member, addr, extraSANs)
		},
		ExtraSANs:        args.ExtraSANs,
		BeforeStart:      setup,
		BeforeStartStdin: setupStdin,
		Queue:            args.Queue,
		Status:           args.Status,
	}
	var previousDrain []pulumi.Resource
	var publicIPs pulumi.StringArray
	for _, member := range c.ControlPlane.Nodes {
		n, err := node.New(ctx, member.Name, node.Args{
			Group: group, Node: member, PlacementGroupID: placement, Join: cp.Join, DrainAfter: previousDrain,
		}, pulumi.Parent(cp))
		if err != nil {
			return nil, err
		}
		cp.Nodes = append(cp.Nodes, n)
		if cp.Join == nil {
			if cp.Join, err = join(ctx, c, n, args.Status.Any(node.Running, node.Resizing), cp); err != nil {
				return nil, err
			}
		}
		if n.Drain != nil {
			previousDrain = []pulumi.Resource{n.Drain}
		}
		publicIPs = append(publicIPs, n.PublicIP)
	}
	cp.PublicIPs = publicIPs.ToStringArrayOutput()
	return cp, ctx.RegisterResourceOutputs(cp, pulumi.Map{"publicIps": cp.PublicIPs})
}

// Init is the install that initialises the cluster.
func (cp *ControlPlane) Init() pulumi.Resource { return cp.Join.After }

// join registers, on the first control-plane node, the step that reads the
// version joining nodes install (clusterops.ServerVersionScript), and
// returns how the other nodes join through that node. The step is there
// from the first up on, whatever already runs, so the same config always
// registers the same steps. A new cluster's nodes do not wait for it: the
// first node installs the pinned version, so the others know what it would
// read, and join as soon as that node is up; its output, the same version,
// is theirs from the next up on. Only nodes that join a cluster that
// already ran (perhaps an older version, under an upgrade) wait for it.
func join(ctx *pulumi.Context, c config.Cluster, first *node.Node, clusterRuns bool, parent pulumi.Resource) (*node.Join, error) {
	cmd, err := remote.NewCommand(ctx, "k3s-version", &remote.CommandArgs{
		Connection: first.Connection,
		Create:     pulumi.String(clusterops.ServerVersionScript(c.Hostnames())),
		Logging:    remote.LoggingStderr,
	}, pulumi.Parent(parent), pulumi.DependsOn([]pulumi.Resource{first.Install}),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "2m", Update: "2m"})) // one API call
	if err != nil {
		return nil, err
	}
	version := pulumi.String(c.K3sVersion.String()).ToStringOutput()
	if clusterRuns {
		version = cmd.Stdout.ApplyT(c.K3sVersion.OrOlder).(pulumi.StringOutput)
	}
	return &node.Join{After: first.Install, Version: version, DrainVia: first.Connection}, nil
}

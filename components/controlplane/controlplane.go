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
	Cluster config.Cluster
	Shared  node.Shared
	// ExtraSANs are the API load balancer's addresses, when there is one.
	ExtraSANs pulumi.StringArrayInput
	// Resized are the nodes whose server is being resized: one at a time.
	Resized map[string]bool
}

// ControlPlane is the set of control-plane nodes.
type ControlPlane struct {
	pulumi.ResourceState

	PublicIPs pulumi.StringArrayOutput `pulumi:"publicIps"`
	Nodes     []*node.Node
	// JoinVersion is the version nodes that join install; nil means the
	// pinned one.
	JoinVersion pulumi.StringInput
}

// Init is the install that initialises the cluster; joins wait for it.
func (cp *ControlPlane) Init() pulumi.Resource { return cp.Nodes[0].Install }

// New registers the control-plane component. The first node initialises the
// cluster and the others join it at once: etcd still admits one learner at a
// time, and k3s (since v1.26.5) retries a join until its turn comes. Removal
// is one member at a time: each drain waits for the previous one. So are
// restarts after a configuration change: each rollout waits for the
// previous node's, which ends once that node is ready again, so at most one
// etcd member is ever down.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*ControlPlane, error) {
	cp := &ControlPlane{}
	if err := ctx.RegisterComponentResource(component.Type("ControlPlane"), name, cp, opts...); err != nil {
		return nil, err
	}
	c := args.Cluster
	labels := c.Labels(hetzner.RoleControlPlane, hetzner.RoleControlPlane)
	group, err := node.NewPlacementGroup(ctx, name, c.Name, labels, pulumi.Parent(cp))
	if err != nil {
		return nil, err
	}
	serverLabels := maps.Clone(labels)
	maps.Copy(serverLabels, backup.Labels(c.EtcdSnapshots))
	setup := backup.NodeSetup(c.EtcdSnapshots)
	var joinAfter, previousDrain, rollouts, resizes []pulumi.Resource
	var publicIPs pulumi.StringArray
	var drainVia remote.ConnectionInput
	for _, member := range c.ControlPlane.Nodes {
		nodeArgs := node.Args{
			Shared:           args.Shared,
			Node:             member,
			Role:             k3s.RoleServer,
			ServerType:       c.ControlPlane.ServerType,
			Image:            c.ControlPlane.Image,
			Labels:           serverLabels,
			PlacementGroupID: group,
			Config: func(addr k3s.NodeAddresses, extraSANs []string) k3s.Config {
				return k3s.ServerConfig(c, member, addr, extraSANs)
			},
			ExtraSANs:    args.ExtraSANs,
			Version:      cp.JoinVersion,
			JoinPeers:    k3s.JoinPeers(c, member),
			InstallAfter: joinAfter,
			RolloutAfter: node.InTurn(rollouts, 1),
			Setup:        setup,
			DrainVia:     drainVia,
			DrainTimeout: c.DrainTimeout,
			DrainAfter:   previousDrain,
		}
		if args.Resized[member.Name] {
			nodeArgs.ResizeAfter = node.InTurn(resizes, 1)
		}
		n, err := node.New(ctx, member.Name, nodeArgs, pulumi.Parent(cp))
		if err != nil {
			return nil, err
		}
		cp.Nodes = append(cp.Nodes, n)
		if len(cp.Nodes) == 1 {
			if cp.JoinVersion, err = joinVersion(ctx, c, n, cp); err != nil {
				return nil, err
			}
		}
		joinAfter = []pulumi.Resource{cp.Nodes[0].Install}
		rollouts = append(rollouts, n.Rollout)
		if args.Resized[member.Name] {
			resizes = append(resizes, n.Rollout)
		}
		drainVia = cp.Nodes[0].Connection
		if n.Drain != nil {
			previousDrain = []pulumi.Resource{n.Drain}
		}
		publicIPs = append(publicIPs, n.PublicIP)
	}
	cp.PublicIPs = publicIPs.ToStringArrayOutput()
	return cp, ctx.RegisterResourceOutputs(cp, pulumi.Map{"publicIps": cp.PublicIPs})
}

// joinVersion registers, on the first control-plane node, the step that
// reads the version joining nodes install (clusterops.ServerVersionScript).
// It is there from the first up on, whatever already runs, so the same
// config always registers the same graph: a step that appeared once the
// cluster existed would make the second up create it and show every install
// as changing. On a new cluster it reads the first node's version, the
// pinned one, in one API call.
func joinVersion(ctx *pulumi.Context, c config.Cluster, first *node.Node, parent pulumi.Resource) (pulumi.StringInput, error) {
	cmd, err := remote.NewCommand(ctx, "k3s-version", &remote.CommandArgs{
		Connection: first.Connection,
		Create:     pulumi.String(clusterops.ServerVersionScript(c.K3sVersion.String(), c.Hostnames())),
		Logging:    remote.LoggingStderr,
	}, pulumi.Parent(parent), pulumi.DependsOn([]pulumi.Resource{first.Install}),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: "2m", Update: "2m"})) // one API call
	if err != nil {
		return nil, err
	}
	return cmd.Stdout, nil
}

// Package controlplane creates the k3s servers: embedded etcd members spread
// over their locations and over physical hosts.
package controlplane

import (
	"maps"

	"github.com/hcloud-k3s/hcloud-k3s/components/backup"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/ids"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/hcloud-k3s/hcloud-k3s/components/spec"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures the control plane.
type Args struct {
	Cluster spec.Cluster
	Shared  node.Shared
	// ExtraSANs are the API load balancer's addresses, when there is one.
	ExtraSANs pulumi.StringArrayInput
	// EtcdS3SecretKey (secret) is the S3 secret key of etcd snapshots; nil without S3.
	EtcdS3SecretKey pulumi.StringInput
}

// ControlPlane is the set of control-plane nodes.
type ControlPlane struct {
	pulumi.ResourceState

	PublicIPs pulumi.StringArrayOutput `pulumi:"publicIps"`
	Nodes     []*node.Node
}

// Init is the install that initialises the cluster; joins wait for it.
func (cp *ControlPlane) Init() pulumi.Resource { return cp.Nodes[0].Install }

// New registers the control-plane component. The first node initialises the
// cluster and the others join it at once: etcd still admits one learner at a
// time, and k3s (since v1.26.5) retries a join until its turn comes. Removal
// is one member at a time: each drain waits for the previous one.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*ControlPlane, error) {
	cp := &ControlPlane{}
	if err := ctx.RegisterComponentResource(ids.ComponentType("ControlPlane"), name, cp, opts...); err != nil {
		return nil, err
	}
	c := args.Cluster
	labels := c.Labels(spec.RoleControlPlane, spec.RoleControlPlane)
	group, err := node.NewPlacementGroup(ctx, name, c.Name, labels, pulumi.Parent(cp))
	if err != nil {
		return nil, err
	}
	serverLabels := maps.Clone(labels)
	maps.Copy(serverLabels, backup.Labels(c.EtcdSnapshots))
	setup := backup.NodeSetup(c.EtcdSnapshots, args.EtcdS3SecretKey)
	var joinAfter, previousDrain []pulumi.Resource
	var publicIPs pulumi.StringArray
	var drainVia remote.ConnectionInput
	for _, member := range c.ControlPlane.Nodes {
		n, err := node.New(ctx, member.Name, node.Args{
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
			JoinPeers:    joinPeers(c, member),
			InstallAfter: joinAfter,
			Setup:        setup,
			DrainVia:     drainVia,
			DrainTimeout: c.DrainTimeout,
			DrainAfter:   previousDrain,
		}, pulumi.Parent(cp))
		if err != nil {
			return nil, err
		}
		cp.Nodes = append(cp.Nodes, n)
		joinAfter = []pulumi.Resource{cp.Nodes[0].Install}
		drainVia = cp.Nodes[0].Connection
		if n.Drain != nil {
			previousDrain = []pulumi.Resource{n.Drain}
		}
		publicIPs = append(publicIPs, n.PublicIP)
	}
	cp.PublicIPs = publicIPs.ToStringArrayOutput()
	return cp, ctx.RegisterResourceOutputs(cp, pulumi.Map{"publicIps": cp.PublicIPs})
}

// joinPeers are the addresses of the members the first node may join when
// it is rebuilt: every possible member, so the list (and the first node's
// install) stays the same when the control plane is scaled.
func joinPeers(c spec.Cluster, member spec.Node) []string {
	if member.Name != c.FirstControlPlane().Name {
		return nil
	}
	var peers []string
	for _, addr := range c.ControlPlaneAddresses()[1:] {
		peers = append(peers, addr.String())
	}
	return peers
}

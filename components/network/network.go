// Package network creates the cluster's private network and its subnet.
package network

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures the network.
type Args struct {
	Name    string // the cluster name
	Network config.Network
	Labels  map[string]string
}

// Network is a private network with one cloud subnet, network.cidr, which
// spans it, unless Cilium routes natively: then the network also holds the
// pods' range, outside the subnet, where the cloud-controller-manager adds a
// route to each node's pods (config.Network.IPRange).
type Network struct {
	pulumi.ResourceState

	NetworkID pulumi.IntOutput    `pulumi:"networkId"`
	SubnetID  pulumi.StringOutput `pulumi:"subnetId"`
	// Subnet is what servers and load balancers attaching to the network wait for.
	Subnet *hcloud.NetworkSubnet
}

// New registers the network component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Network, error) {
	n := &Network{}
	if err := ctx.RegisterComponentResource(component.Type("Network"), name, n, opts...); err != nil {
		return nil, err
	}
	net, err := hcloud.NewNetwork(ctx, name, &hcloud.NetworkArgs{
		Name:    pulumi.String(args.Name),
		IpRange: pulumi.String(args.Network.IPRange.String()),
		Labels:  pulumi.ToStringMap(args.Labels),
	}, pulumi.Parent(n))
	if err != nil {
		return nil, err
	}
	n.NetworkID = hetzner.IntID(net.ID())
	n.Subnet, err = hcloud.NewNetworkSubnet(ctx, name, &hcloud.NetworkSubnetArgs{
		NetworkId:   n.NetworkID,
		Type:        pulumi.String("cloud"),
		NetworkZone: pulumi.String(args.Network.Zone),
		IpRange:     pulumi.String(args.Network.CIDR.String()),
	}, pulumi.Parent(n))
	if err != nil {
		return nil, err
	}
	n.SubnetID = n.Subnet.ID().ToStringOutput()
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{"networkId": n.NetworkID, "subnetId": n.SubnetID})
}

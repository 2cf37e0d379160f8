// Package apilb creates the optional TCP load balancer in front of the
// Kubernetes API of the control plane.
package apilb

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures the load balancer.
type Args struct {
	Cluster  config.Cluster
	SubnetID pulumi.StringInput
	// NetworkReady is what the network attachment waits for (the subnet).
	NetworkReady pulumi.Resource
}

// LoadBalancer is the API load balancer.
type LoadBalancer struct {
	pulumi.ResourceState

	PublicIP  pulumi.StringOutput `pulumi:"publicIp"`
	PrivateIP pulumi.StringOutput `pulumi:"privateIp"`
	// Address is how clients outside the network reach it: the public IP, or
	// the private IP when the public interface is off.
	Address pulumi.StringOutput `pulumi:"address"`
	// SANs are the addresses the API certificate must cover.
	SANs pulumi.StringArrayOutput `pulumi:"sans"`
}

// New registers the load balancer component: a TCP service 6443→6443 with a
// TCP health check, targeting the control plane by label over private IPs.
// Hetzner firewalls do not apply to load balancers: with the public interface
// on, the API is open to the world whatever the firewall's allowlist says.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	l := &LoadBalancer{}
	if err := ctx.RegisterComponentResource(component.Type("APILoadBalancer"), name, l, opts...); err != nil {
		return nil, err
	}
	lb, err := newLoadBalancer(ctx, name, args.Cluster, pulumi.Parent(l))
	if err != nil {
		return nil, err
	}
	if err := route(ctx, name, args, lb, pulumi.Parent(l)); err != nil {
		return nil, err
	}
	cfg := args.Cluster.APILoadBalancer
	l.PublicIP = lb.Ipv4
	l.PrivateIP = pulumi.String(cfg.PrivateIP.String()).ToStringOutput()
	l.Address = l.PrivateIP
	if cfg.PublicInterface {
		l.Address = l.PublicIP
	}
	l.SANs = pulumi.StringArray{l.PublicIP, l.PrivateIP}.ToStringArrayOutput()
	return l, ctx.RegisterResourceOutputs(l, pulumi.Map{
		"publicIp": l.PublicIP, "privateIp": l.PrivateIP, "address": l.Address, "sans": l.SANs,
	})
}

// newLoadBalancer registers the Hetzner load balancer itself.
func newLoadBalancer(ctx *pulumi.Context, name string, c config.Cluster, opts ...pulumi.ResourceOption) (*hcloud.LoadBalancer, error) {
	cfg := c.APILoadBalancer
	return hcloud.NewLoadBalancer(ctx, name, &hcloud.LoadBalancerArgs{
		Name:             pulumi.String(c.Name + "-api"),
		LoadBalancerType: pulumi.String(cfg.Type),
		Location:         pulumi.String(cfg.Location),
		Labels:           pulumi.ToStringMap(map[string]string{hetzner.LabelCluster: c.Name, hetzner.LabelRole: hetzner.RoleAPI}),
		Algorithm:        &hcloud.LoadBalancerAlgorithmArgs{Type: pulumi.String("round_robin")},
	}, append(opts,
		// A new location replaces the load balancer (location is ForceNew,
		// terraform-provider-hcloud internal/loadbalancer/resource.go). Its
		// name is unique in the project and its private IP fixed, so the old
		// one must go first; the API stays reachable on the servers' IPs.
		pulumi.DeleteBeforeReplace(true))...)
}

// route registers the way traffic takes: the load balancer's attachment to
// the network, its TCP service and its target, the control plane by label
// over private IPs.
func route(ctx *pulumi.Context, name string, args Args, lb *hcloud.LoadBalancer, opts ...pulumi.ResourceOption) error {
	cfg := args.Cluster.APILoadBalancer
	lbID := hetzner.IntID(lb.ID())
	attachment, err := hcloud.NewLoadBalancerNetwork(ctx, name, &hcloud.LoadBalancerNetworkArgs{
		LoadBalancerId:        lbID,
		SubnetId:              args.SubnetID,
		Ip:                    pulumi.String(cfg.PrivateIP.String()),
		EnablePublicInterface: pulumi.Bool(cfg.PublicInterface),
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{args.NetworkReady}),
		pulumi.DeleteBeforeReplace(true))...) // its fixed IP must be free for the replacement
	if err != nil {
		return err
	}
	_, err = hcloud.NewLoadBalancerService(ctx, name, &hcloud.LoadBalancerServiceArgs{
		LoadBalancerId:  lb.ID().ToStringOutput(),
		Protocol:        pulumi.String("tcp"),
		ListenPort:      pulumi.Int(k3s.APIPort),
		DestinationPort: pulumi.Int(k3s.APIPort),
		HealthCheck: &hcloud.LoadBalancerServiceHealthCheckArgs{
			Protocol: pulumi.String("tcp"),
			Port:     pulumi.Int(k3s.APIPort),
			Interval: pulumi.Int(10),
			Timeout:  pulumi.Int(5),
			Retries:  pulumi.Int(3),
		},
	}, opts...)
	if err != nil {
		return err
	}
	// Private-IP targets are refused until the load balancer is on the network.
	_, err = hcloud.NewLoadBalancerTarget(ctx, name, &hcloud.LoadBalancerTargetArgs{
		LoadBalancerId: lbID,
		Type:           pulumi.String("label_selector"),
		LabelSelector:  pulumi.String(args.Cluster.ControlPlaneSelector()),
		UsePrivateIp:   pulumi.Bool(true),
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{attachment}))...)
	return err
}

// Package cluster wires the components of one k3s cluster together and owns
// its outputs.
package cluster

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/apilb"
	"github.com/hcloud-k3s/hcloud-k3s/components/controlplane"
	"github.com/hcloud-k3s/hcloud-k3s/components/firewall"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/ids"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/network"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/hcloud-k3s/hcloud-k3s/components/spec"
	"github.com/hcloud-k3s/hcloud-k3s/components/sshkey"
	"github.com/hcloud-k3s/hcloud-k3s/components/workerpool"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Cluster is a k3s cluster on Hetzner Cloud.
type Cluster struct {
	pulumi.ResourceState

	Kubeconfig          pulumi.StringOutput         `pulumi:"kubeconfig"` // secret
	APIEndpoint         pulumi.StringOutput         `pulumi:"apiEndpoint"`
	InternalAPIEndpoint pulumi.StringOutput         `pulumi:"internalApiEndpoint"`
	ControlPlaneIPs     pulumi.StringArrayOutput    `pulumi:"controlPlaneIps"`
	WorkerIPs           pulumi.StringArrayMapOutput `pulumi:"workerIps"`
	NetworkID           pulumi.IntOutput            `pulumi:"networkId"`
	// LoadBalancerIP is set only with an API load balancer.
	LoadBalancerIP pulumi.StringOutput `pulumi:"loadBalancerIp"`
	// SSHPrivateKey is set (secret) only when hcloud-k3s generated the key.
	SSHPrivateKey pulumi.StringOutput `pulumi:"sshPrivateKey"`

	Spec         spec.Cluster
	ControlPlane *controlplane.ControlPlane
	WorkerPools  []*workerpool.WorkerPool
}

// New registers a cluster built from a validated spec.
func New(ctx *pulumi.Context, c spec.Cluster, opts ...pulumi.ResourceOption) (*Cluster, error) {
	cl := &Cluster{Spec: c}
	if err := ctx.RegisterComponentResource(ids.ComponentType("Cluster"), c.Name, cl, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(cl)
	labels := map[string]string{"cluster": c.Name}

	net, err := network.New(ctx, "network", network.Args{Name: c.Name, Network: c.Network, Labels: labels}, child)
	if err != nil {
		return nil, err
	}
	fw, err := firewall.New(ctx, "firewall", firewall.Args{
		Name: c.Name, Firewall: c.Firewall, Selector: c.ClusterSelector(), Labels: labels,
	}, child)
	if err != nil {
		return nil, err
	}
	key, err := sshkey.New(ctx, "ssh-key", sshkey.Args{Name: c.Name, PrivateKey: c.SSH.PrivateKey, Labels: labels}, child)
	if err != nil {
		return nil, err
	}
	token, err := random.NewRandomPassword(ctx, "k3s-token", &random.RandomPasswordArgs{
		Length:  pulumi.Int(48),
		Special: pulumi.Bool(false),
	}, child)
	if err != nil {
		return nil, err
	}
	shared := node.Shared{
		K3sVersion:     c.K3sVersion,
		AuthorizedKeys: c.SSH.AuthorizedKeys,
		SubnetID:       net.SubnetID,
		SSHKeyID:       key.KeyID,
		SSHPrivateKey:  key.PrivateKey,
		Token:          pulumi.ToSecret(token.Result).(pulumi.StringOutput),
		ServerAfter:    []pulumi.Resource{net.Subnet, fw.Resource},
	}

	var lb *apilb.LoadBalancer
	var extraSANs pulumi.StringArrayInput
	if c.APILoadBalancer.Enabled {
		lb, err = apilb.New(ctx, "api-lb", apilb.Args{Cluster: c, SubnetID: net.SubnetID, NetworkReady: net.Subnet}, child)
		if err != nil {
			return nil, err
		}
		extraSANs = lb.SANs
	}
	cl.ControlPlane, err = controlplane.New(ctx, "control-plane", controlplane.Args{Cluster: c, Shared: shared, ExtraSANs: extraSANs}, child)
	if err != nil {
		return nil, err
	}
	workerIPs := pulumi.StringArrayMap{}
	for _, pool := range c.WorkerPools {
		wp, err := workerpool.New(ctx, pool.Name, workerpool.Args{
			Cluster: c, Pool: pool, Shared: shared, JoinAfter: cl.ControlPlane.Init,
		}, child)
		if err != nil {
			return nil, err
		}
		cl.WorkerPools = append(cl.WorkerPools, wp)
		workerIPs[pool.Name] = wp.PublicIPs
	}

	if err := cl.setKubeconfig(ctx, lb); err != nil {
		return nil, err
	}
	cl.ControlPlaneIPs = cl.ControlPlane.PublicIPs
	cl.WorkerIPs = workerIPs.ToStringArrayMapOutput()
	cl.NetworkID = net.NetworkID
	cl.InternalAPIEndpoint = pulumi.String(k3s.InternalEndpoint(c).URL()).ToStringOutput()
	outputs := pulumi.Map{
		"kubeconfig":          cl.Kubeconfig,
		"apiEndpoint":         cl.APIEndpoint,
		"internalApiEndpoint": cl.InternalAPIEndpoint,
		"controlPlaneIps":     cl.ControlPlaneIPs,
		"workerIps":           cl.WorkerIPs,
		"networkId":           cl.NetworkID,
	}
	if lb != nil {
		cl.LoadBalancerIP = lb.Address
		outputs["loadBalancerIp"] = cl.LoadBalancerIP
	}
	if key.Generated {
		cl.SSHPrivateKey = key.PrivateKey
		outputs["sshPrivateKey"] = cl.SSHPrivateKey
	}
	return cl, ctx.RegisterResourceOutputs(cl, outputs)
}

// setKubeconfig fetches the admin kubeconfig from the first control-plane
// node once every control-plane node runs, and rewrites it with a context
// per endpoint.
func (cl *Cluster) setKubeconfig(ctx *pulumi.Context, lb *apilb.LoadBalancer) error {
	first := cl.ControlPlane.Nodes[0]
	var installs []pulumi.Resource
	for _, n := range cl.ControlPlane.Nodes {
		installs = append(installs, n.Install)
	}
	fetch, err := remote.NewCommand(ctx, "kubeconfig", &remote.CommandArgs{
		Connection: first.Connection,
		Create:     pulumi.String(k3s.FetchKubeconfigScript),
		Logging:    remote.LoggingNone,
		// A rebuilt first node has a new kubeconfig to fetch.
		Triggers: pulumi.Array{first.Server.ID()},
	}, pulumi.Parent(cl), pulumi.DependsOn(installs), pulumi.AdditionalSecretOutputs([]string{"stdout"}))
	if err != nil {
		return err
	}
	lbAddress := pulumi.String("").ToStringOutput()
	if lb != nil {
		lbAddress = lb.Address
	}
	c := cl.Spec
	cl.APIEndpoint = pulumi.All(cl.ControlPlane.PublicIPs, lbAddress).ApplyT(func(v []any) string {
		_, def := k3s.Endpoints(c, v[0].([]string), v[1].(string))
		return def.URL()
	}).(pulumi.StringOutput)
	kubeconfig := pulumi.All(pulumi.ToSecret(fetch.Stdout), cl.ControlPlane.PublicIPs, lbAddress).ApplyT(func(v []any) (string, error) {
		all, def := k3s.Endpoints(c, v[1].([]string), v[2].(string))
		return k3s.RewriteKubeconfig(v[0].(string), c.Name, all, def)
	}).(pulumi.StringOutput)
	cl.Kubeconfig = pulumi.ToSecret(kubeconfig).(pulumi.StringOutput)
	return nil
}

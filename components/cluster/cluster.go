// Package cluster wires the components of one k3s cluster together and owns
// its outputs: the network, firewall and SSH key every node stands on, the
// control plane and the worker pools (package node builds each node, and the
// cluster owns the queues that keep restarts and resizes in turn), then what
// runs against the cluster: readiness, the kubeconfig, the Nodes' labels and
// the add-ons. An autoscaled pool registers no servers: the cluster-autoscaler
// add-on (package addons) creates them, from the same pool config. Cilium,
// when it is the cluster's network, is an add-on too: nodes register without
// a network, so it is installed after readiness (which waits for
// registration, not for Ready nodes), and awaited.
package cluster

import (
	"cmp"
	"fmt"

	"github.com/hcloud-k3s/hcloud-k3s/components/apilb"
	"github.com/hcloud-k3s/hcloud-k3s/components/backup"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/controlplane"
	"github.com/hcloud-k3s/hcloud-k3s/components/firewall"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/network"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
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

	Config       config.Cluster
	ControlPlane *controlplane.ControlPlane
	WorkerPools  []*workerpool.WorkerPool

	// snapshot is the etcd snapshot taken before a change that takes a
	// control-plane node down; nil without S3.
	snapshot *remote.Command
}

// foundation is what every node stands on, and what the add-ons that make
// servers of their own (the cluster-autoscaler) give those servers.
type foundation struct {
	network    *network.Network
	firewallID pulumi.IntOutput
	shared     node.Shared
}

// Args configures a cluster.
type Args struct {
	Config config.Cluster
	// HcloudToken (secret) is given to the cloud-controller-manager and the
	// CSI driver; required when either is enabled.
	HcloudToken pulumi.StringInput
	// ResourceName names the component resource: the consumer's name when
	// the component provider constructs it; "" means Config.Name.
	ResourceName string
	// HcloudProvider is the hcloud provider given in the component's
	// providers option, which its Hetzner resources inherit; the reads
	// before registering go through it too. nil means the default provider.
	HcloudProvider pulumi.ProviderResource
}

// New registers a cluster built from a validated config.
func New(ctx *pulumi.Context, args Args, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := args.Config
	seen, err := checkBeforeRegistering(ctx, args)
	if err != nil {
		return nil, err
	}
	cl := &Cluster{Config: c}
	if err := ctx.RegisterComponentResource(component.Type("Cluster"), cmp.Or(args.ResourceName, c.Name), cl, opts...); err != nil {
		return nil, err
	}
	base, err := cl.foundations(ctx)
	if err != nil {
		return nil, err
	}
	net := base.network
	var lb *apilb.LoadBalancer
	if c.APILoadBalancer.Enabled {
		if lb, err = apilb.New(ctx, "api-lb", apilb.Args{Cluster: c, SubnetID: net.SubnetID, NetworkReady: net.Subnet}, pulumi.Parent(cl)); err != nil {
			return nil, err
		}
	}
	if err := cl.addNodes(ctx, base.shared, lb, seen); err != nil {
		return nil, err
	}
	autoscaled, err := cl.autoscaledServersRemoval(ctx, base.shared, args.HcloudToken)
	if err != nil {
		return nil, err
	}
	if err := cl.operate(ctx, lb, base, autoscaled, args.HcloudToken); err != nil {
		return nil, err
	}
	cl.NetworkID = net.NetworkID
	cl.InternalAPIEndpoint = pulumi.String(k3s.InternalURL(c)).ToStringOutput()
	if lb != nil {
		cl.LoadBalancerIP = lb.Address
	}
	if c.SSH.GeneratesKey() {
		cl.SSHPrivateKey = base.shared.SSHPrivateKey.ToStringOutput()
	}
	return cl, ctx.RegisterResourceOutputs(cl, cl.Outputs())
}

// checkBeforeRegistering refuses, before any resource exists, what cannot
// work: add-ons without the token they need, changes Hetzner cannot apply
// to what already runs (a new network or CNI for running servers), and
// servers of a type Hetzner cannot sell now where they would be ordered
// (all read from the cloud).
func checkBeforeRegistering(ctx *pulumi.Context, args Args) (existing, error) {
	c := args.Config
	addonsNeedToken := c.Addons.CloudControllerManager.Enabled || c.Addons.CSIDriver.Enabled
	if addonsNeedToken && args.HcloudToken == nil {
		return existing{}, fmt.Errorf("hcloud:token is not set: the cloud-controller-manager and CSI driver add-ons need it " +
			"(pulumi config set hcloud:token --secret), or disable both under hcloud-k3s:addons")
	}
	var through []pulumi.InvokeOption
	if args.HcloudProvider != nil {
		through = append(through, pulumi.Provider(args.HcloudProvider))
	}
	seen, err := observe(ctx, c, through...)
	if err != nil {
		return existing{}, err
	}
	if err := seen.refusal(c); err != nil {
		return existing{}, err
	}
	catalogue, err := readCatalogue(ctx, through...)
	if err != nil {
		return existing{}, err
	}
	return seen, config.CheckOrderable(c, catalogue, seen.orders)
}

// foundations registers what every node stands on: the network, the
// firewall, the SSH key and the cluster token.
func (cl *Cluster) foundations(ctx *pulumi.Context) (foundation, error) {
	c := cl.Config
	child := pulumi.Parent(cl)
	labels := map[string]string{hetzner.LabelCluster: c.Name}
	net, err := network.New(ctx, "network", network.Args{Name: c.Name, Network: c.Network, Labels: labels}, child)
	if err != nil {
		return foundation{}, err
	}
	fw, err := firewall.New(ctx, "firewall", firewall.Args{
		Name: c.Name, Firewall: c.Firewall, Selector: c.ClusterSelector(), Labels: labels,
	}, child)
	if err != nil {
		return foundation{}, err
	}
	key, err := sshkey.New(ctx, "ssh-key", sshkey.Args{PrivateKey: c.SSH.PrivateKey}, child)
	if err != nil {
		return foundation{}, err
	}
	token, err := random.NewRandomPassword(ctx, "k3s-token", &random.RandomPasswordArgs{
		Length:  pulumi.Int(48),
		Special: pulumi.Bool(false),
	}, child)
	if err != nil {
		return foundation{}, err
	}
	return foundation{network: net, firewallID: fw.FirewallID, shared: node.Shared{
		Cluster:       c,
		SubnetID:      net.SubnetID,
		SSHPublicKey:  key.PublicKey,
		SSHPrivateKey: key.PrivateKey,
		Token:         pulumi.ToSecret(token.Result).(pulumi.StringOutput),
		ServerAfter:   []pulumi.Resource{net.Subnet, fw.Resource},
	}}, nil
}

// addNodes registers the control plane, then each worker pool. The cluster
// owns the two rollout queues: one control-plane node down at a time, and
// upgrade.agentConcurrency workers across every pool.
func (cl *Cluster) addNodes(ctx *pulumi.Context, shared node.Shared, lb *apilb.LoadBalancer, seen existing) error {
	c := cl.Config
	var extraSANs pulumi.StringArrayInput
	if lb != nil {
		extraSANs = lb.SANs
	}
	status := seen.status(c.ControlPlane.Nodes, c.ControlPlane.ServerType)
	if notice := resizeNotice("controlPlane.serverType", c.ControlPlane.ServerType, c.ControlPlane.Nodes, status, 1); notice != "" {
		logWarning(ctx, notice)
	}
	queue := node.NewQueue(1)
	if err := cl.snapshotBeforeResizing(ctx, queue, shared, seen, status); err != nil {
		return err
	}
	var err error
	cl.ControlPlane, err = controlplane.New(ctx, "control-plane", controlplane.Args{
		Shared: shared, ExtraSANs: extraSANs, Queue: queue, Status: status,
	}, pulumi.Parent(cl))
	if err != nil {
		return err
	}
	workerIPs := pulumi.StringArrayMap{}
	workers := node.NewQueue(c.Upgrade.AgentConcurrency)
	for i, pool := range c.WorkerPools {
		status := seen.status(pool.Nodes, pool.ServerType)
		key := fmt.Sprintf("workerPools[%d].serverType", i)
		if notice := resizeNotice(key, pool.ServerType, pool.Nodes, status, c.Upgrade.AgentConcurrency); notice != "" {
			logWarning(ctx, notice)
		}
		wp, err := workerpool.New(ctx, pool.Name, workerpool.Args{
			Pool: pool, Shared: shared, Join: cl.ControlPlane.Join, Queue: workers, Status: status,
		}, pulumi.Parent(cl))
		if err != nil {
			return err
		}
		cl.WorkerPools = append(cl.WorkerPools, wp)
		workerIPs[pool.Name] = wp.PublicIPs
	}
	cl.ControlPlaneIPs = cl.ControlPlane.PublicIPs
	cl.WorkerIPs = workerIPs.ToStringArrayMapOutput()
	return nil
}

// snapshotBeforeResizing registers the etcd snapshot (with S3) before the
// control plane when a server-type change resizes its servers, and makes
// each resize wait for it: it runs on the first running control-plane
// node, reached at the address Hetzner reports, since the servers it would
// otherwise wait for are the ones that go down.
func (cl *Cluster) snapshotBeforeResizing(ctx *pulumi.Context, queue *node.Queue, shared node.Shared, seen existing, status node.Statuses) error {
	c := cl.Config
	address, running := seen.firstRunning(c.ControlPlane.Nodes)
	if !c.EtcdSnapshots.OffSite() || !status.Any(node.Resizing) || !running {
		return nil
	}
	var err error
	cl.snapshot, err = backup.NewSnapshotBeforeChange(ctx, c, node.Connection(pulumi.String(address), shared.SSHPrivateKey), nil, pulumi.Parent(cl))
	if err != nil {
		return err
	}
	queue.ResizeAfter(cl.snapshot)
	return nil
}

// Outputs are the stack outputs, the interface app stacks rely on (see
// docs/outputs.md): loadBalancerIp only with a load balancer, sshPrivateKey only when
// the key was generated, etcdSnapshotLocation only with S3 snapshots.
func (cl *Cluster) Outputs() pulumi.Map {
	c := cl.Config
	outputs := pulumi.Map{
		"kubeconfig":          cl.Kubeconfig,
		"apiEndpoint":         cl.APIEndpoint,
		"internalApiEndpoint": cl.InternalAPIEndpoint,
		"clusterName":         pulumi.String(c.Name),
		"k3sVersion":          pulumi.String(c.K3sVersion.String()),
		"controlPlaneIps":     cl.ControlPlaneIPs,
		"workerIps":           cl.WorkerIPs,
		"networkId":           cl.NetworkID,
	}
	if c.APILoadBalancer.Enabled {
		outputs["loadBalancerIp"] = cl.LoadBalancerIP
	}
	if c.SSH.GeneratesKey() {
		outputs["sshPrivateKey"] = cl.SSHPrivateKey
	}
	if len(c.AutoscaledPools()) > 0 {
		outputs["autoscaledPools"] = autoscaledPoolsOutput(c)
	}
	if s3 := c.EtcdSnapshots.S3; s3 != nil {
		outputs["etcdSnapshotLocation"] = pulumi.StringMap{
			"endpoint": pulumi.String(s3.Endpoint), "region": pulumi.String(s3.Region),
			"bucket": pulumi.String(s3.Bucket), "folder": pulumi.String(s3.Folder),
		}
	}
	return outputs
}

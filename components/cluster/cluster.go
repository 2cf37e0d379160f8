// Package cluster wires the components of one k3s cluster together and owns
// its outputs: the network, firewall and SSH key every node stands on, the
// control plane and the worker pools (package node builds each node, and the
// cluster owns the queues that keep restarts and resizes in turn), then what
// runs against the cluster: readiness, the kubeconfig, the Nodes' labels and
// the add-ons. An autoscaled pool registers no servers: the cluster-autoscaler
// add-on (package addons) creates them, from the same pool config. A second
// CNI is an add-on too, installed before readiness is awaited.
package cluster

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/addons"
	"github.com/hcloud-k3s/hcloud-k3s/components/apilb"
	"github.com/hcloud-k3s/hcloud-k3s/components/backup"
	"github.com/hcloud-k3s/hcloud-k3s/components/clusterops"
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
}

// readinessTimeout bounds the wait for the API and every node after an up.
const readinessTimeout = 10 * time.Minute

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
	net, shared, err := cl.foundations(ctx)
	if err != nil {
		return nil, err
	}
	var lb *apilb.LoadBalancer
	if c.APILoadBalancer.Enabled {
		if lb, err = apilb.New(ctx, "api-lb", apilb.Args{Cluster: c, SubnetID: net.SubnetID, NetworkReady: net.Subnet}, pulumi.Parent(cl)); err != nil {
			return nil, err
		}
	}
	if err := cl.addNodes(ctx, shared, lb, seen); err != nil {
		return nil, err
	}
	if err := cl.operate(ctx, lb, args.HcloudToken, net.NetworkID); err != nil {
		return nil, err
	}
	cl.NetworkID = net.NetworkID
	cl.InternalAPIEndpoint = pulumi.String(k3s.InternalURL(c)).ToStringOutput()
	if lb != nil {
		cl.LoadBalancerIP = lb.Address
	}
	if c.SSH.GeneratesKey() {
		cl.SSHPrivateKey = shared.SSHPrivateKey.ToStringOutput()
	}
	return cl, ctx.RegisterResourceOutputs(cl, cl.Outputs())
}

// checkBeforeRegistering refuses, before any resource exists, what cannot
// work: add-ons without the token they need, and changes Hetzner cannot
// apply to what already runs (read from the cloud).
func checkBeforeRegistering(ctx *pulumi.Context, args Args) (existing, error) {
	c := args.Config
	addonsNeedToken := c.Addons.CloudControllerManager.Enabled || c.Addons.CSIDriver.Enabled
	if addonsNeedToken && args.HcloudToken == nil {
		return existing{}, fmt.Errorf("hcloud:token is not set: the cloud-controller-manager and CSI driver add-ons need it " +
			"(pulumi config set hcloud:token --secret), or disable both under hcloud-k3s:addons")
	}
	seen, err := observe(ctx, c)
	if err != nil {
		return existing{}, err
	}
	return seen, seen.refusal(c)
}

// foundations registers what every node stands on: the network, the
// firewall, the SSH key and the cluster token.
func (cl *Cluster) foundations(ctx *pulumi.Context) (*network.Network, node.Shared, error) {
	c := cl.Config
	child := pulumi.Parent(cl)
	labels := map[string]string{hetzner.LabelCluster: c.Name}
	net, err := network.New(ctx, "network", network.Args{Name: c.Name, Network: c.Network, Labels: labels}, child)
	if err != nil {
		return nil, node.Shared{}, err
	}
	fw, err := firewall.New(ctx, "firewall", firewall.Args{
		Name: c.Name, Firewall: c.Firewall, Selector: c.ClusterSelector(), Labels: labels,
	}, child)
	if err != nil {
		return nil, node.Shared{}, err
	}
	key, err := sshkey.New(ctx, "ssh-key", sshkey.Args{PrivateKey: c.SSH.PrivateKey}, child)
	if err != nil {
		return nil, node.Shared{}, err
	}
	token, err := random.NewRandomPassword(ctx, "k3s-token", &random.RandomPasswordArgs{
		Length:  pulumi.Int(48),
		Special: pulumi.Bool(false),
	}, child)
	if err != nil {
		return nil, node.Shared{}, err
	}
	return net, node.Shared{
		Cluster:       c,
		SubnetID:      net.SubnetID,
		SSHPublicKey:  key.PublicKey,
		SSHPrivateKey: key.PrivateKey,
		Token:         pulumi.ToSecret(token.Result).(pulumi.StringOutput),
		ServerAfter:   []pulumi.Resource{net.Subnet, fw.Resource},
	}, nil
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
	resized := seen.resized(c.ControlPlane.Nodes, c.ControlPlane.ServerType)
	if notice := resizeNotice("controlPlane.serverType", c.ControlPlane.ServerType, c.ControlPlane.Nodes, resized, 1); notice != "" {
		logWarning(ctx, notice)
	}
	var err error
	cl.ControlPlane, err = controlplane.New(ctx, "control-plane", controlplane.Args{
		Shared: shared, ExtraSANs: extraSANs, Queue: node.NewQueue(1), Resized: resized,
	}, pulumi.Parent(cl))
	if err != nil {
		return err
	}
	workerIPs := pulumi.StringArrayMap{}
	workers := node.NewQueue(c.Upgrade.AgentConcurrency)
	for i, pool := range c.WorkerPools {
		resized := seen.resized(pool.Nodes, pool.ServerType)
		key := fmt.Sprintf("workerPools[%d].serverType", i)
		if notice := resizeNotice(key, pool.ServerType, pool.Nodes, resized, c.Upgrade.AgentConcurrency); notice != "" {
			logWarning(ctx, notice)
		}
		wp, err := workerpool.New(ctx, pool.Name, workerpool.Args{
			Pool: pool, Shared: shared, Join: cl.ControlPlane.Join, Queue: workers, Resized: resized,
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

// operate registers what runs against the cluster once its nodes exist: the
// teardown mark, the readiness wait, the kubeconfig, the Nodes' labels and
// the add-ons.
func (cl *Cluster) operate(ctx *pulumi.Context, lb *apilb.LoadBalancer, token pulumi.StringInput, networkID pulumi.IntInput) error {
	if err := cl.markTeardown(ctx); err != nil {
		return err
	}
	endpoints := kubeconfigEndpoints(cl.Config, cl.ControlPlane.PublicIPs, lb)
	ready, err := cl.waitUntilReady(ctx, endpoints)
	if err != nil {
		return err
	}
	if err := cl.setKubeconfig(ctx, endpoints, ready); err != nil {
		return err
	}
	if err := cl.keepNodeLabels(ctx, ready); err != nil {
		return err
	}
	return cl.installAddons(ctx, endpoints, token, networkID)
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
	if s3 := c.EtcdSnapshots.S3; s3 != nil {
		outputs["etcdSnapshotLocation"] = pulumi.StringMap{
			"endpoint": pulumi.String(s3.Endpoint), "region": pulumi.String(s3.Region),
			"bucket": pulumi.String(s3.Bucket), "folder": pulumi.String(s3.Folder),
		}
	}
	return outputs
}

// waitUntilReady registers the step everything that talks to the API waits
// for: on the first control-plane node, the API answers at the endpoints
// and every node has registered. The first up therefore succeeds in one run.
func (cl *Cluster) waitUntilReady(ctx *pulumi.Context, endpoints pulumi.AnyOutput) (*remote.Command, error) {
	c := cl.Config
	var installs []pulumi.Resource
	for _, n := range cl.nodes() {
		installs = append(installs, n.Install)
	}
	nodes := c.Hostnames()
	script := endpoints.ApplyT(func(v any) string {
		return clusterops.ReadyScript(checkedEndpoints(c, v.(endpointSet).provider(c)), nodes, readinessTimeout)
	}).(pulumi.StringOutput)
	return remote.NewCommand(ctx, "ready", &remote.CommandArgs{
		Connection: cl.ControlPlane.Nodes[0].Connection,
		Create:     script,
		Logging:    remote.LoggingStdoutAndStderr,
	}, pulumi.Parent(cl), pulumi.DependsOn(installs),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: (readinessTimeout + time.Minute).String(), Update: (readinessTimeout + time.Minute).String()}))
}

// markTeardown registers the step that tells the drains the whole cluster
// is being destroyed. It depends on every drain, so `pulumi destroy`, which
// runs the delete commands stored in state without running the program,
// deletes it first: the drains then skip draining, leaving etcd and waiting,
// and every server goes at once.
func (cl *Cluster) markTeardown(ctx *pulumi.Context) error {
	var drains []pulumi.Resource
	for _, n := range cl.nodes() {
		if n.Drain != nil {
			drains = append(drains, n.Drain)
		}
	}
	create, destroy := clusterops.TeardownScripts()
	_, err := remote.NewCommand(ctx, "teardown", &remote.CommandArgs{
		Connection: cl.ControlPlane.Nodes[0].Connection,
		Create:     pulumi.String(create),
		Delete:     pulumi.String(destroy),
		Logging:    remote.LoggingStdoutAndStderr,
	}, pulumi.Parent(cl), pulumi.DependsOn(drains))
	return err
}

// keepNodeLabels registers, for the control plane and for each pool, the
// step that keeps the labels and taints of its running Nodes as configured
// (k3s applies config.yaml's only when a node registers). It runs once every
// node has registered, and again whenever the labels, taints or nodes change.
func (cl *Cluster) keepNodeLabels(ctx *pulumi.Context, ready pulumi.Resource) error {
	c := cl.Config
	type group struct {
		parent pulumi.Resource
		name   string
		labels clusterops.NodeLabels
	}
	groups := []group{{cl.ControlPlane, "control-plane", clusterops.NodeLabels{
		Nodes: config.Hostnames(c.ControlPlane.Nodes), Taints: k3s.ControlPlaneTaints(c),
		Known: []string{config.ControlPlaneTaint.ID()}, // set from the start, before the step recorded what it manages
	}}}
	for i, pool := range c.WorkerPools {
		groups = append(groups, group{cl.WorkerPools[i], pool.Name, clusterops.NodeLabels{
			Nodes: config.Hostnames(pool.Nodes), Labels: k3s.PoolLabels(pool), Taints: k3s.PoolTaints(pool),
		}})
	}
	for _, g := range groups {
		if len(g.labels.Nodes) == 0 {
			continue
		}
		_, err := remote.NewCommand(ctx, g.name+"-labels", &remote.CommandArgs{
			Connection: cl.ControlPlane.Nodes[0].Connection,
			Create:     pulumi.String(g.labels.Script()),
			Logging:    remote.LoggingStdoutAndStderr,
		}, pulumi.Parent(g.parent), pulumi.DependsOn([]pulumi.Resource{ready}),
			pulumi.Timeouts(&pulumi.CustomTimeouts{Create: labelsTimeout.String(), Update: labelsTimeout.String()}))
		if err != nil {
			return err
		}
	}
	return nil
}

// labelsTimeout bounds one group's labels step: a few API calls per node.
const labelsTimeout = 10 * time.Minute

// checkedEndpoints are the API URLs the readiness step verifies from the
// first control-plane node: the one the add-ons' provider uses and the
// in-network endpoint.
func checkedEndpoints(c config.Cluster, provider k3s.Endpoint) []string {
	urls := []string{provider.URL()}
	if internal := k3s.InternalURL(c); !slices.Contains(urls, internal) {
		urls = append(urls, internal)
	}
	return urls
}

func (cl *Cluster) nodes() []*node.Node {
	nodes := slices.Clone(cl.ControlPlane.Nodes)
	for _, wp := range cl.WorkerPools {
		nodes = append(nodes, wp.Nodes...)
	}
	return nodes
}

// endpointSet is every kubeconfig endpoint and the default among them.
type endpointSet struct {
	all []k3s.Endpoint
	def k3s.Endpoint
}

// provider is the endpoint the add-ons' Kubernetes provider uses, one the
// readiness step verifies: the kubeconfig's default, unless that is
// apiServerHostname, whose DNS record the user may not have pointed yet on
// the first up; then the first control-plane node.
func (s endpointSet) provider(c config.Cluster) k3s.Endpoint {
	if s.def.Host == c.APIServerHostname {
		return s.all[0]
	}
	return s.def
}

// kubeconfigEndpoints resolves the endpoints once the addresses they use are known.
func kubeconfigEndpoints(c config.Cluster, controlPlanePublicIPs pulumi.StringArrayOutput, lb *apilb.LoadBalancer) pulumi.AnyOutput {
	lbAddress := pulumi.String("").ToStringOutput()
	if lb != nil {
		lbAddress = lb.Address
	}
	return pulumi.All(controlPlanePublicIPs, lbAddress).ApplyT(func(v []any) any {
		all, def := k3s.Endpoints(c, v[0].([]string), v[1].(string))
		return endpointSet{all: all, def: def}
	}).(pulumi.AnyOutput)
}

// setKubeconfig fetches the admin kubeconfig from the first control-plane
// node once the cluster is ready, and rewrites it with a context per endpoint.
func (cl *Cluster) setKubeconfig(ctx *pulumi.Context, endpoints pulumi.AnyOutput, ready pulumi.Resource) error {
	first := cl.ControlPlane.Nodes[0]
	fetch, err := remote.NewCommand(ctx, "kubeconfig", &remote.CommandArgs{
		Connection: first.Connection,
		Create:     pulumi.String(k3s.FetchKubeconfigScript),
		Logging:    remote.LoggingNone,
		// A rebuilt first node has a new kubeconfig to fetch.
		Triggers: pulumi.Array{first.Server.ID()},
	}, pulumi.Parent(cl), pulumi.DependsOn([]pulumi.Resource{ready}), pulumi.AdditionalSecretOutputs([]string{"stdout"}))
	if err != nil {
		return err
	}
	c := cl.Config
	cl.APIEndpoint = endpoints.ApplyT(func(v any) string { return v.(endpointSet).def.URL() }).(pulumi.StringOutput)
	kubeconfig := pulumi.All(pulumi.ToSecret(fetch.Stdout), endpoints).ApplyT(func(v []any) (string, error) {
		eps := v[1].(endpointSet)
		return k3s.RewriteKubeconfig(v[0].(string), c.Name, eps.all, eps.def)
	}).(pulumi.StringOutput)
	cl.Kubeconfig = pulumi.ToSecret(kubeconfig).(pulumi.StringOutput)
	return nil
}

// installAddons gates k3s version changes on the first control-plane node
// and installs the add-ons through a Kubernetes provider built from the
// kubeconfig, at the endpoint the readiness step verified.
func (cl *Cluster) installAddons(ctx *pulumi.Context, endpoints pulumi.AnyOutput, token pulumi.StringInput, networkID pulumi.IntInput) error {
	c := cl.Config
	gateAfter := []pulumi.Resource{cl.ControlPlane.Init()}
	if c.EtcdSnapshots.OffSite() {
		snapshot, err := backup.NewSnapshotBeforeChange(ctx, c, cl.ControlPlane.Nodes[0].Connection, cl.ControlPlane.Init(), pulumi.Parent(cl))
		if err != nil {
			return err
		}
		gateAfter = append(gateAfter, snapshot)
	}
	var gate pulumi.Resource
	if c.Addons.SystemUpgradeController.Enabled {
		cmd, err := remote.NewCommand(ctx, "upgrade-gate", &remote.CommandArgs{
			Connection: cl.ControlPlane.Nodes[0].Connection,
			Create:     pulumi.String(clusterops.UpgradeGateScript(c.K3sVersion.String())),
			Logging:    remote.LoggingStdoutAndStderr,
		}, pulumi.Parent(cl), pulumi.DependsOn(gateAfter))
		if err != nil {
			return err
		}
		gate = cmd
	}
	_, err := addons.New(ctx, "addons", addons.Args{
		Cluster: c, Kubeconfig: cl.Kubeconfig, HcloudToken: token, NetworkID: networkID, UpgradeGate: gate,
		Context: endpoints.ApplyT(func(v any) string { return v.(endpointSet).provider(c).Context }).(pulumi.StringOutput),
	}, pulumi.Parent(cl))
	return err
}

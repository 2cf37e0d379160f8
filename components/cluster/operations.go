package cluster

import (
	"slices"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/addons"
	"github.com/hcloud-k3s/hcloud-k3s/components/apilb"
	"github.com/hcloud-k3s/hcloud-k3s/components/backup"
	"github.com/hcloud-k3s/hcloud-k3s/components/clusterops"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// operate registers what runs against the cluster once its nodes exist: the
// teardown mark, the readiness wait, the kubeconfig, the Nodes' labels and
// the add-ons. autoscaled are the steps that remove the autoscaler's servers.
func (cl *Cluster) operate(ctx *pulumi.Context, lb *apilb.LoadBalancer, base foundation, autoscaled []pulumi.Resource, token pulumi.StringInput) error {
	if err := cl.markTeardown(ctx, autoscaled); err != nil {
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
	return cl.installAddons(ctx, endpoints, base, autoscaled, token)
}

// readinessTimeout bounds the wait for the API and every node after an up.
const readinessTimeout = 10 * time.Minute

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

// markTeardown registers the step that tells the drains the whole cluster
// is being destroyed. It depends on every drain, so `pulumi destroy`, which
// runs the delete commands stored in state without running the program,
// deletes it first: the drains then skip draining, leaving etcd and waiting,
// and every server goes at once.
func (cl *Cluster) markTeardown(ctx *pulumi.Context, autoscaled []pulumi.Resource) error {
	var drains []pulumi.Resource
	for _, n := range cl.nodes() {
		if n.Drain != nil {
			drains = append(drains, n.Drain)
		}
	}
	// The removals of autoscaled servers, too, skip draining.
	drains = append(drains, autoscaled...)
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

// installAddons gates k3s version changes on the first control-plane node
// and installs the add-ons through a Kubernetes provider built from the
// kubeconfig, at the endpoint the readiness step verified.
func (cl *Cluster) installAddons(ctx *pulumi.Context, endpoints pulumi.AnyOutput, base foundation, autoscaled []pulumi.Resource, token pulumi.StringInput) error {
	c := cl.Config
	gateAfter := []pulumi.Resource{cl.ControlPlane.Init()}
	if c.EtcdSnapshots.OffSite() && cl.snapshot == nil {
		var err error
		cl.snapshot, err = backup.NewSnapshotBeforeChange(ctx, c, cl.ControlPlane.Nodes[0].Connection, []pulumi.Resource{cl.ControlPlane.Init()}, pulumi.Parent(cl))
		if err != nil {
			return err
		}
	}
	if cl.snapshot != nil {
		gateAfter = append(gateAfter, cl.snapshot)
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
		Cluster: c, Kubeconfig: cl.Kubeconfig, HcloudToken: token, NetworkID: base.network.NetworkID, UpgradeGate: gate,
		FirstControlPlane: cl.ControlPlane.Nodes[0].Connection,
		Autoscaler: addons.AutoscalerArgs{
			ClusterToken: base.shared.Token, FirewallID: base.firewallID, SSHPublicKey: base.shared.SSHPublicKey, CleanupSteps: autoscaled,
		},
		Context: endpoints.ApplyT(func(v any) string { return v.(endpointSet).provider(c).Context }).(pulumi.StringOutput),
	}, pulumi.Parent(cl))
	return err
}

func (cl *Cluster) nodes() []*node.Node {
	nodes := slices.Clone(cl.ControlPlane.Nodes)
	for _, wp := range cl.WorkerPools {
		nodes = append(nodes, wp.Nodes...)
	}
	return nodes
}

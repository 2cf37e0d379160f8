// Package node builds every cluster node, whatever group it is in: its
// server, and the k3s install, rollout and drain that run over SSH. A Group
// holds what the nodes of the control plane or of one worker pool share, a
// Join how a node joins the running cluster, and a Queue the rule "at most N
// nodes down at a time" that restarts and resizes follow. The control plane
// and the worker pools only say what differs. An autoscaled pool's servers
// are created by the cluster-autoscaler, not here: their k3s config comes
// from the same k3s.AgentConfig, rendered into cloud-init.
package node

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/clusterops"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures one node: what it shares with its group, and its own place.
type Args struct {
	*Group
	Node             config.Node
	PlacementGroupID pulumi.IntInput
	// Join is how the node joins the cluster; nil for the node that
	// initialises it.
	Join *Join
	// DrainAfter orders control-plane removals one at a time: a node's drain
	// is deleted (and so runs) before those it depends on.
	DrainAfter []pulumi.Resource
}

// Node is a server running k3s.
type Node struct {
	pulumi.ResourceState

	PublicIP  pulumi.StringOutput `pulumi:"publicIp"`
	PrivateIP pulumi.StringOutput `pulumi:"privateIp"`
	Server    *hcloud.Server
	Install   *remote.Command
	// Rollout restarts k3s after a configuration change, and waits until the
	// node is ready after one or a resize.
	Rollout *remote.Command
	// Drain removes the node from the cluster when it is deleted; nil when
	// the node has none.
	Drain *remote.Command
	// Connection reaches the node over SSH as root.
	Connection remote.ConnectionInput

	installSpec pulumi.AnyOutput // k3s.Install, once the node's addresses are known
}

// installTimeout bounds one install: cloud-init, download and k3s start.
const installTimeout = 20 * time.Minute

// New registers the node component: its server, then the k3s install, the
// rollout and the drain that run over SSH.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Node, error) {
	n := &Node{}
	if err := ctx.RegisterComponentResource(component.Type("Node"), name, n, opts...); err != nil {
		return nil, err
	}
	status := args.Status[args.Node.Name]
	rolloutAfter, resizeAfter := args.Queue.turn(status)
	if err := n.createServer(ctx, name, args, resizeAfter); err != nil {
		return nil, err
	}
	var installAfter []pulumi.Resource
	if args.Join != nil {
		installAfter = []pulumi.Resource{args.Join.After}
	}
	if err := n.createInstall(ctx, name, args, installAfter); err != nil {
		return nil, err
	}
	if err := n.createRollout(ctx, name, rolloutAfter); err != nil {
		return nil, err
	}
	args.Queue.add(n.Rollout, status)
	if err := n.createDrain(ctx, name, args); err != nil {
		return nil, err
	}
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{"publicIp": n.PublicIP, "privateIp": n.PrivateIP})
}

// createServer registers the server; resizeAfter is what it waits for when
// its type changes (Queue).
func (n *Node) createServer(ctx *pulumi.Context, name string, args Args, resizeAfter []pulumi.Resource) error {
	attachment := hcloud.ServerNetworkTypeArgs{
		SubnetId: args.SubnetID,
		AliasIps: pulumi.StringArray{}, // an unset list makes the provider detach and re-attach on every update
	}
	if args.Node.PrivateIP.IsValid() {
		attachment.Ip = pulumi.String(args.Node.PrivateIP.String())
	}
	serverArgs := &hcloud.ServerArgs{
		Name:       pulumi.String(args.Node.Hostname),
		ServerType: pulumi.String(args.ServerType),
		Image:      pulumi.String(args.Image),
		Location:   pulumi.String(args.Node.Location),
		Labels:     pulumi.ToStringMap(serverLabels(args)),
		UserData: args.SSHPublicKey.ToStringOutput().ApplyT(func(key string) (string, error) {
			return k3s.ServerUserData(append([]string{key}, args.Cluster.SSH.AuthorizedKeys...), args.Cluster.K3sVersion.String())
		}).(pulumi.StringOutput),
		PlacementGroupId: args.PlacementGroupID,
		Networks:         hcloud.ServerNetworkTypeArray{attachment},
		PublicNets: hcloud.ServerPublicNetArray{hcloud.ServerPublicNetArgs{
			Ipv4Enabled: pulumi.Bool(true),
			Ipv6Enabled: pulumi.Bool(true),
		}},
	}
	var err error
	n.Server, err = hcloud.NewServer(ctx, name, serverArgs,
		pulumi.Parent(n),
		pulumi.DependsOn(append(slices.Clone(args.ServerAfter), resizeAfter...)),
		// Drift in these must never replace a running node (and its etcd
		// member). sshKeys is what servers made before the key moved to
		// cloud-init were given.
		pulumi.IgnoreChanges([]string{"userData", "image", "sshKeys"}),
		// Server names are unique in a project: a replacement (a new location)
		// must delete, and so drain, the old server first.
		pulumi.DeleteBeforeReplace(true))
	if err != nil {
		return err
	}
	n.PublicIP = n.Server.Ipv4Address
	if args.Node.PrivateIP.IsValid() {
		n.PrivateIP = pulumi.String(args.Node.PrivateIP.String()).ToStringOutput()
	} else {
		n.PrivateIP = n.Server.Networks.Index(pulumi.Int(0)).Ip().Elem()
	}
	n.Connection = Connection(n.PublicIP, args.SSHPrivateKey)
	return nil
}

// Connection reaches a node at host over SSH as root.
func Connection(host, privateKey pulumi.StringInput) remote.ConnectionArgs {
	return remote.ConnectionArgs{
		Host:       host,
		User:       pulumi.String("root"),
		PrivateKey: privateKey,
		// A new server's sshd needs a while; keep dialling for about five minutes.
		DialErrorLimit: pulumi.Int(30),
		PerDialTimeout: pulumi.Int(10),
	}
}

// createInstall registers the k3s install, after installAfter: the install
// that initialised the cluster, for a joining node.
func (n *Node) createInstall(ctx *pulumi.Context, name string, args Args, installAfter []pulumi.Resource) error {
	extraSANs := args.ExtraSANs
	if extraSANs == nil {
		extraSANs = pulumi.StringArray{}
	}
	version, err := n.versionToInstall(ctx, name, args)
	if err != nil {
		return err
	}
	n.installSpec = pulumi.All(n.PrivateIP, n.PublicIP, extraSANs, version).ApplyT(func(v []any) (k3s.Install, error) {
		addr := k3s.NodeAddresses{PrivateIP: v[0].(string), PublicIP: v[1].(string)}
		rendered, err := args.Config(args.Node, addr, v[2].([]string)).Render()
		return k3s.Install{
			Role: args.Role, NodeIP: addr.PrivateIP, Version: v[3].(string), Config: rendered,
			JoinPeers: k3s.JoinPeers(args.Cluster, args.Node), ServerType: args.ServerType, BeforeStart: args.BeforeStart,
		}, err
	}).(pulumi.AnyOutput)
	beforeStartStdin := args.BeforeStartStdin
	if beforeStartStdin == nil {
		beforeStartStdin = pulumi.String("")
	}
	stdin := pulumi.ToSecret(pulumi.All(args.Token, beforeStartStdin).ApplyT(func(v []any) string {
		return k3s.InstallStdin(v[0].(string), v[1].(string))
	})).(pulumi.StringOutput)
	// Nothing is ignored: a replaced server's install runs with the current
	// version and config (ignored inputs would keep the old ones even through
	// a replacement). A running node never changes its version here (the
	// upgrade Plans do that), and never restarts (its rollout does).
	n.Install, err = remote.NewCommand(ctx, name+"-install", &remote.CommandArgs{
		Connection: n.Connection,
		Create:     n.script(k3s.Install.Script),
		Stdin:      stdin,
		Logging:    remote.LoggingStdoutAndStderr,
	}, pulumi.Parent(n),
		pulumi.DependsOn(installAfter),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: installTimeout.String(), Update: installTimeout.String()}))
	return err
}

// versionToInstall is the k3s version the node installs if it has none: a
// joining node's is read from the running cluster (Join.Version). The node
// that initialises the cluster has no cluster to read it from, so it
// installs the pinned version, kept in a Stash that is replaced with its
// server (the engine keeps a Stash's output until then: pulumi
// pkg/resource/deploy/builtins.go, Update): a rebuilt first server installs
// the version pinned then, and a k3sVersion change, which the upgrade Plans
// carry out, leaves its install as it is.
func (n *Node) versionToInstall(ctx *pulumi.Context, name string, args Args) (pulumi.StringInput, error) {
	if args.Join != nil {
		return args.Join.Version, nil
	}
	stash, err := pulumi.NewStash(ctx, name+"-install-version", &pulumi.StashArgs{Input: pulumi.String(args.Cluster.K3sVersion.String())},
		pulumi.Parent(n), pulumi.ReplacementTrigger(n.Server.ID()))
	if err != nil {
		return nil, err
	}
	return stash.Output.ApplyT(func(v any) string { return v.(string) }).(pulumi.StringOutput), nil
}

// script renders one of the node's scripts once its install is known.
func (n *Node) script(render func(k3s.Install) string) pulumi.StringOutput {
	return n.installSpec.ApplyT(func(v any) string { return render(v.(k3s.Install)) }).(pulumi.StringOutput)
}

// createRollout registers the node's rollout: nothing runs when it is
// created (the install has just started k3s); an update, when the node's
// config or server type changed, restarts k3s if the install left a change
// pending and waits until the node is ready, before the rollouts that wait
// for this one.
func (n *Node) createRollout(ctx *pulumi.Context, name string, rolloutAfter []pulumi.Resource) error {
	var err error
	n.Rollout, err = remote.NewCommand(ctx, name+"-rollout", &remote.CommandArgs{
		Connection: n.Connection,
		Update:     n.script(k3s.Install.RolloutScript),
		Logging:    remote.LoggingStdoutAndStderr,
	}, pulumi.Parent(n),
		pulumi.DependsOn(append([]pulumi.Resource{n.Install}, rolloutAfter...)),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Update: rolloutTimeout.String()}))
	return err
}

// rolloutTimeout bounds one node's rollout: a bounded restart, then a
// bounded wait for readiness (300 s each in the script).
const rolloutTimeout = 11 * time.Minute

// createDrain registers a command whose only work is on delete: when the
// node leaves the stack, it is drained, removed from etcd, its k3s stopped
// and disabled, and its Node deleted, before its install and server are
// deleted, since both depend on it.
func (n *Node) createDrain(ctx *pulumi.Context, name string, args Args) error {
	if args.Join == nil {
		return nil // the first control-plane node drains the others
	}
	controlPlane := args.Role == k3s.RoleServer
	drain := n.PrivateIP.ApplyT(func(ip string) string {
		return clusterops.DrainScript(args.Node.Hostname, ip, controlPlane, args.Cluster.DrainTimeout)
	}).(pulumi.StringOutput)
	var err error
	n.Drain, err = remote.NewCommand(ctx, name+"-drain", &remote.CommandArgs{
		Connection: args.Join.DrainVia,
		Create:     pulumi.String(fmt.Sprintf("echo 'hcloud-k3s: %s will be drained from here before it is removed'", args.Node.Hostname)),
		Delete:     drain,
		// The drain reaches the leaving node with the cluster's key to stop k3s.
		Stdin:   pulumi.ToSecret(args.SSHPrivateKey.ToStringOutput()).(pulumi.StringOutput),
		Logging: remote.LoggingStdoutAndStderr,
		// A replaced server must leave the cluster too: its successor reuses
		// the node name, which k3s refuses while the old Node exists.
		Triggers: pulumi.Array{n.Server.ID()},
	}, pulumi.Parent(n),
		pulumi.DeleteBeforeReplace(true),
		pulumi.DependsOn(append([]pulumi.Resource{n.Install}, args.DrainAfter...)),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Delete: (args.Cluster.DrainTimeout + etcdLeaveTimeout).String()}))
	return err
}

// etcdLeaveTimeout bounds the wait for a control-plane node to leave etcd.
const etcdLeaveTimeout = 6 * time.Minute

// serverLabels are the group's labels and those that say which network
// the server's k3s runs (config.Cluster.CNILabels), which the cluster reads
// back to refuse a change of network a running cluster cannot take.
func serverLabels(args Args) map[string]string {
	labels := map[string]string{}
	maps.Copy(labels, args.Labels)
	maps.Copy(labels, args.Cluster.CNILabels())
	return labels
}

// NewPlacementGroup registers a spread placement group named
// <cluster>-<name>: its servers land on different physical hosts.
func NewPlacementGroup(ctx *pulumi.Context, name, cluster string, labels map[string]string, opts ...pulumi.ResourceOption) (pulumi.IntOutput, error) {
	pg, err := hcloud.NewPlacementGroup(ctx, name, &hcloud.PlacementGroupArgs{
		Name:   pulumi.String(cluster + "-" + name),
		Type:   pulumi.String("spread"),
		Labels: pulumi.ToStringMap(labels),
	}, opts...)
	if err != nil {
		return pulumi.IntOutput{}, err
	}
	return hetzner.IntID(pg.ID()), nil
}

// Package node creates one cluster node: its server and the k3s install
// that runs on it over SSH. Control-plane nodes and workers share it.
package node

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// Shared is what every node of a cluster takes alike.
type Shared struct {
	K3sVersion config.Version
	// AuthorizedKeys are humans' public keys, installed by cloud-init.
	AuthorizedKeys []string
	SubnetID       pulumi.StringInput
	// SSHPublicKey is the public half of SSHPrivateKey, installed by
	// cloud-init (see package sshkey for why not as a Hetzner SSH key).
	SSHPublicKey  pulumi.StringInput
	SSHPrivateKey pulumi.StringInput // secret
	Token         pulumi.StringInput // secret
	// ServerAfter are resources every server waits for (subnet, firewall).
	ServerAfter []pulumi.Resource
}

// Args configures one node.
type Args struct {
	Shared
	Node             config.Node
	Role             k3s.Role
	ServerType       string
	Image            string
	Labels           map[string]string
	PlacementGroupID pulumi.IntInput
	// ResizeAfter is what the server waits for when it is being resized: the
	// rollout of the node resized before it, which ends once that node is
	// ready again. nil otherwise, so creation never waits for it.
	ResizeAfter []pulumi.Resource

	// Config renders the node's k3s config once its addresses (and the
	// extra TLS SANs, when any) are known.
	Config    func(addr k3s.NodeAddresses, extraSANs []string) k3s.Config
	ExtraSANs pulumi.StringArrayInput
	// Version is the k3s version the node installs if it has none; nil is
	// Shared.K3sVersion.
	Version pulumi.StringInput
	// JoinPeers are the addresses the node may join through (k3s.JoinPeers).
	JoinPeers []string
	// InstallAfter are resources the install waits for (the install that
	// initialised the cluster).
	InstallAfter []pulumi.Resource
	// RolloutAfter are the rollouts this node's waits for: a configuration
	// change restarts the control plane one node at a time and workers in
	// batches. A rollout does nothing when it is created, so the chain costs
	// nothing when the cluster is.
	RolloutAfter []pulumi.Resource
	// Setup, when set, registers a command on the node that its install
	// waits for (the etcd snapshot settings of a control-plane node).
	Setup func(ctx *pulumi.Context, name string, conn remote.ConnectionInput, opts ...pulumi.ResourceOption) (pulumi.Resource, error)

	// DrainVia reaches the control-plane node that drains this node before
	// its server is deleted; nil for the first control-plane node, which is
	// never removed by scaling.
	DrainVia     remote.ConnectionInput
	DrainTimeout time.Duration
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

// New registers the node component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Node, error) {
	n := &Node{}
	if err := ctx.RegisterComponentResource(component.Type("Node"), name, n, opts...); err != nil {
		return nil, err
	}
	if err := n.createServer(ctx, name, args); err != nil {
		return nil, err
	}
	if args.Setup != nil {
		setup, err := args.Setup(ctx, name, n.Connection, pulumi.Parent(n))
		if err != nil {
			return nil, err
		}
		args.InstallAfter = append(slices.Clone(args.InstallAfter), setup)
	}
	if err := n.createInstall(ctx, name, args); err != nil {
		return nil, err
	}
	if err := n.createRollout(ctx, name, args); err != nil {
		return nil, err
	}
	if err := n.createDrain(ctx, name, args); err != nil {
		return nil, err
	}
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{"publicIp": n.PublicIP, "privateIp": n.PrivateIP})
}

func (n *Node) createServer(ctx *pulumi.Context, name string, args Args) error {
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
		Labels:     pulumi.ToStringMap(args.Labels),
		UserData: args.SSHPublicKey.ToStringOutput().ApplyT(func(key string) string {
			return CloudConfig(append([]string{key}, args.AuthorizedKeys...))
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
		pulumi.DependsOn(append(slices.Clone(args.ServerAfter), args.ResizeAfter...)),
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
	n.Connection = remote.ConnectionArgs{
		Host:       n.PublicIP,
		User:       pulumi.String("root"),
		PrivateKey: args.SSHPrivateKey,
		// A new server's sshd needs a while; keep dialling for about five minutes.
		DialErrorLimit: pulumi.Int(30),
		PerDialTimeout: pulumi.Int(10),
	}
	return nil
}

func (n *Node) createInstall(ctx *pulumi.Context, name string, args Args) error {
	extraSANs := args.ExtraSANs
	if extraSANs == nil {
		extraSANs = pulumi.StringArray{}
	}
	version := args.Version
	if version == nil {
		version = pulumi.String(args.K3sVersion.String())
	}
	n.installSpec = pulumi.All(n.PrivateIP, n.PublicIP, extraSANs, version).ApplyT(func(v []any) (k3s.Install, error) {
		addr := k3s.NodeAddresses{PrivateIP: v[0].(string), PublicIP: v[1].(string)}
		config, err := args.Config(addr, v[2].([]string)).Render()
		return k3s.Install{
			Role: args.Role, NodeIP: addr.PrivateIP, Version: v[3].(string), Config: config,
			JoinPeers: args.JoinPeers, ServerType: args.ServerType,
		}, err
	}).(pulumi.AnyOutput)
	stdin := pulumi.ToSecret(args.Token.ToStringOutput().ApplyT(func(token string) string {
		return k3s.InstallStdin(token)
	})).(pulumi.StringOutput)
	var err error
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
		pulumi.DependsOn(args.InstallAfter),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: installTimeout.String(), Update: installTimeout.String()}))
	return err
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
func (n *Node) createRollout(ctx *pulumi.Context, name string, args Args) error {
	var err error
	n.Rollout, err = remote.NewCommand(ctx, name+"-rollout", &remote.CommandArgs{
		Connection: n.Connection,
		Update:     n.script(k3s.Install.RolloutScript),
		Logging:    remote.LoggingStdoutAndStderr,
	}, pulumi.Parent(n),
		pulumi.DependsOn(append([]pulumi.Resource{n.Install}, args.RolloutAfter...)),
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
	if args.DrainVia == nil {
		return nil
	}
	controlPlane := args.Role == k3s.RoleServer
	drain := n.PrivateIP.ApplyT(func(ip string) string {
		return clusterops.DrainScript(args.Node.Hostname, ip, controlPlane, args.DrainTimeout)
	}).(pulumi.StringOutput)
	var err error
	n.Drain, err = remote.NewCommand(ctx, name+"-drain", &remote.CommandArgs{
		Connection: args.DrainVia,
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
		pulumi.Timeouts(&pulumi.CustomTimeouts{Delete: (args.DrainTimeout + etcdLeaveTimeout).String()}))
	return err
}

// etcdLeaveTimeout bounds the wait for a control-plane node to leave etcd.
const etcdLeaveTimeout = 6 * time.Minute

// CloudConfig is the user data that installs SSH keys for root. Without a
// Hetzner SSH key the server gets a root password: password logins are off.
func CloudConfig(authorizedKeys []string) string {
	var b strings.Builder
	b.WriteString("#cloud-config\nssh_pwauth: false\nssh_authorized_keys:\n")
	for _, key := range authorizedKeys {
		b.WriteString("  - " + strconv.Quote(strings.TrimSpace(key)) + "\n") // a JSON string is valid YAML
	}
	return b.String()
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

// InTurn is what the next node's rollout (or resize) waits for: the rollout
// `atOnce` places before it among those of earlier nodes, so at most
// `atOnce` nodes are down at a time.
func InTurn(earlier []pulumi.Resource, atOnce int) []pulumi.Resource {
	if len(earlier) < atOnce {
		return nil
	}
	return earlier[len(earlier)-atOnce : len(earlier)-atOnce+1]
}

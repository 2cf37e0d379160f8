// Package node creates one cluster node: its server and the k3s install
// that runs on it over SSH. Control-plane nodes and workers share it.
package node

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/ids"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/components/lifecycle"
	"github.com/hcloud-k3s/hcloud-k3s/components/spec"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Shared is what every node of a cluster takes alike.
type Shared struct {
	K3sVersion spec.Version
	// AuthorizedKeys are humans' public keys, installed by cloud-init.
	AuthorizedKeys []string
	SubnetID       pulumi.StringInput
	SSHKeyID       pulumi.StringInput
	SSHPrivateKey  pulumi.StringInput // secret
	Token          pulumi.StringInput // secret
	// ServerAfter are resources every server waits for (subnet, firewall).
	ServerAfter []pulumi.Resource
}

// Args configures one node.
type Args struct {
	Shared
	Node             spec.Node
	Role             k3s.Role
	ServerType       string
	Image            string
	Labels           map[string]string
	PlacementGroupID pulumi.IntInput

	// Config renders the node's k3s config once its addresses (and the
	// extra TLS SANs, when any) are known.
	Config    func(addr k3s.NodeAddresses, extraSANs []string) k3s.Config
	ExtraSANs pulumi.StringArrayInput
	// JoinPeers lets the first control-plane node join a surviving member
	// instead of initialising a new cluster when its disk is new.
	JoinPeers []string
	// InstallAfter are resources the install waits for (the install that
	// initialised the cluster, or the previous control-plane join).
	InstallAfter []pulumi.Resource
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
	// Drain removes the node from the cluster when it is deleted; nil when
	// the node has none.
	Drain *remote.Command
	// Connection reaches the node over SSH as root.
	Connection remote.ConnectionInput
}

// installTimeout bounds one install: cloud-init, download and k3s start.
const installTimeout = 20 * time.Minute

// New registers the node component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Node, error) {
	n := &Node{}
	if err := ctx.RegisterComponentResource(ids.ComponentType("Node"), name, n, opts...); err != nil {
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
		Name:             pulumi.String(args.Node.Hostname),
		ServerType:       pulumi.String(args.ServerType),
		Image:            pulumi.String(args.Image),
		Location:         pulumi.String(args.Node.Location),
		Labels:           pulumi.ToStringMap(args.Labels),
		SshKeys:          pulumi.StringArray{args.SSHKeyID},
		PlacementGroupId: args.PlacementGroupID,
		Networks:         hcloud.ServerNetworkTypeArray{attachment},
		PublicNets: hcloud.ServerPublicNetArray{hcloud.ServerPublicNetArgs{
			Ipv4Enabled: pulumi.Bool(true),
			Ipv6Enabled: pulumi.Bool(true),
		}},
	}
	if len(args.AuthorizedKeys) > 0 {
		serverArgs.UserData = pulumi.String(CloudConfig(args.AuthorizedKeys))
	}
	var err error
	n.Server, err = hcloud.NewServer(ctx, name, serverArgs,
		pulumi.Parent(n),
		pulumi.DependsOn(args.ServerAfter),
		// Drift in these must never replace a running node (and its etcd member).
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
	script := pulumi.All(n.PrivateIP, n.PublicIP, extraSANs).ApplyT(func(v []any) (string, error) {
		addr := k3s.NodeAddresses{PrivateIP: v[0].(string), PublicIP: v[1].(string)}
		config, err := args.Config(addr, v[2].([]string)).Render()
		if err != nil {
			return "", err
		}
		return k3s.Install{Role: args.Role, NodeIP: addr.PrivateIP, Config: config, JoinPeers: args.JoinPeers}.Script(), nil
	}).(pulumi.StringOutput)
	stdin := pulumi.ToSecret(args.Token.ToStringOutput().ApplyT(func(token string) string {
		return k3s.Stdin(args.K3sVersion.String(), token)
	})).(pulumi.StringOutput)
	var err error
	n.Install, err = remote.NewCommand(ctx, name+"-install", &remote.CommandArgs{
		Connection: n.Connection,
		Create:     script,
		Stdin:      stdin,
		Logging:    remote.LoggingStdoutAndStderr,
	}, pulumi.Parent(n),
		pulumi.DependsOn(args.InstallAfter),
		// The version on stdin only matters for a new node: a running cluster is
		// upgraded in place, never by re-running every installer at once.
		pulumi.IgnoreChanges([]string{"stdin"}),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: installTimeout.String(), Update: installTimeout.String()}))
	return err
}

// createDrain registers a command whose only work is on delete: when the
// node leaves the stack, it is drained and removed from Kubernetes (and from
// etcd) before its install and server are deleted, since both depend on it.
func (n *Node) createDrain(ctx *pulumi.Context, name string, args Args) error {
	if args.DrainVia == nil {
		return nil
	}
	controlPlane := args.Role == k3s.RoleServer
	var err error
	n.Drain, err = remote.NewCommand(ctx, name+"-drain", &remote.CommandArgs{
		Connection: args.DrainVia,
		Create:     pulumi.String(fmt.Sprintf("echo 'hcloud-k3s: %s will be drained from here before it is removed'", args.Node.Hostname)),
		Delete:     pulumi.String(lifecycle.DrainScript(args.Node.Hostname, controlPlane, args.DrainTimeout)),
		Logging:    remote.LoggingStdoutAndStderr,
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

// CloudConfig is the user data that installs humans' SSH keys for root.
func CloudConfig(authorizedKeys []string) string {
	var b strings.Builder
	b.WriteString("#cloud-config\nssh_authorized_keys:\n")
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
	return ids.Int(pg.ID()), nil
}

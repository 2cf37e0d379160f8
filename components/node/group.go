package node

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Shared is what every node of a cluster takes alike.
type Shared struct {
	Cluster  config.Cluster
	SubnetID pulumi.StringInput
	// SSHPublicKey is the public half of SSHPrivateKey, installed by
	// cloud-init (see package sshkey for why not as a Hetzner SSH key).
	SSHPublicKey  pulumi.StringInput
	SSHPrivateKey pulumi.StringInput // secret
	Token         pulumi.StringInput // secret
	// ServerAfter are resources every server waits for (subnet, firewall).
	ServerAfter []pulumi.Resource
}

// Group is what the nodes of the control plane, or of one worker pool,
// share: one place decides how any node is built, whatever group it is in.
type Group struct {
	Shared
	Role       k3s.Role
	ServerType string
	Image      string
	Labels     map[string]string
	// Config renders a node's k3s config once its addresses (and the extra
	// TLS SANs, when any) are known.
	Config    func(member config.Node, addr k3s.NodeAddresses, extraSANs []string) k3s.Config
	ExtraSANs pulumi.StringArrayInput
	// BeforeStart, when set, is a script each node's install runs before
	// k3s starts, with BeforeStartStdin (secret) as its input: the etcd
	// snapshot settings of a control-plane node (k3s.Install.BeforeStart).
	BeforeStart      string
	BeforeStartStdin pulumi.StringInput
	// Queue is the group's turn in "at most N nodes down at a time", for
	// restarts after a configuration change and for server resizes.
	Queue *Queue
	// Status is what Hetzner runs of each node's server.
	Status Statuses
}

// Join is how every node but the first control-plane node joins the
// cluster, known once that node exists.
type Join struct {
	// After is the install that initialised the cluster: a join waits for
	// it, and nothing else.
	After pulumi.Resource
	// Version is the k3s version a joining node installs if it has none.
	Version pulumi.StringInput
	// DrainVia reaches the first control-plane node, which drains a node
	// that leaves before its server is deleted.
	DrainVia remote.ConnectionInput
}

package k3s

import (
	_ "embed"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
)

//go:embed install.sh
var installBody string

// Role is the k3s subcommand a node runs.
type Role string

// The two k3s roles.
const (
	RoleServer Role = "server"
	RoleAgent  Role = "agent"
)

// Install describes one node's installation.
type Install struct {
	Role      Role
	NodeIP    string   // the private IP; the script finds the interface that has it
	Config    string   // rendered config.yaml
	JoinPeers []string // for the first control-plane node: members to join instead of initialising, if any is up
}

// Script is the command text of a node's install. It is deterministic and
// free of secrets; the version and token come on stdin (see Stdin).
func (in Install) Script() string {
	return shell.Script([]shell.Param{
		{Name: "role", Value: string(in.Role)},
		{Name: "node_ip", Value: in.NodeIP},
		{Name: "join_peers", Value: strings.Join(in.JoinPeers, " ")},
		{Name: "config", Value: strings.TrimRight(in.Config, "\n")},
	}, installBody)
}

// Stdin is what the install script reads: the pinned version, then the token.
func Stdin(version, token string) string {
	return version + "\n" + token + "\n"
}

// FetchKubeconfigScript prints the admin kubeconfig of a server.
const FetchKubeconfigScript = "cat " + KubeconfigPath

package k3s

import (
	"crypto/sha256"
	_ "embed"
	"fmt"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
)

var (
	//go:embed unit.sh
	unitBody string
	//go:embed install.sh
	installBody string
	//go:embed rollout.sh
	rolloutBody string
)

// Role is the k3s subcommand a node runs.
type Role string

// The two k3s roles.
const (
	RoleServer Role = "server"
	RoleAgent  Role = "agent"
)

// Install describes one node's installation.
type Install struct {
	Role    Role
	NodeIP  string // the private IP; the script finds the interface that has it
	Version string // the k3s release a node without k3s installs
	Config  string // rendered config.yaml, without the join address
	// JoinPeers are the addresses a node may join through, in order of
	// preference; the first control-plane node joins one only when it has no
	// etcd data of its own and one answers, else it initialises the cluster.
	JoinPeers []string
	// ServerType is the node's Hetzner server type: a resize re-runs the
	// rollout, which waits until the node is ready again.
	ServerType string
	// BeforeStart, when set, is a script the install runs before k3s
	// starts, with the rest of the install's stdin after the token as its
	// own (see InstallStdin): the etcd snapshot settings of a
	// control-plane node, so that a node needs one SSH session at creation.
	BeforeStart string
}

// Script is the command text of a node's install. It is deterministic and
// free of secrets; they come on stdin (see Secrets).
func (in Install) Script() string {
	return shell.Script(in.params(), unitBody+installBody)
}

// params are the install's parameters, which a Join's script shares.
func (in Install) params() []shell.Param {
	params := []shell.Param{
		{Name: "role", Value: string(in.Role)},
		{Name: "node_ip", Value: in.NodeIP},
		{Name: "version", Value: in.Version},
		{Name: "join_peers", Value: strings.Join(in.JoinPeers, " ")},
		{Name: "config", Value: strings.TrimRight(in.Config, "\n")},
		{Name: "download_dir", Value: DownloadDir},
	}
	if in.BeforeStart != "" {
		// Only when set: the text of every other install stays as it was.
		params = append(params, shell.Param{Name: "before_start", Value: in.BeforeStart})
	}
	return params
}

// RolloutScript is the command text of a node's rollout: it restarts k3s
// when the install left a configuration change pending, and waits until the
// node is ready. Its text changes, and so it runs, when the node's
// configuration or server type changes; not when only the version does,
// which running nodes take from the upgrade Plans.
func (in Install) RolloutScript() string {
	return shell.Script([]shell.Param{
		{Name: "role", Value: string(in.Role)},
		{Name: "server_type", Value: in.ServerType},
		{Name: "config_digest", Value: fmt.Sprintf("%.12x", sha256.Sum256([]byte(in.Config)))},
	}, unitBody+rolloutBody)
}

// InstallStdin is the install's standard input: the cluster token, then
// the input of the script it runs before k3s starts (Install.BeforeStart),
// kept out of the script so that only the stdin is secret.
func InstallStdin(token, beforeStart string) string {
	return token + "\n" + beforeStart
}

// FetchKubeconfigScript prints the admin kubeconfig of a server.
const FetchKubeconfigScript = "cat " + KubeconfigPath

package k3s

import (
	_ "embed"
	"fmt"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
)

//go:embed join.sh
var joinBody string

// AutoscaledAgentConfig is the config of a node the cluster-autoscaler
// creates in a pool: what a fixed worker of the pool gets, but for what is
// not known before the server boots. k3s names the node after the host,
// which is the server's name, and the join script adds the private IP.
func AutoscaledAgentConfig(c config.Cluster, pool config.WorkerPool) Config {
	return AgentConfig(c, pool, config.Node{}, NodeAddresses{})
}

// Paths of the autoscaled node's join on the node.
const (
	joinScriptPath = "/usr/local/lib/hcloud-k3s/join.sh"
	joinUnit       = "hcloud-k3s-join.service"
)

// Join is how a server that the autoscaler created joins the cluster.
type Join struct {
	Version string // the k3s release to install
	Config  string // rendered AutoscaledAgentConfig
	// JoinPeers are the addresses to join through, as for a fixed worker.
	JoinPeers []string
	Network   string // the cluster's network CIDR, where the node finds its IP
}

// NewJoin is the join of an autoscaled pool's nodes.
func NewJoin(c config.Cluster, pool config.WorkerPool) (Join, error) {
	rendered, err := AutoscaledAgentConfig(c, pool).Render()
	if err != nil {
		return Join{}, err
	}
	return Join{
		Version:   c.K3sVersion.String(),
		Config:    rendered,
		JoinPeers: JoinPeers(c, config.Node{}),
		Network:   c.Network.CIDR.String(),
	}, nil
}

// Script is the join's text: the node install of a fixed worker, with its
// parameters, after the private IP (node_ip) is found. Like Install.Script
// it holds no secret: the token comes on stdin.
func (j Join) Script() string {
	in := Install{Role: RoleAgent, Version: j.Version, Config: j.Config, JoinPeers: j.JoinPeers}
	return shell.Script(append(in.params(), shell.Param{Name: "network", Value: j.Network}), unitBody+joinBody+installBody)
}

// CloudInit is the user data of the autoscaler's servers: like a fixed
// server's, root logs in with the authorized keys only; it writes the
// token (root only), the join script and a unit that runs it, at first boot
// and at every boot after, which changes nothing on a node that has joined.
// The unit starts without blocking, after cloud-init, which the install
// waits for. It holds the cluster token: a secret wherever it goes.
func (j Join) CloudInit(token string, authorizedKeys []string) (string, error) {
	unit := fmt.Sprintf(`[Unit]
Description=hcloud-k3s: join the k3s cluster
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
StandardInput=file:%s
ExecStart=%s

[Install]
WantedBy=multi-user.target
`, TokenPath, joinScriptPath)
	return userData(cloudConfig{
		SSHAuthorizedKeys: authorizedKeys,
		WriteFiles: []cloudFile{
			{Path: TokenPath, Permissions: "0600", Content: InstallStdin(token, "")},
			{Path: joinScriptPath, Permissions: "0700", Content: j.Script()},
			{Path: "/etc/systemd/system/" + joinUnit, Permissions: "0644", Content: unit},
		},
		RunCmd: [][]string{
			{"systemctl", "daemon-reload"},
			{"systemctl", "enable", joinUnit},
			{"systemctl", "start", "--no-block", joinUnit},
		},
	})
}

package k3s

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

// The script tests run install.sh with bash against stub commands on a
// shelltest.Host; the stubs keep what they must remember in its state files.

const (
	testVersion = "v1.33.5+k3s1"
	testToken   = "K10c0ffee::server:s3cr3t-cluster-token"
	testNodeIP  = "10.0.255.253"
	testConfig  = "cluster-init: true\nnode-ip: 10.0.255.253\ntoken-file: /etc/rancher/k3s/token\n"
)

// curlArgs begins a curl stub: the URL it fetches and the file it writes.
const curlArgs = `out= url=
while [ $# -gt 0 ]; do
  case $1 in -o) out=$2; shift ;; https://*) url=$1 ;; esac
  shift
done
`

// commandStubs stand in for the commands on PATH, by name.
var commandStubs = map[string]string{
	"cloud-init": `exit "$(cat "$state/cloud-init-status" 2>/dev/null || echo 0)"`,
	"sleep":      `exit 0`,
	// timeout runs the command, unless $state/hang-ACTION makes systemctl ACTION hang past the bound.
	"timeout": `shift
if [ "$1" = systemctl ] && [ -f "$state/hang-$2" ]; then exit 124; fi
exec "$@"`,
	"ip": `echo '1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever'
echo '2: eth0    inet 203.0.113.10/32 metric 100 scope global dynamic eth0\       valid_lft 86000sec'
[ -f "$state/no-private-iface" ] ||
  echo '3: enp7s0    inet ` + testNodeIP + `/32 brd ` + testNodeIP + ` scope global dynamic enp7s0\       valid_lft 86000sec'`,
	"systemctl": `for unit; do :; done
case $1 in
  is-active) [ -f "$state/active-$unit" ] ;;
  start | restart) [ ! -f "$state/fail-$1" ] && touch "$state/active-$unit" ;;
  *) exit 1 ;;
esac`,
	// curl "downloads" the fake installer and answers /ping for the peers listed in $state/peers-up.
	"curl": `[ ! -f "$state/offline" ] || exit 6
` + curlArgs + `case $url in
  https://raw.githubusercontent.com/k3s-io/k3s/*/install.sh) cp "$state/installer.sh" "$out" ;;
  */ping) grep -qxF "$url" "$state/peers-up" 2>/dev/null && echo pong ;;
  *) exit 22 ;;
esac`,
}

// k3sStub is the k3s binary the fake installer puts on PATH. /readyz answers
// once the unit runs and it has been asked $state/ready-after times.
const k3sStub = `case $1 in
  --version) [ -s "$state/k3s-version" ] && echo "k3s version $(cat "$state/k3s-version") (0123abcd)" && echo "go version go1.24.6" ;;
  kubectl)
    calls=$(( $(cat "$state/readyz-calls" 2>/dev/null || echo 0) + 1 ))
    echo "$calls" >"$state/readyz-calls"
    [ -f "$state/active-k3s" ] && [ "$calls" -ge "$(cat "$state/ready-after" 2>/dev/null || echo 1)" ] ;;
esac`

// installerStub is what the fake get.k3s.io script does: install the pinned
// k3s binary and start its unit, which makes k3s's data directories (an
// agent's; a server's etcd too). The script runs it with sh.
const installerStub = `echo "$INSTALL_K3S_VERSION" >"$state/k3s-version"
cp "$state/k3s" @BIN@/k3s
unit=k3s-agent
[ "$INSTALL_K3S_EXEC" != server ] || unit=k3s
touch "$state/active-$unit"
mkdir -p "$HCLOUD_K3S_ROOT/var/lib/rancher/k3s/agent"
[ "$unit" != k3s ] || mkdir -p "$HCLOUD_K3S_ROOT/var/lib/rancher/k3s/server/db/etcd"`

// node is a scratch host with the install to run on it.
type node struct {
	*shelltest.Host
	install Install
	stdin   string
}

// newNode makes a node for the test, and marks the test parallel.
func newNode(t *testing.T, role Role) *node {
	t.Helper()
	n := &node{
		Host:    shelltest.New(t),
		install: Install{Role: role, NodeIP: testNodeIP, Version: testVersion, Config: testConfig, ServerType: "cx23"},
		stdin:   InstallStdin(testToken, ""),
	}
	n.Secrets = []string{testToken}
	for name, body := range commandStubs {
		n.Stub(name, body)
	}
	n.StubAt(filepath.Join(n.State, "k3s"), "k3s", `$*`, k3sStub)
	n.StubAt(filepath.Join(n.State, "installer.sh"), "installer",
		`INSTALL_K3S_VERSION=$INSTALL_K3S_VERSION INSTALL_K3S_EXEC=$INSTALL_K3S_EXEC INSTALL_K3S_FORCE_RESTART=$INSTALL_K3S_FORCE_RESTART`, installerStub)
	return n
}

// unit is the systemd unit of the node's role.
func (n *node) unit() string {
	if n.install.Role == RoleServer {
		return "k3s"
	}
	return "k3s-agent"
}

// run executes the install as Pulumi does: its text as the command, the
// version and token on stdin.
func (n *node) run() shelltest.Result { return n.Run(n.install.Script(), n.stdin) }

func (n *node) mustRun() shelltest.Result { return n.MustRun(n.install.Script(), n.stdin) }

func (n *node) mustFail(want string) shelltest.Result {
	return n.MustFail(n.install.Script(), n.stdin, want)
}

// readyz is the logged call that asks the node's API server whether it is
// ready: the prelude's kubectl, with the admin kubeconfig.
func (n *node) readyz() string {
	return "k3s kubectl --kubeconfig " + n.Root + KubeconfigPath + " get --raw=/readyz"
}

// rollout runs the node's rollout as Pulumi does: no stdin.
func (n *node) rollout() shelltest.Result { return n.Run(n.install.RolloutScript(), "") }

func (n *node) mustRollout() shelltest.Result { return n.MustRun(n.install.RolloutScript(), "") }

// envDumped tells whether the stubs and the installer dumped their
// environment, without which the token check would prove nothing.
func (n *node) envDumped() bool {
	env := n.StateFile("env")
	return strings.Contains(env, "HCLOUD_K3S_ROOT=") && strings.Contains(env, "INSTALL_K3S_EXEC=")
}

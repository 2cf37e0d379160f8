package k3s

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

const changedConfig = testConfig + "node-label:\n- tier=db\n"

func TestInstallFreshServer(t *testing.T) {
	n := newNode(t, RoleServer)
	n.Set("ready-after", "3")
	res := n.mustRun()
	checkFreshInstall(t, n, res)
	res.AssertCalls(t, "k3s ", "k3s kubectl get --raw=/readyz", "k3s kubectl get --raw=/readyz", "k3s kubectl get --raw=/readyz")
	res.Says(t, "k3s v1.33.5+k3s1 is ready")
}

func TestInstallFreshAgent(t *testing.T) {
	n := newNode(t, RoleAgent)
	res := n.mustRun()
	checkFreshInstall(t, n, res)
	res.AssertCalls(t, "k3s ") // an agent does not wait for an API server
	res.Says(t, "k3s agent v1.33.5+k3s1 started")
}

func checkFreshInstall(t *testing.T, n *node, res shelltest.Result) {
	t.Helper()
	if res.Calls[0] != "cloud-init status --wait" {
		t.Errorf("first call = %q, want the wait for cloud-init", res.Calls[0])
	}
	n.AssertFile(ConfigPath, testConfig)
	n.AssertFile(TokenPath, testToken+"\n")
	n.AssertFile("/etc/rancher/k3s/config.yaml.d/10-flannel-iface.yaml", "flannel-iface: enp7s0\n")
	if info, err := os.Stat(filepath.Join(n.Root, TokenPath)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v, mode %v, want 0600", err, info.Mode().Perm())
	}
	download := "curl -sfL --retry 5 --retry-all-errors https://raw.githubusercontent.com/k3s-io/k3s/v1.33.5+k3s1/install.sh -o " + n.Root + "/tmp/"
	if got := res.Called("curl "); len(got) != 1 || !strings.HasPrefix(got[0], download) {
		t.Errorf("downloads = %q, want one %q...", got, download)
	}
	res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC="+string(n.install.Role))
	if left, _ := os.ReadDir(filepath.Join(n.Root, "tmp")); len(left) != 0 {
		t.Errorf("the downloaded installer was left behind: %v", left)
	}
	if !n.envDumped() {
		t.Error("the stubs and the installer dumped no environment: the token check would prove nothing")
	}
}

func TestInstallRerunOnHealthyNodeChangesNothing(t *testing.T) {
	forEachRole(t, func(t *testing.T, n *node) {
		n.mustRun()
		before := n.Files()
		res := n.mustRun()
		want := []string{"cloud-init status --wait", "ip -o -4 addr show", "k3s --version", "systemctl is-active --quiet " + n.unit()}
		if !slices.Equal(res.Calls, want) {
			t.Errorf("calls = %q, want only the checks %q", res.Calls, want)
		}
		res.Says(t, "k3s v1.33.5+k3s1 is running with this configuration: nothing to do")
		shelltest.AssertUntouched(t, before, n.Files())
	})
}

func TestInstallChangeRestartsUnitWithoutReinstalling(t *testing.T) {
	tests := []struct {
		name   string
		role   Role
		change func(n *node)
	}{
		{"server config", RoleServer, func(n *node) { n.install.Config = changedConfig }},
		{"agent config", RoleAgent, func(n *node) { n.install.Config = changedConfig }},
		{"cluster token", RoleServer, func(n *node) { n.stdin = Stdin(testVersion, testToken+"-rotated") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNode(t, tt.role)
			n.mustRun()
			tt.change(n)
			res := n.mustRun()
			res.AssertCalls(t, "systemctl restart", "systemctl restart "+n.unit())
			assertNoInstall(t, res)
			n.AssertFile(ConfigPath, n.install.Config)
			res.Says(t, "configuration changed: restarting "+n.unit())
		})
	}
}

func TestInstallRetriesRestartThatFailed(t *testing.T) {
	n := newNode(t, RoleServer)
	n.mustRun()
	n.install.Config = changedConfig
	n.Set("fail-restart", "")
	n.mustFail("k3s did not restart; see journalctl -u k3s")
	n.Unset("fail-restart")
	res := n.mustRun() // the config on disk is already new
	res.AssertCalls(t, "systemctl restart", "systemctl restart k3s")
	res.Says(t, "k3s v1.33.5+k3s1 is ready")
}

func TestInstallStartsStoppedUnit(t *testing.T) {
	forEachRole(t, func(t *testing.T, n *node) {
		n.mustRun()
		n.Unset("active-" + n.unit())
		res := n.mustRun()
		res.AssertCalls(t, "systemctl start", "systemctl start "+n.unit())
		res.AssertCalls(t, "systemctl restart")
		assertNoInstall(t, res)
		res.Says(t, n.unit()+" is not running: starting it")
	})
}

func TestInstallComparesPinnedVersionWithNode(t *testing.T) {
	tests := []struct {
		name, onNode, pinned string
		upgrade              bool
		message              string
	}{
		{"newer patch from an in-place upgrade is kept", "v1.33.6+k3s1", testVersion, false,
			"k3s v1.33.6+k3s1 is newer than the pinned v1.33.5+k3s1 (upgraded in place): keeping it"},
		{"newer k3s build is kept", "v1.33.5+k3s10", "v1.33.5+k3s2", false,
			"k3s v1.33.5+k3s10 is newer than the pinned v1.33.5+k3s2 (upgraded in place): keeping it"},
		{"release is not downgraded to its release candidate", "v1.34.0+k3s1", "v1.34.0-rc2+k3s1", false,
			"k3s v1.34.0+k3s1 is newer than the pinned v1.34.0-rc2+k3s1 (upgraded in place): keeping it"},
		{"older minor is upgraded", "v1.32.9+k3s1", testVersion, true,
			"k3s v1.32.9+k3s1 is older than the pinned v1.33.5+k3s1 on a node that was never upgraded; installing v1.33.5+k3s1"},
		{"release candidate is upgraded to its release", "v1.33.5-rc1+k3s1", testVersion, true,
			"k3s v1.33.5-rc1+k3s1 is older than the pinned v1.33.5+k3s1 on a node that was never upgraded; installing v1.33.5+k3s1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNode(t, RoleServer)
			n.stdin = Stdin(tt.onNode, testToken)
			n.mustRun()
			n.stdin = Stdin(tt.pinned, testToken)
			res := n.mustRun()
			want := tt.onNode
			if tt.upgrade {
				want = tt.pinned
				res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION="+tt.pinned+" INSTALL_K3S_EXEC=server")
			} else {
				assertNoInstall(t, res)
			}
			if got := strings.TrimSpace(n.StateFile("k3s-version")); got != want {
				t.Errorf("k3s on the node = %s, want %s", got, want)
			}
			res.Says(t, tt.message)
		})
	}
}

func TestInstallReinstallsK3sThatCannotTellItsVersion(t *testing.T) {
	n := newNode(t, RoleServer)
	n.mustRun()
	n.Set("k3s-version", "") // the stub k3s --version now fails
	res := n.mustRun()
	res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=server")
}

func TestInstallFirstControlPlaneInitialisesOrJoins(t *testing.T) {
	const ping1, ping2 = "https://10.0.255.252:6443/ping", "https://10.0.255.251:6443/ping"
	pings := []string{"curl -ksf --max-time 3 " + ping2, "curl -ksf --max-time 3 " + ping1} // sorted: probed at once
	joined := func(peer string) string {
		return "node-ip: 10.0.255.253\ntoken-file: /etc/rancher/k3s/token\nserver: https://" + peer + ":6443\n"
	}
	tests := []struct {
		name      string
		peersUp   []string
		etcdData  bool
		wantJoin  string // the peer joined; "" initialises
		wantPings []string
	}{
		{"joins a peer that answers", []string{ping2}, false, "10.0.255.251", pings},
		{"joins the first listed peer when several answer", []string{ping2, ping1}, false, "10.0.255.252", pings},
		{"keeps cluster-init with etcd data of its own", []string{ping1, ping2}, true, "", nil},
		{"initialises when no peer answers", nil, false, "", pings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNode(t, RoleServer)
			n.install.JoinPeers = []string{"10.0.255.252", "10.0.255.251"}
			n.Set("peers-up", strings.Join(tt.peersUp, "\n")+"\n")
			if tt.etcdData {
				n.Must(os.MkdirAll(filepath.Join(n.Root, "var/lib/rancher/k3s/server/db/etcd"), 0o700))
			}
			res := n.mustRun()
			if tt.wantJoin == "" {
				n.AssertFile(ConfigPath, testConfig)
			} else {
				n.AssertFile(ConfigPath, joined(tt.wantJoin))
			}
			if got := slices.Sorted(slices.Values(res.Called("curl -ksf"))); !slices.Equal(got, tt.wantPings) {
				t.Errorf("pings = %q, want %q", got, tt.wantPings)
			}
			joining := strings.Contains(res.Stdout, "joining it instead")
			if tt.wantJoin != "" {
				res.Says(t, "control-plane member "+tt.wantJoin+" is up: joining it instead of initialising a new cluster")
			} else if joining {
				t.Errorf("says it joins, but initialises:\n%s", res.Stdout)
			}
		})
	}
}

func TestInstallRefusesMissingStdin(t *testing.T) {
	tests := []struct{ name, stdin, want string }{
		{"no input", "", "no k3s version on stdin"},
		{"empty lines", "\n\n", "no k3s version on stdin"},
		{"version only", testVersion + "\n", "no cluster token on stdin"},
		{"empty token line", testVersion + "\n\n", "no cluster token on stdin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNode(t, RoleServer)
			n.stdin = tt.stdin
			if res := n.mustFail(tt.want); len(res.Calls) != 0 {
				t.Errorf("ran %q before checking stdin", res.Calls)
			}
		})
	}
}

func TestInstallFailsWhenCloudInitFailed(t *testing.T) {
	n := newNode(t, RoleServer)
	n.Set("cloud-init-status", "1")
	res := n.mustFail("cloud-init failed; see /var/log/cloud-init-output.log")
	res.AssertCalls(t, "", "cloud-init status --wait")
	if n.Exists(TokenPath) {
		t.Error("wrote the token although cloud-init failed")
	}
}

func TestInstallContinuesWhenCloudInitDegraded(t *testing.T) {
	n := newNode(t, RoleServer)
	n.Set("cloud-init-status", "2")
	res := n.mustRun()
	res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=server")
}

func TestInstallFailsWithoutPrivateInterface(t *testing.T) {
	n := newNode(t, RoleAgent)
	n.Set("no-private-iface", "")
	res := n.mustFail("no interface has the private IP 10.0.255.253 after 120s; is the server attached to the network?")
	if got := len(res.Called("sleep 2")); got != 60 {
		t.Errorf("waited %d times for the interface, want 60", got)
	}
	assertNoInstall(t, res)
	if n.Exists(ConfigPath) {
		t.Error("wrote config.yaml without a private interface")
	}
}

func TestInstallFailsWhenDownloadFails(t *testing.T) {
	n := newNode(t, RoleServer)
	n.Set("offline", "")
	res := n.mustFail("could not download the k3s v1.33.5+k3s1 installer")
	res.AssertCalls(t, "installer ")
}

func TestInstallScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, Install{Role: RoleServer, NodeIP: testNodeIP, Config: testConfig, JoinPeers: []string{"10.0.255.252"}}.Script())
}

func forEachRole(t *testing.T, test func(t *testing.T, n *node)) {
	for _, role := range []Role{RoleServer, RoleAgent} {
		t.Run(string(role), func(t *testing.T) { test(t, newNode(t, role)) })
	}
}

func assertNoInstall(t *testing.T, res shelltest.Result) {
	t.Helper()
	res.AssertCalls(t, "curl ")
	res.AssertCalls(t, "installer ")
}

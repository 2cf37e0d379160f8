package k3s

import (
	"crypto/sha256"
	"fmt"
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
	res.AssertCalls(t, "k3s ", slices.Repeat([]string{n.readyz()}, 3)...)
	res.Says(t, "k3s v1.33.5+k3s1 is ready")
}

func TestInstallFreshAgent(t *testing.T) {
	n := newNode(t, RoleAgent)
	res := n.mustRun()
	checkFreshInstall(t, n, res)
	res.AssertCalls(t, "k3s ") // an agent does not wait for an API server
	res.AssertCalls(t, "systemctl ", "systemctl is-active --quiet k3s-agent")
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
	res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC="+string(n.install.Role)+" INSTALL_K3S_FORCE_RESTART=true")
	if n.Exists(restartPending) {
		t.Error("the restart marker outlived the install that applied it")
	}
	if left, _ := os.ReadDir(filepath.Join(n.Root, "tmp")); len(left) != 0 {
		t.Errorf("the downloaded installer was left behind: %v", left)
	}
	if !n.envDumped() {
		t.Error("the stubs and the installer dumped no environment: the token check would prove nothing")
	}
	if !strings.Contains(n.StateFile("env"), `INSTALL_K3S_SKIP_DOWNLOAD="false"`) {
		t.Error("with nothing downloaded at boot, the installer is told not to download k3s")
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

const restartPending = "/etc/rancher/k3s/.hcloud-k3s-restart-pending"

func TestInstallLeavesTheRestartToTheRollout(t *testing.T) {
	tests := []struct {
		name   string
		role   Role
		change func(n *node)
	}{
		{"server config", RoleServer, func(n *node) { n.install.Config = changedConfig }},
		{"agent config", RoleAgent, func(n *node) { n.install.Config = changedConfig }},
		{"cluster token", RoleServer, func(n *node) { n.stdin = InstallStdin(testToken+"-rotated", "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNode(t, tt.role)
			n.mustRun()
			tt.change(n)
			res := n.mustRun()
			res.AssertCalls(t, "timeout ") // every node's install runs at once: none restarts
			assertNoInstall(t, res)
			n.AssertFile(ConfigPath, n.install.Config)
			res.Says(t, "configuration changed: "+n.unit()+" restarts in the rollout, one node at a time")

			res = n.mustRollout()
			res.AssertCalls(t, "timeout ", "timeout 300 systemctl restart "+n.unit())
			res.Says(t, "configuration changed: restarting "+n.unit())
			if n.Exists(restartPending) {
				t.Error("the rollout restarted k3s but kept the restart marker")
			}
		})
	}
}

func TestRolloutWithNothingPendingOnlyWaitsUntilReady(t *testing.T) {
	n := newNode(t, RoleServer)
	n.mustRun()
	n.Set("readyz-calls", "0")
	n.Set("ready-after", "2") // just powered on again after a resize
	res := n.mustRollout()
	res.AssertCalls(t, "timeout ")
	res.AssertCalls(t, "k3s kubectl", slices.Repeat([]string{n.readyz()}, 2)...)
	res.Says(t, "rolling out configuration "+fmt.Sprintf("%.12x", sha256.Sum256([]byte(testConfig)))+" of k3s on this cx23 server")
	res.Says(t, "k3s v1.33.5+k3s1 is ready")
}

func TestRolloutSaysWhatFailed(t *testing.T) {
	tests := []struct {
		name, state, want string
	}{
		{"restart fails", "fail-restart", "k3s failed to restart (systemctl exit status 1); see journalctl -u k3s"},
		{"restart hangs", "hang-restart", "k3s did not restart within 300s; see journalctl -u k3s"},
		{"never ready", "ready-after", "the k3s API server did not answer /readyz within 300s; see journalctl -u k3s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNode(t, RoleServer)
			n.mustRun()
			n.install.Config = changedConfig
			n.mustRun()
			n.Set(tt.state, "999999")
			n.MustFail(n.install.RolloutScript(), "", tt.want)
			if !n.Exists(restartPending) {
				t.Fatal("a failed rollout dropped the pending restart")
			}
			n.Unset(tt.state)
			res := n.mustRollout() // the next up retries it
			res.AssertCalls(t, "timeout ", "timeout 300 systemctl restart k3s")
		})
	}
}

func TestInstallStartsStoppedUnit(t *testing.T) {
	forEachRole(t, func(t *testing.T, n *node) {
		n.mustRun()
		n.Unset("active-" + n.unit())
		res := n.mustRun()
		res.AssertCalls(t, "timeout ", "timeout 300 systemctl start "+n.unit())
		assertNoInstall(t, res)
		res.Says(t, n.unit()+" is not running: starting it")
	})
}

func TestInstallStartThatHangsFailsWithinItsBound(t *testing.T) {
	n := newNode(t, RoleAgent)
	n.mustRun()
	n.Unset("active-k3s-agent")
	n.Set("hang-start", "")
	n.mustFail("k3s-agent did not start within 300s; see journalctl -u k3s-agent")
}

func TestInstallNeverChangesTheVersionOfARunningNode(t *testing.T) {
	for _, pinned := range []string{"v1.34.1+k3s1", "v1.32.9+k3s1"} {
		t.Run(pinned, func(t *testing.T) {
			n := newNode(t, RoleServer)
			n.mustRun()
			n.install.Version = pinned
			res := n.mustRun()
			assertNoInstall(t, res)
			if got := strings.TrimSpace(n.StateFile("k3s-version")); got != testVersion {
				t.Errorf("k3s on the node = %s, want %s", got, testVersion)
			}
			res.Says(t, "k3s v1.33.5+k3s1 runs here; a running node changes version only through the upgrade Plans")
		})
	}
}

func TestInstallForcesTheRestartOfAReinstallWithAChangedConfig(t *testing.T) {
	n := newNode(t, RoleServer)
	n.mustRun()
	n.Set("k3s-version", "") // the stub k3s --version now fails
	res := n.mustRun()
	res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=server INSTALL_K3S_FORCE_RESTART=false")
	n.Set("k3s-version", "")
	n.install.Config = changedConfig
	res = n.mustRun()
	// The installer would find its binary unchanged and not restart k3s (k3s
	// install.sh at v1.33.5, lines 1120-1131): the new config.yaml needs the force.
	res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=server INSTALL_K3S_FORCE_RESTART=true")
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

func TestInstallRebuiltFirstControlPlaneKeepsItsJoinOnReRun(t *testing.T) {
	n := newNode(t, RoleServer)
	n.install.JoinPeers = []string{"10.0.255.252", "10.0.255.251"}
	n.Set("peers-up", "https://10.0.255.251:6443/ping\n")
	n.mustRun()
	joined := n.File(ConfigPath)
	n.Set("peers-up", "https://10.0.255.252:6443/ping\n") // another member answers now
	before := n.Files()
	res := n.mustRun()
	n.AssertFile(ConfigPath, joined) // no cluster-init put back, the same server
	res.AssertCalls(t, "curl ")      // a member does not look for peers again
	res.Says(t, "k3s v1.33.5+k3s1 is running with this configuration: nothing to do")
	shelltest.AssertUntouched(t, before, n.Files())
}

func TestInstallJoiningNodeTakesTheFirstPeerThatAnswers(t *testing.T) {
	const lb, cp1, cp2 = "10.0.255.254", "10.0.255.253", "10.0.255.252"
	withServer := func(peer string) string {
		return strings.TrimPrefix(testConfig, "cluster-init: true\n") + "server: https://" + peer + ":6443\n"
	}
	tests := []struct {
		name    string
		peers   []string
		peersUp []string
		want    string
		says    string
	}{
		{"the load balancer", []string{lb}, []string{lb}, lb, ""},
		{"any member when the first is down", []string{cp1, cp2}, []string{cp2}, cp2, ""},
		{"the first peer when none answers yet", []string{cp1, cp2}, nil, cp1,
			"no join peer answers yet: joining through 10.0.255.253; k3s retries until it answers"},
	}
	for _, tt := range tests {
		for _, role := range []Role{RoleServer, RoleAgent} {
			t.Run(tt.name+"/"+string(role), func(t *testing.T) {
				n := newNode(t, role)
				n.install.Config = strings.TrimPrefix(testConfig, "cluster-init: true\n")
				n.install.JoinPeers = tt.peers
				var up []string
				for _, p := range tt.peersUp {
					up = append(up, "https://"+p+":6443/ping")
				}
				n.SetLines("peers-up", up...)
				res := n.mustRun()
				n.AssertFile(ConfigPath, withServer(tt.want))
				if tt.says != "" {
					res.Says(t, tt.says)
				}
				n.SetLines("peers-up", "https://"+cp2+":6443/ping")
				n.mustRun()
				n.AssertFile(ConfigPath, withServer(tt.want)) // joined: keeps it
			})
		}
	}
}

func TestInstallRefusesMissingStdin(t *testing.T) {
	tests := []struct{ name, stdin, want string }{
		{"no input", "", "no cluster token on stdin"},
		{"empty line", "\n", "no cluster token on stdin"},
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
	res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=server INSTALL_K3S_FORCE_RESTART=true")
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
	in := Install{Role: RoleServer, NodeIP: testNodeIP, Version: testVersion, Config: testConfig, JoinPeers: []string{"10.0.255.252"}, ServerType: "cx23"}
	shelltest.Shellcheck(t, in.Script())
	shelltest.Shellcheck(t, in.RolloutScript())
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

// TestInstallPreparesTheNodeBeforeK3sStarts: what a node needs before k3s
// starts (a control-plane node's etcd snapshot settings) runs in the
// install's own session, before the installer, with its secret input from
// the install's stdin after the token; and again, in step, on every re-run.
func TestInstallPreparesTheNodeBeforeK3sStarts(t *testing.T) {
	const secret = "s3-secret-key-value"
	n := newNode(t, RoleServer)
	n.Secrets = append(n.Secrets, secret)
	n.Stub("prepare", `cat >"$HCLOUD_K3S_ROOT/prepared"`)
	n.install.BeforeStart = "#!/bin/bash\nprepare\n"
	n.stdin = InstallStdin(testToken, "etcd-s3-secret-key: '"+secret+"'\n")
	res := n.mustRun()
	prepare := slices.Index(res.Calls, "prepare ")
	installer := slices.IndexFunc(res.Calls, func(c string) bool { return strings.HasPrefix(c, "installer ") })
	if prepare < 0 || installer < 0 || prepare > installer {
		t.Errorf("calls %q: want the preparation before the installer", res.Calls)
	}
	n.AssertFile("/prepared", "etcd-s3-secret-key: '"+secret+"'")
	n.AssertFile(TokenPath, testToken+"\n")
	if again := n.mustRun(); !slices.Contains(again.Calls, "prepare ") {
		t.Error("a re-run does not bring the preparation in step")
	}

	n.Stub("prepare", `exit 3`)
	n.mustFail("preparing the node before k3s starts failed")
}

// TestInstallUsesTheReleaseDownloadedAtBoot: when cloud-init has downloaded
// the release the node installs (download.sh), the install downloads
// nothing: the installer uses the binary in place, and the download is
// removed once k3s runs. Another version, or none staged, downloads as
// before (checkFreshInstall).
func TestInstallUsesTheReleaseDownloadedAtBoot(t *testing.T) {
	forEachRole(t, func(t *testing.T, n *node) {
		installer, err := os.ReadFile(filepath.Join(n.State, "installer.sh"))
		n.Must(err)
		staged := filepath.Join(n.Root, DownloadDir, testVersion)
		n.Must(os.MkdirAll(staged, 0o755))
		n.Must(os.WriteFile(filepath.Join(staged, "install.sh"), installer, 0o755))
		n.Must(os.WriteFile(filepath.Join(staged, "k3s"), []byte("staged k3s\n"), 0o755))
		res := n.mustRun()
		res.AssertCalls(t, "curl ")
		res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC="+string(n.install.Role)+" INSTALL_K3S_FORCE_RESTART=true")
		if !strings.Contains(n.StateFile("env"), `INSTALL_K3S_SKIP_DOWNLOAD="true"`) {
			t.Error("the installer downloads the release again")
		}
		n.AssertFile("/usr/local/bin/k3s", "staged k3s\n")
		if info, err := os.Stat(filepath.Join(n.Root, "usr/local/bin/k3s")); err != nil || info.Mode().Perm() != 0o755 {
			t.Errorf("the installed binary: %v, want mode 755 as the installer leaves it", err)
		}
		if n.Exists(DownloadDir) {
			t.Error("the download is left on the node after the install")
		}
		res.Says(t, "k3s v1.33.5+k3s1 was downloaded while the server booted")
	})
}

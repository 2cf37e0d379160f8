package k3s

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The script tests run install.sh with bash against stub commands. Each stub
// logs one line per call to $state/calls and dumps its environment to
// $state/env (with the export builtin: forks are slow), and keeps what it must
// remember in files under $state.

const (
	testVersion = "v1.33.5+k3s1"
	testToken   = "K10c0ffee::server:s3cr3t-cluster-token"
	testNodeIP  = "10.0.255.253"
	testConfig  = "cluster-init: true\nnode-ip: 10.0.255.253\ntoken-file: /etc/rancher/k3s/token\n"
)

// commandStubs stand in for the commands on PATH, by name.
var commandStubs = map[string]string{
	"cloud-init": `exit "$(cat "$state/cloud-init-status" 2>/dev/null || echo 0)"`,
	"sleep":      `exit 0`,
	"ip": `echo '1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever'
echo '2: eth0    inet 203.0.113.10/32 metric 100 scope global dynamic eth0\       valid_lft 86000sec'
[ -f "$state/no-private-iface" ] ||
  echo '3: enp7s0    inet @NODE_IP@/32 brd @NODE_IP@ scope global dynamic enp7s0\       valid_lft 86000sec'`,
	"systemctl": `for unit; do :; done
case $1 in
  is-active) [ -f "$state/active-$unit" ] ;;
  start | restart) [ ! -f "$state/fail-$1" ] && touch "$state/active-$unit" ;;
  *) exit 1 ;;
esac`,
	// curl "downloads" the fake installer and answers /ping for the peers listed in $state/peers-up.
	"curl": `[ ! -f "$state/offline" ] || exit 6
out= url=
while [ $# -gt 0 ]; do
  case $1 in -o) out=$2; shift ;; https://*) url=$1 ;; esac
  shift
done
case $url in
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
// k3s binary and start its unit. The script runs it with sh.
const installerStub = `echo "$INSTALL_K3S_VERSION" >"$state/k3s-version"
cp "$state/k3s" @BIN@/k3s
unit=k3s-agent
[ "$INSTALL_K3S_EXEC" != server ] || unit=k3s
touch "$state/active-$unit"`

// node is a scratch node: a root for the script's files, stubs on PATH, and
// the install to run.
type node struct {
	t                     *testing.T
	dir, root, bin, state string
	install               Install
	stdin                 string
	placeholders          *strings.Replacer
}

// result is one run of the script.
type result struct {
	stdout, stderr string
	err            error
	calls          []string // the stubs' invocations during the run
}

// newNode makes a node for the test, and marks the test parallel: runs
// are slow (processes) but touch nothing outside their temp dir.
func newNode(t *testing.T, role Role) *node {
	t.Helper()
	t.Parallel()
	dir := t.TempDir()
	n := &node{
		t: t, dir: dir,
		root: filepath.Join(dir, "root"), bin: filepath.Join(dir, "bin"), state: filepath.Join(dir, "state"),
		install: Install{Role: role, NodeIP: testNodeIP, Config: testConfig},
		stdin:   Stdin(testVersion, testToken),
	}
	n.placeholders = strings.NewReplacer("@STATE@", shellQuote(n.state), "@BIN@", shellQuote(n.bin), "@NODE_IP@", testNodeIP)
	for _, d := range []string{n.root, n.bin, n.state} {
		n.must(os.MkdirAll(d, 0o755))
	}
	for name, body := range commandStubs {
		n.writeStub(filepath.Join(n.bin, name), name, `$*`, body)
	}
	n.writeStub(filepath.Join(n.state, "k3s"), "k3s", `$*`, k3sStub)
	n.writeStub(filepath.Join(n.state, "installer.sh"), "installer",
		`INSTALL_K3S_VERSION=$INSTALL_K3S_VERSION INSTALL_K3S_EXEC=$INSTALL_K3S_EXEC`, installerStub)
	return n
}

// writeStub writes an executable that logs "name logged" and its environment, then runs body.
func (n *node) writeStub(path, name, logged, body string) {
	script := "#!/bin/bash\nstate=@STATE@\n" +
		`printf '%s\n' "` + name + ` ` + logged + `" >>"$state/calls"` + "\n" +
		`{ echo "== ` + name + `"; export -p; } >>"$state/env"` + "\n" + body + "\n"
	n.must(os.WriteFile(path, []byte(n.placeholders.Replace(script)), 0o755))
}

// set writes a state file that a stub reads.
func (n *node) set(name, content string) {
	n.must(os.WriteFile(filepath.Join(n.state, name), []byte(content), 0o644))
}

// unset removes a state file.
func (n *node) unset(name string) {
	n.must(os.Remove(filepath.Join(n.state, name)))
}

// unit is the systemd unit of the node's role.
func (n *node) unit() string {
	if n.install.Role == RoleServer {
		return "k3s"
	}
	return "k3s-agent"
}

// run executes the script as Pulumi does: its text as the command, the
// version and token on stdin. It fails the test if the token leaks.
func (n *node) run() result {
	n.t.Helper()
	for _, f := range []string{"calls", "env"} {
		n.must(os.RemoveAll(filepath.Join(n.state, f)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", n.install.Script())
	cmd.Env = []string{"PATH=" + n.bin + ":/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + n.dir, "HCLOUD_K3S_ROOT=" + n.root}
	cmd.Stdin = strings.NewReader(n.stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String(), err: err, calls: lines(n.stateFile("calls"))}
	n.checkNoToken(res)
	return res
}

// mustRun runs the script and fails the test if it fails.
func (n *node) mustRun() result {
	n.t.Helper()
	res := n.run()
	if res.err != nil {
		n.t.Fatalf("install failed: %v\nstdout:\n%s\nstderr:\n%s", res.err, res.stdout, res.stderr)
	}
	return res
}

// mustFail runs the script, expecting it to fail with stderr saying want.
func (n *node) mustFail(want string) result {
	n.t.Helper()
	res := n.run()
	if res.err == nil {
		n.t.Fatalf("install succeeded, want failure %q\nstdout:\n%s", want, res.stdout)
	}
	if got := res.stderr; got != "hcloud-k3s: error: "+want+"\n" {
		n.t.Errorf("stderr = %q, want the error %q", got, want)
	}
	return res
}

func (n *node) checkNoToken(res result) {
	n.t.Helper()
	for name, text := range map[string]string{"stdout": res.stdout, "stderr": res.stderr,
		"stub arguments": n.stateFile("calls"), "stub environments": n.stateFile("env")} {
		if strings.Contains(text, testToken) {
			n.t.Errorf("the token appears in the %s:\n%s", name, text)
		}
	}
}

func (n *node) stateFile(name string) string {
	data, err := os.ReadFile(filepath.Join(n.state, name))
	if os.IsNotExist(err) {
		return ""
	}
	n.must(err)
	return string(data)
}

// file reads a file under the node's root, given by its path on a real node.
func (n *node) file(path string) string {
	n.t.Helper()
	data, err := os.ReadFile(filepath.Join(n.root, path))
	n.must(err)
	return string(data)
}

func (n *node) exists(path string) bool {
	_, err := os.Stat(filepath.Join(n.root, path))
	return err == nil
}

// files snapshots every file under the root, to tell whether a run touched any.
func (n *node) files() map[string]os.FileInfo {
	n.t.Helper()
	out := map[string]os.FileInfo{}
	n.must(filepath.Walk(n.root, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out[path] = info
		}
		return err
	}))
	return out
}

func (n *node) must(err error) {
	n.t.Helper()
	if err != nil {
		n.t.Fatal(err)
	}
}

// called lists the calls that start with prefix.
func (r result) called(prefix string) []string {
	var out []string
	for _, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (r result) says(t *testing.T, message string) {
	t.Helper()
	if !slices.Contains(lines(r.stdout), "hcloud-k3s: "+message) {
		t.Errorf("stdout lacks %q:\n%s", "hcloud-k3s: "+message, r.stdout)
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

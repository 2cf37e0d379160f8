package clusterops

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

// etcdLeftPoll is the drain's read of whether node has left etcd.
func etcdLeftPoll(node string) string {
	return "get node " + node + ` -o jsonpath={.metadata.annotations.etcd\.k3s\.cattle\.io/removed-node-name}`
}

// sshKey is the cluster's SSH private key in the drain tests.
const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n"

// sshStub reaches a node: it exits with $state/ssh-status (0 when unset) and
// notes whether it was given the cluster key.
const sshStub = `[ ! -f "$state/ssh-status" ] || exit "$(cat "$state/ssh-status")"
while [ $# -gt 0 ]; do
  case $1 in -i) printf '%s\n' "$(cat "$2")" | cmp -s - "$state/cluster-key" && touch "$state/key-given"; shift ;; esac
  shift
done`

// drainHost is a surviving control-plane node of a cluster with a second
// control-plane node and a worker.
func drainHost(t *testing.T) *shelltest.Host {
	h := newHost(t)
	h.SetLines("nodes", "dev-cp-1", "dev-cp-2", "dev-workers-1")
	h.Stub("ssh", sshStub)
	h.Set("cluster-key", sshKey)
	h.Secrets = []string{"c2VjcmV0LXNzaC1rZXk="}
	return h
}

// drain runs the drain of node at 10.0.0.9 as Pulumi does, the key on stdin.
func drain(h *shelltest.Host, node string, controlPlane bool) shelltest.Result {
	return h.Run(DrainScript(node, "10.0.0.9", controlPlane, 90*time.Second), sshKey)
}

func mustDrain(t *testing.T, h *shelltest.Host, node string, controlPlane bool) shelltest.Result {
	t.Helper()
	res := drain(h, node, controlPlane)
	if res.Err != nil {
		t.Fatalf("drain failed: %v\nstdout:\n%s\nstderr:\n%s", res.Err, res.Stdout, res.Stderr)
	}
	return res
}

// stopCall is the call that stops and disables k3s on the leaving node.
func stopCall(h *shelltest.Host, unit string) string {
	return "ssh -i " + h.Root + "/tmp/hcloud-k3s-key.XXXXXX -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no " +
		"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@10.0.0.9 systemctl disable --now " + unit
}

// calls are the run's calls with the key file's random name made fixed.
func calls(res shelltest.Result) []string {
	out := slices.Clone(res.Calls)
	for i, c := range out {
		if at := strings.Index(c, "/tmp/hcloud-k3s-key."); at >= 0 {
			out[i] = c[:at] + "/tmp/hcloud-k3s-key.XXXXXX" + c[at+len("/tmp/hcloud-k3s-key.XXXXXX"):]
		}
	}
	return out
}

func drainCalls(h *shelltest.Host, node string) (found, drain, remove string) {
	return kubectl(h, "get node", node, "--ignore-not-found -o name"),
		kubectl(h, "drain", node, "--ignore-daemonsets --delete-emptydir-data --force --timeout=90s"),
		kubectl(h, "delete node", node, "--ignore-not-found --wait=true --timeout=120s")
}

func assertNodes(t *testing.T, h *shelltest.Host, want ...string) {
	t.Helper()
	if got := nodesLeft(h); !slices.Equal(got, want) {
		t.Errorf("nodes left = %q, want %q", got, want)
	}
}

func TestDrainSkipsNodeThatIsGone(t *testing.T) {
	h := drainHost(t)
	res := mustDrain(t, h, "dev-workers-9", false)
	found, _, _ := drainCalls(h, "dev-workers-9")
	res.AssertCalls(t, "", found)
	res.Says(t, "node dev-workers-9 is not in the cluster: nothing to drain")
}

func TestDrainWorkerThenDeletesIt(t *testing.T) {
	tests := []struct {
		name, state string
		says        string
	}{
		{"drained", "", "draining dev-workers-1 (timeout 90s)"},
		{"drain times out", "drain-fails", "warning: dev-workers-1 did not drain within 90s; removing it anyway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := drainHost(t)
			if tt.state != "" {
				h.Set(tt.state, "")
			}
			res := mustDrain(t, h, "dev-workers-1", false)
			found, drain, remove := drainCalls(h, "dev-workers-1")
			// no etcd annotation for a worker
			if want := []string{found, drain, stopCall(h, "k3s-agent"), remove}; !slices.Equal(calls(res), want) {
				t.Errorf("calls =\n%s\nwant\n%s", strings.Join(calls(res), "\n"), strings.Join(want, "\n"))
			}
			res.Says(t, tt.says)
			res.Says(t, "node dev-workers-1 removed")
			assertNodes(t, h, "dev-cp-1", "dev-cp-2")
		})
	}
}

func TestDrainControlPlaneLeavesEtcdBeforeDeletion(t *testing.T) {
	h := drainHost(t)
	h.Set("leaves-etcd-after", "3")
	res := mustDrain(t, h, "dev-cp-2", true)
	found, drain, remove := drainCalls(h, "dev-cp-2")
	want := []string{found, drain, kubectl(h, "annotate --overwrite node dev-cp-2 etcd.k3s.cattle.io/remove=true")}
	want = append(want, repeat(2, kubectl(h, etcdLeftPoll("dev-cp-2")), "sleep 5")...)
	// k3s stops for good once the member is gone, and before the Node is.
	want = append(want, kubectl(h, etcdLeftPoll("dev-cp-2")), stopCall(h, "k3s"), remove)
	if !slices.Equal(calls(res), want) {
		t.Errorf("calls =\n%s\nwant\n%s", strings.Join(calls(res), "\n"), strings.Join(want, "\n"))
	}
	if !h.Exists("../state/key-given") {
		t.Error("ssh was not given the cluster key from stdin")
	}
	if left, _ := os.ReadDir(filepath.Join(h.Root, "tmp")); len(left) != 0 {
		t.Errorf("the key file was left behind: %v", left)
	}
	res.Says(t, "stopped and disabled k3s on dev-cp-2")
	res.Says(t, "dev-cp-2 left etcd")
	res.Says(t, "node dev-cp-2 removed")
	assertNodes(t, h, "dev-cp-1", "dev-workers-1")
}

func TestDrainKeepsControlPlaneThatNeverLeavesEtcd(t *testing.T) {
	h := drainHost(t)
	res := h.MustFail(DrainScript("dev-cp-2", "10.0.0.9", true, 90*time.Second), sshKey,
		"dev-cp-2 did not leave etcd within 300s; its server is kept. Check 'k3s etcd-snapshot ls' and the k3s log")
	if polls, sleeps := len(res.Called(kubectl(h, etcdLeftPoll("dev-cp-2")))), len(res.Called("sleep 5")); polls != 60 || sleeps != 60 {
		t.Errorf("polled %d times and slept %d times, want 60 of each (300s)", polls, sleeps)
	}
	res.AssertCalls(t, kubectl(h, "delete"))
	res.AssertCalls(t, "ssh ") // k3s keeps running on a member that is still one
	assertNodes(t, h, "dev-cp-1", "dev-cp-2", "dev-workers-1")
}

func TestDrainWhenTheLeavingNodeCannotBeStopped(t *testing.T) {
	tests := []struct {
		name, status string
		err          string // "" when the Node is deleted anyway
		says         string
	}{
		{"unreachable: its server is deleted next", "255", "",
			"warning: cannot reach dev-workers-1 at 10.0.0.9 over SSH to stop k3s-agent; its server is deleted next"},
		{"stop hangs", "124", "k3s-agent on dev-workers-1 did not stop within 120s; its server is kept", ""},
		{"stop fails", "1", "cannot stop k3s-agent on dev-workers-1 (exit status 1); its server is kept", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := drainHost(t)
			h.Set("ssh-status", tt.status)
			if tt.err != "" {
				h.MustFail(DrainScript("dev-workers-1", "10.0.0.9", false, 90*time.Second), sshKey, tt.err)
				assertNodes(t, h, "dev-cp-1", "dev-cp-2", "dev-workers-1")
				return
			}
			res := mustDrain(t, h, "dev-workers-1", false)
			res.Says(t, tt.says)
			assertNodes(t, h, "dev-cp-1", "dev-cp-2")
		})
	}
}

func TestDrainDoesNothingWhileTheClusterIsDestroyed(t *testing.T) {
	h := drainHost(t)
	create, destroy := TeardownScripts()
	h.MustRun(destroy, "")
	res := mustDrain(t, h, "dev-cp-2", true)
	if len(res.Calls) != 0 {
		t.Errorf("calls = %q, want none: the cluster is being destroyed", res.Calls)
	}
	res.Says(t, "the cluster is being destroyed: dev-cp-2 is not drained")
	assertNodes(t, h, "dev-cp-1", "dev-cp-2", "dev-workers-1")

	h.MustRun(create, "") // brought up again
	h.Set("leaves-etcd-after", "1")
	res = mustDrain(t, h, "dev-cp-2", true)
	res.Says(t, "node dev-cp-2 removed")
}

func TestDrainFailsWhenAPIDoesNotAnswer(t *testing.T) {
	h := drainHost(t)
	h.Set("api-down", "")
	res := drain(h, "dev-cp-2", true)
	want := "hcloud-k3s: error: cannot ask the Kubernetes API whether dev-cp-2 is in the cluster; its server is kept"
	if lines := shelltest.Lines(res.Stderr); res.Err == nil || len(lines) == 0 || lines[len(lines)-1] != want {
		t.Errorf("err %v, stderr:\n%s\nwant the last line %q", res.Err, res.Stderr, want)
	}
	if found, _, _ := drainCalls(h, "dev-cp-2"); !slices.Equal(res.Calls, []string{found}) {
		t.Errorf("calls = %q, want only the check", res.Calls)
	}
}

func TestDrainScriptPassesShellcheck(t *testing.T) {
	for _, controlPlane := range []bool{false, true} {
		shelltest.Shellcheck(t, DrainScript("dev-cp-2", "10.0.255.252", controlPlane, 5*time.Minute))
	}
	create, destroy := TeardownScripts()
	shelltest.Shellcheck(t, create)
	shelltest.Shellcheck(t, destroy)
}

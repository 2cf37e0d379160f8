package lifecycle

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

const etcdLeftPoll = `get node dev-cp-2 -o jsonpath={.metadata.annotations.etcd\.k3s\.cattle\.io/removed-node-name}`

// drainHost is a surviving control-plane node of a cluster with a second
// control-plane node and a worker.
func drainHost(t *testing.T) *shelltest.Host {
	h := newHost(t)
	h.SetLines("nodes", "dev-cp-1", "dev-cp-2", "dev-workers-1")
	return h
}

func drainCalls(h *shelltest.Host, node string) (found, drain, remove string) {
	return kubectl(h, "get node", node, "--ignore-not-found -o name"),
		kubectl(h, "drain", node, "--ignore-daemonsets --delete-emptydir-data --force --timeout=90s"),
		kubectl(h, "delete node", node, "--ignore-not-found --wait=true")
}

func assertNodes(t *testing.T, h *shelltest.Host, want ...string) {
	t.Helper()
	if got := nodesLeft(h); !slices.Equal(got, want) {
		t.Errorf("nodes left = %q, want %q", got, want)
	}
}

func TestDrainSkipsNodeThatIsGone(t *testing.T) {
	h := drainHost(t)
	res := h.MustRun(DrainScript("dev-workers-9", false, 90*time.Second), "")
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
			res := h.MustRun(DrainScript("dev-workers-1", false, 90*time.Second), "")
			found, drain, remove := drainCalls(h, "dev-workers-1")
			res.AssertCalls(t, "", found, drain, remove) // no etcd annotation for a worker
			res.Says(t, tt.says)
			res.Says(t, "node dev-workers-1 removed")
			assertNodes(t, h, "dev-cp-1", "dev-cp-2")
		})
	}
}

func TestDrainControlPlaneLeavesEtcdBeforeDeletion(t *testing.T) {
	h := drainHost(t)
	h.Set("leaves-etcd-after", "3")
	res := h.MustRun(DrainScript("dev-cp-2", true, 90*time.Second), "")
	found, drain, remove := drainCalls(h, "dev-cp-2")
	want := []string{found, drain, kubectl(h, "annotate --overwrite node dev-cp-2 etcd.k3s.cattle.io/remove=true")}
	want = append(want, repeat(2, kubectl(h, etcdLeftPoll), "sleep 5")...)
	want = append(want, kubectl(h, etcdLeftPoll), remove)
	if !slices.Equal(res.Calls, want) {
		t.Errorf("calls =\n%s\nwant\n%s", strings.Join(res.Calls, "\n"), strings.Join(want, "\n"))
	}
	res.Says(t, "dev-cp-2 left etcd")
	res.Says(t, "node dev-cp-2 removed")
	assertNodes(t, h, "dev-cp-1", "dev-workers-1")
}

func TestDrainKeepsControlPlaneThatNeverLeavesEtcd(t *testing.T) {
	h := drainHost(t)
	res := h.MustFail(DrainScript("dev-cp-2", true, 90*time.Second), "",
		"dev-cp-2 did not leave etcd within 300s; its server is kept. Check 'k3s etcd-snapshot ls' and the k3s log")
	if polls, sleeps := len(res.Called(kubectl(h, etcdLeftPoll))), len(res.Called("sleep 5")); polls != 60 || sleeps != 60 {
		t.Errorf("polled %d times and slept %d times, want 60 of each (300s)", polls, sleeps)
	}
	res.AssertCalls(t, kubectl(h, "delete"))
	assertNodes(t, h, "dev-cp-1", "dev-cp-2", "dev-workers-1")
}

func TestDrainFailsWhenAPIDoesNotAnswer(t *testing.T) {
	h := drainHost(t)
	h.Set("api-down", "")
	res := h.Run(DrainScript("dev-cp-2", true, 90*time.Second), "")
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
		shelltest.Shellcheck(t, DrainScript("dev-cp-2", controlPlane, 5*time.Minute))
	}
}

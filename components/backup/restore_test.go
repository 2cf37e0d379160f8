package backup

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
)

func TestRestoreResetsTheClusterFromS3(t *testing.T) {
	h := newNode(t)
	res := h.MustRun(withArgs(RestoreTool(testS3), "old-snapshot"), "")
	if got, want := actions(res), []string{"systemctl stop k3s",
		"k3s server --cluster-reset --cluster-reset-restore-path=old-snapshot", "systemctl start k3s"}; !slices.Equal(got, want) {
		t.Errorf("actions = %q, want %q", got, want)
	}
	res.Says(t, "restored old-snapshot; run hcloud-k3s-etcd-rejoin on each other control-plane node, one at a time")
	if !h.Exists("/var/log/hcloud-k3s-etcd-restore.log") {
		t.Error("the reset's output is not kept")
	}
}

// actions are the calls that change the node, in order: systemctl and k3s server.
func actions(res shelltest.Result) []string {
	var out []string
	for _, c := range res.Calls {
		if strings.HasPrefix(c, "systemctl ") || strings.HasPrefix(c, "k3s server ") {
			out = append(out, c)
		}
	}
	return out
}

func TestRestoreCheckChangesNothing(t *testing.T) {
	h := newNode(t)
	before := h.Files()
	res := h.MustRun(withArgs(RestoreTool(testS3), "old-snapshot", "--check"), "")
	res.Says(t, "snapshot old-snapshot in s3://backups/prod can be restored")
	if got := actions(res); len(got) != 0 {
		t.Errorf("a check acted: %q", got)
	}
	shelltest.AssertUntouched(t, before, h.Files())
}

func TestRestoreFailuresChangeNothing(t *testing.T) {
	type failure struct {
		name  string
		setup func(h *shelltest.Host)
		args  []string
		error string
	}
	cases := []failure{
		{"snapshot missing", func(*shelltest.Host) {}, []string{"new-snapshot"},
			"snapshot new-snapshot is not in s3://backups/prod: k3s etcd-snapshot ls lists them; nothing was changed"},
		{"no snapshot named", func(*shelltest.Host) {}, nil,
			"name the snapshot to restore: hcloud-k3s-etcd-restore NAME (k3s etcd-snapshot ls lists them); nothing was changed"},
	}
	for _, f := range s3Failures {
		cases = append(cases, failure{f.name, f.setup, []string{"old-snapshot"}, f.error + "; nothing was changed"})
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			h := newNode(t)
			tt.setup(h)
			before := h.Files()
			res := h.MustFail(withArgs(RestoreTool(testS3), tt.args...), "", tt.error)
			if got := actions(res); len(got) != 0 {
				t.Errorf("a failed restore acted: %q", got)
			}
			shelltest.AssertUntouched(t, before, h.Files())
		})
	}
}

func TestRestoreThatK3sRefusesSaysWhere(t *testing.T) {
	h := newNode(t)
	h.Set("reset-fails", "")
	h.MustFail(withArgs(RestoreTool(testS3), "old-snapshot"), "",
		"k3s could not restore old-snapshot: see /var/log/hcloud-k3s-etcd-restore.log; k3s is stopped and its previous database is under /var/lib/rancher/k3s/server/db/etcd-old-*")
}

const firstServer = "https://10.0.255.253:6443"

// joiningNode is a control-plane member that joins the first node and has an etcd database.
func joiningNode(t *testing.T) *shelltest.Host {
	h := newNode(t)
	writeFile(h, "/etc/rancher/k3s/config.yaml", "node-name: prod-cp-2\nserver: "+firstServer+"\n")
	writeFile(h, "/var/lib/rancher/k3s/server/db/etcd/member/snap/db", "old members")
	h.SetLines("ping", firstServer+"/ping")
	return h
}

func TestRejoinMovesTheOldDatabaseAsideAndJoins(t *testing.T) {
	h := joiningNode(t)
	res := h.MustRun(RejoinTool(testS3), "")
	res.AssertCalls(t, "systemctl", "systemctl stop k3s", "systemctl start k3s")
	res.Says(t, "starting k3s: joining "+firstServer)
	res.Says(t, "this member joined the restored cluster")
	if h.Exists("/var/lib/rancher/k3s/server/db") {
		t.Error("the old database is still in place")
	}
	aside, err := filepath.Glob(filepath.Join(h.Root, "/var/lib/rancher/k3s/server/db.before-restore-*/etcd/member/snap/db"))
	if err != nil || len(aside) != 1 {
		t.Errorf("old database kept aside: %v %v", aside, err)
	}
}

func TestRejoinRefusesAndChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *shelltest.Host)
		error string
	}{
		{"on the first control-plane node", func(h *shelltest.Host) {
			writeFile(h, "/etc/rancher/k3s/config.yaml", "cluster-init: true\n")
		}, "/etc/rancher/k3s/config.yaml names no server to join: this is the first control-plane node, where hcloud-k3s-etcd-restore runs; nothing was changed"},
		{"before the first node is restored", func(h *shelltest.Host) { h.SetLines("ping") },
			"the first control-plane node does not answer at " + firstServer + ": restore it first with hcloud-k3s-etcd-restore; nothing was changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := joiningNode(t)
			tt.setup(h)
			before := h.Files()
			res := h.MustFail(RejoinTool(testS3), "", tt.error)
			res.AssertCalls(t, "systemctl")
			shelltest.AssertUntouched(t, before, h.Files())
		})
	}
}

func TestRestoreAndRejoinWaitForTheAPIServerWithinABound(t *testing.T) {
	tests := []struct {
		name   string
		node   func(t *testing.T) *shelltest.Host
		script string
	}{
		{"restore", newNode, withArgs(RestoreTool(testS3), "old-snapshot")},
		{"rejoin", joiningNode, RejoinTool(testS3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.node(t)
			readyz := "k3s kubectl --kubeconfig " + h.Root + k3s.KubeconfigPath + " get --raw=/readyz"
			res := h.MustRun(tt.script, "")
			res.AssertCalls(t, "k3s kubectl", readyz)

			h.Set("api-down", "")
			res = h.MustFail(tt.script, "", "the k3s API server did not answer /readyz within 300s; see journalctl -u k3s")
			if polls, sleeps := len(res.Called(readyz)), len(res.Called("sleep 2")); polls != 150 || sleeps != 149 {
				t.Errorf("asked /readyz %d times and slept %d times, want 150 and 149 (300s)", polls, sleeps)
			}
		})
	}
}

func TestRestoreToolsPassShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, RestoreTool(testS3))
	shelltest.Shellcheck(t, RejoinTool(testS3))
}

package clusterops

import (
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

func TestServerVersionIsTheOldestTheControlPlaneRuns(t *testing.T) {
	tests := []struct {
		name, running, want string
	}{
		{"upgrade under way", "v1.34.1+k3s1\nv1.33.5+k3s1\nv1.34.1+k3s1\n", "v1.33.5+k3s1"},
		{"upgraded", "v1.34.1+k3s1\nv1.34.1+k3s1\n", "v1.34.1+k3s1"},
		{"a release candidate first", "v1.34.1+k3s1\nv1.34.1-rc1+k3s1\n", "v1.34.1-rc1+k3s1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shelltest.New(t)
			h.Set("versions", tt.running)
			h.Stub("k3s", `cat "$state/versions"`)
			res := h.MustRun(ServerVersionScript([]string{"dev-cp-1", "dev-workers-4"}), "")
			if res.Stdout != tt.want+"\n" {
				t.Errorf("stdout = %q, want only %q", res.Stdout, tt.want)
			}
			res.AssertCalls(t, "k3s ", "k3s kubectl --kubeconfig "+h.Root+"/etc/rancher/k3s/k3s.yaml get nodes -l node-role.kubernetes.io/control-plane=true "+
				`-o jsonpath={range .items[*]}{.status.nodeInfo.kubeletVersion}{"\n"}{end}`)
		})
	}
}

func TestServerVersionIsNothingWithoutTheAPI(t *testing.T) {
	h := shelltest.New(t)
	h.Stub("k3s", "exit 1")
	res := h.MustRun(ServerVersionScript(nil), "")
	if res.Stdout != "\n" {
		t.Errorf("stdout = %q, want nothing (new nodes install the pinned version)", res.Stdout)
	}
	if !strings.Contains(res.Stderr, "warning: cannot read the k3s versions of the control-plane nodes; new nodes install the pinned one") {
		t.Errorf("stderr lacks the warning:\n%s", res.Stderr)
	}
}

func TestServerVersionScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, ServerVersionScript([]string{"a"}))
}

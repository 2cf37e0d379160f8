package backup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
)

// freshNode is a control-plane node that has not been set up for S3.
func freshNode(t *testing.T) *shelltest.Host {
	h := shelltest.New(t)
	h.Secrets = []string{testSecretKey}
	return h
}

func TestSetupWritesTheSecretRootOnlyAndTheTools(t *testing.T) {
	h := freshNode(t)
	dropIn := k3s.S3SecretDropIn(testSecretKey)
	res := h.MustRun(SetupScript(&testS3), dropIn)
	h.AssertFile(k3s.S3SecretDropInPath, dropIn)
	h.AssertFile(ToolDir+"/hcloud-k3s-etcd-restore", RestoreTool(testS3))
	h.AssertFile(ToolDir+"/hcloud-k3s-etcd-rejoin", RejoinTool(testS3))
	modes := map[string]os.FileMode{k3s.S3SecretDropInPath: 0o600, ToolDir + "/hcloud-k3s-etcd-restore": 0o700, ToolDir + "/hcloud-k3s-etcd-rejoin": 0o700}
	for path, want := range modes {
		info, err := os.Stat(filepath.Join(h.Root, path))
		h.Must(err)
		if info.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", path, info.Mode().Perm(), want)
		}
	}
	res.Says(t, "wrote "+k3s.S3SecretDropInPath)

	before := h.Files()
	again := h.MustRun(SetupScript(&testS3), dropIn)
	shelltest.AssertUntouched(t, before, h.Files())
	if len(again.Stdout) != 0 {
		t.Errorf("an unchanged setup says %q", again.Stdout)
	}
}

func TestSetupWantsTheSecretOnStdin(t *testing.T) {
	h := freshNode(t)
	h.MustFail(SetupScript(&testS3), "", "no S3 secret drop-in on stdin")
	if h.Exists(k3s.S3SecretDropInPath) {
		t.Error("an empty drop-in was written")
	}
}

func TestSetupWithoutS3RemovesTheSecretAndTools(t *testing.T) {
	h := freshNode(t)
	h.MustRun(SetupScript(&testS3), k3s.S3SecretDropIn(testSecretKey))
	res := h.MustRun(SetupScript(nil), "")
	for _, path := range []string{k3s.S3SecretDropInPath, ToolDir + "/hcloud-k3s-etcd-restore", ToolDir + "/hcloud-k3s-etcd-rejoin"} {
		if h.Exists(path) {
			t.Errorf("%s is left behind", path)
		}
		res.Says(t, "removed "+path)
	}
	before := h.Files()
	if again := h.MustRun(SetupScript(nil), ""); again.Stdout != "" {
		t.Errorf("a node without S3 settings says %q", again.Stdout)
	}
	shelltest.AssertUntouched(t, before, h.Files())
}

func TestSetupScriptsPassShellcheck(t *testing.T) {
	// The tools, quoted as parameters, are linted on their own (SC2016: $ in single quotes).
	shelltest.Shellcheck(t, SetupScript(&testS3), "SC2016")
	shelltest.Shellcheck(t, SetupScript(nil))
}

package backup

import (
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

func snapshotScript() string {
	return SnapshotScript(testS3, "pre-change", "a k3s upgrade, a control-plane scale or a control-plane server-type change")
}

func TestSnapshotBeforeChangeReachesS3(t *testing.T) {
	h := newNode(t)
	res := h.MustRun(snapshotScript(), "")
	res.AssertCalls(t, "k3s", "k3s etcd-snapshot save --name pre-change")
	res.Says(t, "taking an etcd snapshot before a k3s upgrade, a control-plane scale or a control-plane server-type change")
	res.Says(t, "snapshot "+savedSnapshot+" is in s3://backups/prod")
}

func TestSnapshotBeforeChangeStopsTheChange(t *testing.T) {
	for _, f := range s3Failures {
		t.Run(f.name, func(t *testing.T) {
			h := newNode(t)
			f.setup(h)
			res := h.MustFail(snapshotScript(), "", f.error+"; the change does not go ahead")
			res.AssertCalls(t, "k3s")
		})
	}
	tests := []struct {
		name  string
		setup func(h *shelltest.Host)
		error string
	}{
		{"upload failed, which k3s only logs", func(h *shelltest.Host) { h.Set("upload-fails", "") },
			"snapshot " + savedSnapshot + " was saved on this node but is not in s3://backups/prod: see journalctl -u k3s; the change does not go ahead"},
		{"save failed", func(h *shelltest.Host) { h.Set("save-fails", "") },
			`k3s etcd-snapshot save failed: time="2026-12-01T00:00:00Z" level=fatal msg="see server log for details: snapshot save already in progress"; the change does not go ahead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newNode(t)
			tt.setup(h)
			h.MustFail(snapshotScript(), "", tt.error)
		})
	}
}

func TestSnapshotScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, snapshotScript())
}

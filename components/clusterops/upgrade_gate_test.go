package clusterops

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

// gateHost is a control-plane node running k3s at version.
func gateHost(t *testing.T, version string) *shelltest.Host {
	h := newHost(t)
	h.Set("version", version)
	return h
}

func TestUpgradeGateAllowsSameVersion(t *testing.T) {
	h := gateHost(t, "v1.33.5+k3s1")
	res := h.MustRun(UpgradeGateScript("v1.33.5+k3s1"), "")
	res.AssertCalls(t, "k3s --version", "k3s --version")
	res.Says(t, "k3s v1.33.5+k3s1 is the pinned version")
}

// Under an upgrade the control plane runs two versions (the Plans upgrade
// it one node at a time), whichever the gate's node runs: the newest must
// not go back, and the oldest must not skip a minor.
func TestUpgradeGateJudgesEveryControlPlaneNode(t *testing.T) {
	t.Run("the oldest does not skip a minor", func(t *testing.T) {
		h := gateHost(t, "v1.34.1+k3s1")
		h.Set("control-plane-versions", "v1.34.1+k3s1\nv1.33.5+k3s1\nv1.34.1+k3s1\n")
		h.MustFail(UpgradeGateScript("v1.35.0+k3s1"), "", "refusing to upgrade k3s from v1.33.5+k3s1 to v1.35.0+k3s1: upgrade one minor release at a time")
		h.MustRun(UpgradeGateScript("v1.34.1+k3s1"), "").Says(t, "upgrade from v1.33.5+k3s1 to v1.34.1+k3s1 allowed")
	})
	t.Run("the newest does not go back", func(t *testing.T) {
		h := gateHost(t, "v1.33.5+k3s1")
		h.Set("control-plane-versions", "v1.33.5+k3s1\nv1.34.1+k3s1\n")
		h.MustFail(UpgradeGateScript("v1.34.0+k3s1"), "", "refusing to downgrade k3s from v1.34.1+k3s1 to v1.34.0+k3s1: set k3sVersion to v1.34.1+k3s1 or newer")
	})
}

// gateCase is a version change, and the gate's refusal ("" when allowed).
type gateCase struct{ name, running, desired, refusal string }

func allowed(name, running, desired string) gateCase { return gateCase{name, running, desired, ""} }

func downgrade(name, running, desired string) gateCase {
	return gateCase{name, running, desired,
		"refusing to downgrade k3s from " + running + " to " + desired + ": set k3sVersion to " + running + " or newer"}
}

func skipped(name, running, desired string) gateCase {
	return gateCase{name, running, desired,
		"refusing to upgrade k3s from " + running + " to " + desired + ": upgrade one minor release at a time"}
}

func TestUpgradeGateAllowsUpgradeOfAtMostOneMinor(t *testing.T) {
	runGate(t,
		allowed("patch", "v1.33.5+k3s1", "v1.33.6+k3s1"),
		allowed("k3s build", "v1.33.5+k3s2", "v1.33.5+k3s10"),
		allowed("next minor", "v1.33.5+k3s1", "v1.34.1+k3s1"),
		allowed("next minor from a later patch", "v1.33.9+k3s1", "v1.34.0+k3s1"),
		allowed("release candidate to its release", "v1.34.0-rc1+k3s1", "v1.34.0+k3s1"),
		allowed("later release candidate", "v1.34.0-rc1+k3s1", "v1.34.0-rc2+k3s1"),
		allowed("next minor's release candidate", "v1.33.5+k3s1", "v1.34.0-rc1+k3s1"))
}

func TestUpgradeGateRefusesDowngrade(t *testing.T) {
	runGate(t,
		downgrade("patch", "v1.33.6+k3s1", "v1.33.5+k3s1"),
		downgrade("minor", "v1.34.1+k3s1", "v1.33.5+k3s1"),
		downgrade("k3s build", "v1.33.5+k3s10", "v1.33.5+k3s2"),
		downgrade("release to its release candidate", "v1.34.0+k3s1", "v1.34.0-rc1+k3s1"),
		downgrade("earlier release candidate", "v1.34.0-rc2+k3s1", "v1.34.0-rc1+k3s1"),
		downgrade("two minors back", "v1.35.0+k3s1", "v1.33.5+k3s1"))
}

func TestUpgradeGateRefusesSkippedMinor(t *testing.T) {
	runGate(t,
		skipped("two minors", "v1.32.9+k3s1", "v1.34.1+k3s1"),
		skipped("two minors to a release candidate", "v1.32.9+k3s1", "v1.34.0-rc1+k3s1"),
		skipped("next major", "v1.33.5+k3s1", "v2.0.0+k3s1"))
}

func runGate(t *testing.T, cases ...gateCase) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			h := gateHost(t, tt.running)
			if tt.refusal != "" {
				h.MustFail(UpgradeGateScript(tt.desired), "", tt.refusal)
				return
			}
			res := h.MustRun(UpgradeGateScript(tt.desired), "")
			res.Says(t, "upgrade from "+tt.running+" to "+tt.desired+" allowed")
		})
	}
}

func TestUpgradeGateFailsWithoutRunningVersion(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *shelltest.Host)
	}{
		{"version fails", func(h *shelltest.Host) { h.Set("version", "") }},
		{"version is no release", func(h *shelltest.Host) { h.Set("version", "unknown") }},
		{"k3s missing", func(h *shelltest.Host) { h.Must(os.Remove(filepath.Join(h.Bin, "k3s"))) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t)
			tt.setup(h)
			h.MustFail(UpgradeGateScript("v1.33.5+k3s1"), "",
				"cannot read the running k3s version: 'k3s --version' printed no release")
		})
	}
}

func TestUpgradeGateScriptPassesShellcheck(t *testing.T) {
	// The gate needs no files, so the prelude's root is unused (SC2034).
	shelltest.Shellcheck(t, UpgradeGateScript("v1.33.5+k3s1"), "SC2034")
}

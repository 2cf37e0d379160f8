package enginetest

// Day-two scenarios: resizes, a rebuilt first server, a shared SSH key.

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
)

// Scenario 7: a new serverType for the control plane resizes each server
// in place (power off, change type, power on), one server at a time so
// that etcd keeps its quorum, and replaces nothing.
func TestControlPlaneServerTypeResizesOneAtATime(t *testing.T) {
	w := newWorld()
	w.scale = time.Millisecond
	s := newStack(w, "prod", nil)
	s.Up(t).Check(t)
	s.Set("controlPlane", map[string]any{"count": 3, "serverType": "cx43", "locations": []any{"fsn1", "nbg1", "hel1"}})
	r := s.Up(t)
	expectKeptOrRefused(t, r, "controlPlane.serverType")
	var resizes []operation
	for _, op := range r.Operations {
		if op.Kind == "resize" {
			resizes = append(resizes, op)
		}
	}
	r.Expect(t, len(resizes) == 3, "%d servers resized, want 3", len(resizes))
	slices.SortFunc(resizes, func(a, b operation) int { return cmp.Compare(a.Start, b.Start) })
	for i := 1; i < len(resizes); i++ {
		r.Expect(t, resizes[i-1].End <= resizes[i].Start, "%s was powered off (at %v) while %s was (until %v)",
			resizes[i].URN.Name(), resizes[i].Start, resizes[i-1].URN.Name(), resizes[i-1].End)
	}
}

// Scenario 8: the first control-plane server is deleted outside Pulumi;
// refresh and up build a new one, which joins the survivors instead of
// initialising a new cluster, and nothing else is replaced. The first node
// has no drain (drains run on it), so its stale Node and etcd member are
// removed by hand first, as the README's "Replace the first control-plane
// server" says; a drain from a surviving member is not built yet.
func TestFirstControlPlaneServerRebuilt(t *testing.T) {
	w := newWorld()
	s := newStack(w, "prod", nil)
	s.Up(t).Check(t)
	if !w.cloud.deleteServer("prod-cp-1") {
		t.Fatal("prod-cp-1 not found")
	}
	s.Refresh(t).Check(t)
	r := s.Up(t).Check(t)

	install := slices.IndexFunc(r.Operations, func(op operation) bool { return op.URN.Name() == "cp-1-install" })
	r.Expect(t, install >= 0, "nothing was installed on the new cp-1")
	if install < 0 {
		return
	}
	r.Expect(t, r.Operations[install].Node == "prod-cp-1", "cp-1's install ran on %s", r.Operations[install].Node)
	// It looks for survivors among every address a member may have, so the
	// list does not depend on the control plane's size, and initialises
	// only when none answers.
	const peers = "\njoin_peers='10.0.255.252 10.0.255.251 10.0.255.250 10.0.255.249'"
	r.Expect(t, strings.Contains(r.Operations[install].Script, peers), "the new cp-1 does not look for every possible member")
	r.Expect(t, strings.Contains(r.Operations[install].Script, "cluster-init: true"), "the new cp-1 could not initialise when no member answers")
	fetched := slices.ContainsFunc(r.Steps, func(s Step) bool { return s.Name() == "kubeconfig" && s.Op != deploy.OpSame })
	r.Expect(t, fetched, "the kubeconfig was not fetched again from the new server")
	for _, step := range r.Of(string(serverType), del, replace, deploy.OpCreateReplacement) {
		r.Expect(t, step.Name() == "cp-1", "another server was replaced: %s", step.URN)
	}
}

// Scenario 10, with the operator's own SSH key in both stacks. Hetzner
// refuses a second SSH key with the same fingerprint, which the simulated
// project models: the program gives servers the key through cloud-init
// instead, and this fails again if a stack ever uploads it as a Hetzner key.
func TestTwoStacksShareOneSSHKey(t *testing.T) {
	private, _ := newKeyPair()
	ssh := map[string]any{"privateKey": private}
	w := newWorld()
	w.keepSecret(private)
	dev, prod := newStack(w, "dev", map[string]any{"ssh": ssh}), newStack(w, "prod", map[string]any{"ssh": ssh})
	dev.Up(t).Check(t)
	prod.Up(t).Check(t)
	dev.Destroy(t).Check(t)
	prod.Destroy(t).Check(t)
	if n := w.cloud.count(); n != 0 {
		t.Errorf("the project still holds %d resources", n)
	}
}

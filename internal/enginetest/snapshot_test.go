package enginetest

// The on-demand etcd snapshot comes before every change that takes a
// control-plane node down.

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// withS3 is an etcdSnapshots config that copies snapshots to S3.
func withS3() map[string]any {
	return map[string]any{"etcdSnapshots": map[string]any{
		"s3": map[string]any{"bucket": "backups", "accessKey": "AKIAEXAMPLE", "secretKey": "s3-secret-key-for-tests"},
	}}
}

// A control-plane server-type change resizes the servers one at a time,
// powered off; the snapshot runs, on the first node, before the first of
// them powers off, and the servers are still resized in place.
func TestSnapshotBeforeTheFirstControlPlaneServerPowersOff(t *testing.T) {
	w := newWorld()
	w.scale = time.Millisecond
	w.keepSecret("s3-secret-key-for-tests")
	s := newStack(w, "prod", withS3())
	s.Up(t).Check(t)
	s.Set("controlPlane", map[string]any{"count": 3, "serverType": "cx43", "locations": []any{"fsn1", "nbg1", "hel1"}})
	r := s.Up(t).Check(t)
	expectKeptOrRefused(t, r, "controlPlane.serverType")

	snapshot := slices.IndexFunc(r.Operations, func(op operation) bool { return op.URN.Name() == "etcd-snapshot" && op.Kind != "delete" })
	r.Expect(t, snapshot >= 0, "no snapshot was taken")
	var resizes []operation
	for _, op := range r.Operations {
		if op.Kind == "resize" {
			resizes = append(resizes, op)
		}
	}
	r.Expect(t, len(resizes) == 3, "%d servers resized, want 3", len(resizes))
	if snapshot < 0 || len(resizes) == 0 {
		return
	}
	first := slices.MinFunc(resizes, func(a, b operation) int { return cmp.Compare(a.Start, b.Start) })
	taken := r.Operations[snapshot]
	r.Expect(t, taken.Node == "prod-cp-1", "the snapshot was taken on %s", taken.Node)
	r.Expect(t, taken.End <= first.Start, "%s powered off (at %v) before the snapshot ended (at %v)", first.URN.Name(), first.Start, taken.End)

	again := s.Up(t).Check(t) // the snapshot is wired as usual again, with the same inputs
	again.Expect(t, len(again.Steps) == 0, "the next up took %d steps", len(again.Steps))
}

// A stack made when a control-plane node's snapshot settings were a step of
// their own (cp-N-etcd-s3, before its install) moves in one up: the step
// is deleted, which runs nothing on the node (it had no delete command),
// and each control-plane install is updated to write the settings itself,
// the only command that runs; the next up changes nothing.
func TestSnapshotSettingsMoveIntoTheInstall(t *testing.T) {
	w := newWorld()
	w.keepSecret("s3-secret-key-for-tests")
	s := newStack(w, "dev", withS3())
	s.Up(t).Check(t)
	withSetupStep(t, s, "cp-1")

	want := []string{"delete cp-1-etcd-s3", "update cp-1-install"}
	if got := Names(s.Preview(t).Check(t).Steps); !slices.Equal(got, want) {
		t.Errorf("preview steps %v, want %v", got, want)
	}
	r := s.Up(t).Check(t)
	if got := Names(r.Steps); !slices.Equal(got, want) {
		t.Errorf("steps %v, want %v\n%s", got, want, r.Plan())
	}
	ran := r.Ran()
	r.Expect(t, slices.Equal(ran, []string{"update cp-1-install@dev-cp-1"}), "commands ran: %v, want only the install", ran)
	second := s.Up(t).Check(t)
	second.Expect(t, len(second.Steps) == 0, "the next up took %d steps", len(second.Steps))
}

// withSetupStep rewrites node's state as the previous program left it: an
// install without the snapshot settings, and the settings as a step of
// their own that the install depends on.
func withSetupStep(t *testing.T, s *Stack, node string) {
	t.Helper()
	var resources []*pkgresource.State
	for _, r := range s.snapshot.Resources {
		if r.URN.Name() == node+"-install" {
			setup := r.Copy()
			setup.URN = resource.URN(strings.TrimSuffix(string(r.URN), node+"-install") + node + "-etcd-s3")
			setup.ID = resource.ID(string(r.ID) + "-setup")
			// The parameter is the last before the script's body, which
			// begins with unit.sh's first line.
			script := r.Inputs["create"].StringValue()
			start := strings.Index(script, "\nbefore_start='")
			end := strings.Index(script, "'\n# What the install and the rollout of a node share.")
			if start < 0 || end < start || !strings.HasPrefix(script[start+len("\nbefore_start='"):], "#!/bin/bash\n") {
				t.Fatalf("%s has no setup to move out", r.URN.Name())
			}
			setup.Inputs = setup.Inputs.Copy()
			setup.Inputs["create"] = resource.NewProperty(script[start+len("\nbefore_start='") : end])
			setup.Outputs = setup.Inputs.Copy()
			r.Inputs["create"] = resource.NewProperty(script[:start] + script[end+1:])
			r.Outputs["create"] = r.Inputs["create"]
			r.Dependencies = append(r.Dependencies, setup.URN)
			resources = append(resources, setup)
		}
		resources = append(resources, r)
	}
	s.snapshot.Resources = resources
	if err := s.snapshot.VerifyIntegrity(); err != nil {
		t.Fatal(err)
	}
}

package enginetest

// The on-demand etcd snapshot comes before every change that takes a
// control-plane node down.

import (
	"cmp"
	"slices"
	"testing"
	"time"
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

package node

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestQueueLetsAtOnceNodesDown: with room for two, each running node's
// rollout waits for the one two places before it among running nodes, a
// resized server waits likewise among resized ones (and for what every
// resize waits for), and a new node waits for nothing nor holds anyone up.
func TestQueueLetsAtOnceNodesDown(t *testing.T) {
	q := NewQueue(2)
	snapshot := &pulumi.ResourceState{}
	q.ResizeAfter(snapshot)
	statuses := []Status{Running, Resizing, ToCreate, Running, Resizing, Resizing}
	rollouts := make([]pulumi.Resource, len(statuses))
	type turn struct{ rollout, resize []pulumi.Resource }
	turns := make([]turn, len(statuses))
	for i, s := range statuses {
		rollouts[i] = &pulumi.ResourceState{}
		turns[i].rollout, turns[i].resize = q.turn(s)
		q.add(rollouts[i], s)
	}
	want := []turn{
		{nil, nil},                         // first running node
		{nil, []pulumi.Resource{snapshot}}, // second: room for two
		{nil, nil},                         // new
		{rollouts[:1], nil},                // two running before it: waits for the first
		{rollouts[1:2], []pulumi.Resource{snapshot}}, // rollouts: 0, 1, 3 before it; resizes: only 1
		{rollouts[3:4], rollouts[1:2]},               // resizes 1, 4 before it: waits for 1, and the snapshot
	}
	want[5].resize = append(want[5].resize, snapshot)
	for i := range want {
		if !slices.Equal(turns[i].rollout, want[i].rollout) || !slices.Equal(turns[i].resize, want[i].resize) {
			t.Errorf("node %d (%v): rollout waits for %v, resize for %v; want %v, %v", i, statuses[i], turns[i].rollout, turns[i].resize, want[i].rollout, want[i].resize)
		}
	}
}

package node

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Queue owns the rule "at most N nodes down at a time" for a set of nodes:
// each node's rollout (a restart after a configuration change) waits for the
// rollout N places before it, and so does the server of a node being
// resized, among the nodes resized. A rollout does nothing when it is
// created, so the queue costs nothing when the cluster is.
type Queue struct {
	atOnce            int
	rollouts, resizes []pulumi.Resource
	// resizesAfter is what every resize waits for as well.
	resizesAfter []pulumi.Resource
}

// NewQueue returns a queue that lets atOnce nodes down at a time.
func NewQueue(atOnce int) *Queue { return &Queue{atOnce: atOnce} }

// ResizeAfter makes every resize in the queue wait for r as well: the etcd
// snapshot taken before a control-plane server is powered off.
func (q *Queue) ResizeAfter(r pulumi.Resource) { q.resizesAfter = append(q.resizesAfter, r) }

// turn is what the next node waits for: its rollout always, its server only
// when it is being resized, so creation never waits for the queue.
func (q *Queue) turn(resized bool) (rolloutAfter, resizeAfter []pulumi.Resource) {
	rolloutAfter = inTurn(q.rollouts, q.atOnce)
	if resized {
		resizeAfter = append(inTurn(q.resizes, q.atOnce), q.resizesAfter...)
	}
	return rolloutAfter, resizeAfter
}

// add records a node's rollout as the latest in the queue.
func (q *Queue) add(rollout pulumi.Resource, resized bool) {
	q.rollouts = append(q.rollouts, rollout)
	if resized {
		q.resizes = append(q.resizes, rollout)
	}
}

// inTurn is the rollout `atOnce` places before the next among earlier ones.
func inTurn(earlier []pulumi.Resource, atOnce int) []pulumi.Resource {
	if len(earlier) < atOnce {
		return nil
	}
	return earlier[len(earlier)-atOnce : len(earlier)-atOnce+1]
}

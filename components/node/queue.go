package node

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Status is what Hetzner runs of a node's server before an up, which
// decides whether the node takes a turn in its group's queue.
type Status int

const (
	// ToCreate: no server yet. Its rollout runs nothing when it is created, so a
	// new node waits for no turn, and creation is not a chain.
	ToCreate Status = iota
	// Running with the wanted server type: a configuration change restarts
	// it in turn.
	Running
	// Resizing: running with another server type, which the up changes in
	// turn, powered off.
	Resizing
)

// Statuses are the statuses of a group's nodes, by node name; a node
// missing from them is ToCreate.
type Statuses map[string]Status

// Any says whether a node has one of statuses.
func (s Statuses) Any(statuses ...Status) bool {
	for _, st := range s {
		if slices.Contains(statuses, st) {
			return true
		}
	}
	return false
}

// Queue owns the rule "at most N nodes down at a time" for a set of nodes:
// each running node's rollout (a restart after a configuration change)
// waits for the rollout of the running node N places before it, and so does
// the server of a node being resized, among the nodes resized. A new node
// is in no queue: its server, install and rollout wait only for what it
// stands on, so the longest chain at creation does not grow with the
// number of nodes.
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

// turn is what the next node waits for: its rollout when its server runs,
// its server only when it is being resized.
func (q *Queue) turn(status Status) (rolloutAfter, resizeAfter []pulumi.Resource) {
	if status != ToCreate {
		rolloutAfter = inTurn(q.rollouts, q.atOnce)
	}
	if status == Resizing {
		resizeAfter = append(inTurn(q.resizes, q.atOnce), q.resizesAfter...)
	}
	return rolloutAfter, resizeAfter
}

// add records a node's rollout as the latest in the queue, unless the node
// is new.
func (q *Queue) add(rollout pulumi.Resource, status Status) {
	if status != ToCreate {
		q.rollouts = append(q.rollouts, rollout)
	}
	if status == Resizing {
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

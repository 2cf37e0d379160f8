package enginetest

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/pkg/v3/display"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
)

const (
	create  = deploy.OpCreate
	update  = deploy.OpUpdate
	del     = deploy.OpDelete
	replace = deploy.OpReplace
)

// Scenario 1: the first up creates the cluster; a second up with nothing
// changed takes no step at all.
func TestSecondUpChangesNothing(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			s := newStack(newWorld(), name, nil)
			first := s.Up(t).Check(t)
			first.Expect(t, len(first.Of("", create)) == len(first.Steps), "the first up only creates")
			second := s.Up(t).Check(t)
			second.Expect(t, len(second.Steps) == 0, "the second up took %d steps", len(second.Steps))
		})
	}
}

// Scenario 2: a preview of the first up, where IDs, IPs, the token, the key
// pair and the kubeconfig are all unknown, succeeds and shows the creates
// the up then carries out.
func TestFirstPreviewShowsTheCreates(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			s := newStack(newWorld(), name, nil)
			preview := s.Preview(t).Check(t)
			up := s.Up(t).Check(t)
			if got, want := Names(preview.Of("", create)), Names(up.Of("", create)); !slices.Equal(got, want) {
				t.Errorf("preview creates %d resources, up %d:\npreview: %v\nup:      %v", len(got), len(want), got, want)
			}
			preview.Expect(t, len(preview.Operations) == 0, "a preview ran %d operations: %v", len(preview.Operations), preview.Ran())
		})
	}
}

// devWorkers is the dev stack's worker pool with count workers.
func devWorkers(count int) map[string]any {
	return map[string]any{"name": "workers", "count": count, "serverType": "cx23", "location": "nbg1"}
}

// Scenario 3: adding a worker, then a pool, only creates, and re-runs the
// steps that read or act on every node: the readiness check, the version
// read and the pool's labels step.
func TestAddingWorkersOnlyCreates(t *testing.T) {
	s := newStack(newWorld(), "dev", nil)
	s.Up(t).Check(t)

	s.Set("workerPools", []any{devWorkers(3)})
	// The preview shows it too: the version read re-runs, but a command's
	// update keeps its old output in preview (pulumi-command v1.2.1
	// commandController.go Update), so no install shows as changing.
	expectOnly(t, s.Preview(t).Check(t), create, "workers-3")
	grow := s.Up(t).Check(t)
	expectOnly(t, grow, create, "workers-3")
	expectCreated(t, grow, "workers-3", "workers-3-install", "workers-3-drain", "workers-3-rollout")

	s.Set("workerPools", []any{devWorkers(3), map[string]any{"name": "edge", "count": 2, "serverType": "cx23", "location": "fsn1"}})
	pool := s.Up(t).Check(t)
	expectOnly(t, pool, create, "edge")
	_, ok := grow.Find(update, "ready")
	grow.Expect(t, ok, "the readiness check did not run again")
	grow.Expect(t, len(grow.Of(serverTypeName, create)) > 0, "no server was created")
}

// expectCreated checks that r created resources of each name: a node is
// its Node component, server, install, drain and rollout.
func expectCreated(t *testing.T, r *Run, names ...string) {
	t.Helper()
	for _, name := range names {
		steps := 0
		for _, step := range r.Of("", create) {
			if step.Name() == name {
				steps++
			}
		}
		r.Expect(t, steps > 0, "%s was not created", name)
	}
}

// nodeWideSteps are the steps that run again when the node list changes:
// the readiness check, the version read and a pool's labels step.
var nodeWideSteps = []string{"ready", "k3s-version", "workers-labels", "edge-labels"}

// expectOnly checks that every step is op on a resource named with one of
// prefixes, or an update of a node-wide step.
func expectOnly(t *testing.T, r *Run, op display.StepOp, prefixes ...string) {
	t.Helper()
	for _, step := range r.Steps {
		ok := step.Op == update && slices.Contains(nodeWideSteps, step.Name())
		for _, prefix := range prefixes {
			ok = ok || step.Op == op && strings.HasPrefix(step.Name(), prefix)
		}
		r.Expect(t, ok, "unexpected step %s %s", step.Op, step.URN)
	}
}

const serverTypeName = string(serverType)

// Scenario 4: removing workers, then a pool: each node is drained, from the
// first control-plane node, before its server is deleted; nothing else
// changes but the node-wide steps.
func TestRemovingWorkersDrainsFirst(t *testing.T) {
	s := newStack(newWorld(), "dev", map[string]any{"workerPools": []any{
		devWorkers(3), map[string]any{"name": "edge", "count": 2, "serverType": "cx23", "location": "fsn1"},
	}})
	s.Up(t).Check(t)

	s.Set("workerPools", []any{devWorkers(1), map[string]any{"name": "edge", "count": 2, "serverType": "cx23", "location": "fsn1"}})
	shrink := s.Up(t).Check(t)
	expectDrainedBeforeDeleted(t, shrink, "dev-cp-1", "workers-2", "workers-3")
	expectOnly(t, shrink, del, "workers-2", "workers-3")
	// A worker is drained and deleted as a Kubernetes Node within the
	// drain timeout; it holds no etcd member.
	expectDrainScript(t, shrink, "workers-3", "node='dev-workers-3'", "control_plane='false'", "timeout='300s'", "kubectl drain", "delete node")

	s.Set("workerPools", []any{devWorkers(1)})
	drop := s.Up(t).Check(t)
	expectDrainedBeforeDeleted(t, drop, "dev-cp-1", "edge-1", "edge-2")
	expectOnly(t, drop, del, "edge")
	for _, gone := range []string{"edge", "edge-pg-1", "edge-labels"} {
		_, ok := drop.Find(del, gone)
		drop.Expect(t, ok, "removing the pool left %s", gone)
	}
}

// expectDrainScript checks that the drain of node ran a script saying each
// of want.
func expectDrainScript(t *testing.T, r *Run, node string, want ...string) {
	t.Helper()
	i := slices.IndexFunc(r.Operations, func(op operation) bool { return op.Kind == "delete" && op.URN.Name() == node+"-drain" })
	if i < 0 {
		t.Errorf("%s was not drained\n%s", node, r.Plan())
		return
	}
	for _, w := range want {
		r.Expect(t, strings.Contains(r.Operations[i].Script, w), "the drain of %s lacks %q", node, w)
	}
}

// expectDrainedBeforeDeleted checks that each node's drain ran on via and
// ended before its server's deletion began (the command provider fails a
// command whose server is gone, so it also ran while both existed).
func expectDrainedBeforeDeleted(t *testing.T, r *Run, via string, nodes ...string) {
	t.Helper()
	for _, n := range nodes {
		drain, ok := r.Find(del, n+"-drain")
		r.Expect(t, ok, "%s was not drained", n)
		server, ok := r.Find(del, n)
		r.Expect(t, ok, "the server of %s was not deleted", n)
		r.Expect(t, drain.End < server.Begin, "%s: the server's deletion began (%d) before its drain ended (%d)", n, server.Begin, drain.End)
		r.Expect(t, slices.Contains(r.Ran(), "delete "+n+"-drain@"+via), "%s was not drained from %s", n, via)
	}
}

// controlPlane is a dev control plane of count members in one location.
func controlPlane(count int) map[string]any {
	return map[string]any{"count": count, "serverType": "cx23", "locations": []any{"nbg1"}}
}

// Scenario 5: the control plane grows 3 → 5, then shrinks 5 → 3 → 1. New
// members join concurrently, leaving members go one at a time, highest
// first, and the first node is never touched.
func TestControlPlaneScale(t *testing.T) {
	w := newWorld()
	w.scale = 10 * time.Millisecond // installs take long enough (a join 450 ms) that joins overlap even on a loaded machine
	s := newStack(w, "dev", map[string]any{"controlPlane": controlPlane(3)})
	s.Up(t).Check(t)

	s.Set("controlPlane", controlPlane(5))
	grow := s.Up(t).Check(t)
	cp4, _ := grow.Find(create, "cp-4-install")
	cp5, _ := grow.Find(create, "cp-5-install")
	grow.Expect(t, cp4.Begin < cp5.End && cp5.Begin < cp4.End, "cp-4 and cp-5 did not join concurrently")
	expectFirstNodeUntouched(t, grow)
	expectCreated(t, grow, "cp-4", "cp-4-install", "cp-4-drain", "cp-4-rollout", "cp-5-install")
	_, ok := grow.Find(update, "addons")
	grow.Expect(t, ok, "the Kubernetes provider was not updated with the new members' contexts")
	for _, r := range s.Resources() {
		grow.Expect(t, r.URN.Name() != "cp-1-drain", "the first control-plane node has a drain: scaling never removes it")
	}

	for _, shrink := range []struct {
		count   int
		leaving []string
	}{{3, []string{"cp-5", "cp-4"}}, {1, []string{"cp-3", "cp-2"}}} {
		s.Set("controlPlane", controlPlane(shrink.count))
		r := s.Up(t).Check(t)
		expectDrainedBeforeDeleted(t, r, "dev-cp-1", shrink.leaving...)
		expectDrainScript(t, r, shrink.leaving[0], "control_plane='true'") // the member leaves etcd
		first, _ := r.Find(del, shrink.leaving[0]+"-drain")
		second, _ := r.Find(del, shrink.leaving[1]+"-drain")
		r.Expect(t, first.End < second.Begin, "%s left before %s had (one at a time, highest first)", shrink.leaving[1], shrink.leaving[0])
		expectFirstNodeUntouched(t, r)
	}
}

// expectFirstNodeUntouched also checks that no add-on was replaced: the
// kubeconfig gains or loses a context, which only updates the Kubernetes
// provider (its clusterIdentifier stays the same).
func expectFirstNodeUntouched(t *testing.T, r *Run) {
	t.Helper()
	for _, step := range r.Steps {
		r.Expect(t, step.Name() != "cp-1" && !strings.HasPrefix(step.Name(), "cp-1-"), "the first node was touched: %s %s", step.Op, step.URN)
		addon := step.URN.Type().Package() == "kubernetes" || step.URN.Type() == "pulumi:providers:kubernetes"
		r.Expect(t, !addon || step.Op == update, "an add-on was not just updated: %s %s", step.Op, step.URN)
	}
}

// Scenario 6: a k3s upgrade changes the upgrade gate and the Plans, and
// nothing else: no server is replaced, no install command changes, in the
// preview or the up; the version read (k3s-version) does not take the
// pinned version, so it stays too. The version a rebuilt first server
// installs is recorded (cp-1-install-version, a Stash: no command runs).
func TestK3sUpgradeReplacesNothingAndChangesNoInstall(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			s := newStack(newWorld(), name, map[string]any{"k3sVersion": "v1.35.5+k3s1"})
			s.Up(t).Check(t)
			s.Set("k3sVersion", "v1.36.4+k3s1")
			want := []string{"update cp-1-install-version", "update k3s-agent", "update k3s-server", "update upgrade-gate"}
			preview := s.Preview(t).Check(t)
			if got := Names(preview.Steps); !slices.Equal(got, want) {
				t.Errorf("preview steps %v, want %v\n%s", got, want, preview.Plan())
			}
			r := s.Up(t).Check(t)
			if got := Names(r.Steps); !slices.Equal(got, want) {
				t.Errorf("steps %v, want %v\n%s", got, want, r.Plan())
			}
			gate, _ := r.Find(update, "upgrade-gate")
			for _, plan := range []string{"k3s-server", "k3s-agent"} {
				p, _ := r.Find(update, plan)
				r.Expect(t, gate.End < p.Begin, "the %s Plan changed before the gate passed", plan)
			}
			// The gate checks the new version and the Plans ask for it.
			for _, op := range r.Operations {
				if op.URN.Name() == "upgrade-gate" {
					r.Expect(t, strings.Contains(op.Script, "desired='v1.36.4+k3s1'"), "the upgrade gate does not check the new version")
				}
			}
			for _, res := range s.Resources() {
				if string(res.Type) == "kubernetes:upgrade.cattle.io/v1:Plan" {
					v, _ := res.Inputs["spec"].ObjectValue()["version"].V.(string)
					r.Expect(t, v == "v1.36.4+k3s1", "the %s Plan asks for %q", res.URN.Name(), v)
				}
			}
			ran := slices.Sorted(slices.Values(r.Ran()))
			want = []string{"update upgrade-gate@" + name + "-cp-1"}
			r.Expect(t, slices.Equal(ran, want), "commands ran: %v, want only the gate", ran)
		})
	}
}

// Scenario 9: destroy drains every node before its server goes, from a
// node that still exists, and fails nowhere; then a fresh up in the same
// project succeeds: no name or IP is left taken.
func TestDestroyThenUpAgain(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld()
			s := newStack(w, name, nil)
			s.Up(t).Check(t)
			r := s.Destroy(t).Check(t)
			var drained []string
			for _, step := range r.Of(string(commandType), del) {
				if node, ok := strings.CutSuffix(step.Name(), "-drain"); ok {
					drained = append(drained, node)
				}
			}
			r.Expect(t, len(drained) > 0, "no node was drained")
			expectDrainedBeforeDeleted(t, r, name+"-cp-1", drained...)
			r.Expect(t, w.cloud.count() == 0, "the project still holds %d resources: servers %v", w.cloud.count(), w.cloud.names(serverType))
			r.Expect(t, len(s.Resources()) == 0, "the state still holds %d resources", len(s.Resources()))

			newStack(w, name, nil).Up(t).Check(t)
		})
	}
}

// prodLoadBalancer is prod's API load balancer config with changes.
func prodLoadBalancer(changes map[string]any) map[string]any {
	lb := map[string]any{"enabled": true, "type": "lb11", "publicInterface": false}
	maps.Copy(lb, changes)
	return lb
}

// Scenario 7: changes to what Hetzner cannot change in place, or changes
// only by stopping servers, do what the README says and never lose a node
// by accident: each is either carried out without deleting or replacing a
// server or an install, or refused before anything changes, naming the key.
func TestDisruptiveChangesKeepNodes(t *testing.T) {
	for _, change := range []struct {
		name, key string
		value     any
	}{
		{"load balancer made public", "apiLoadBalancer", prodLoadBalancer(map[string]any{"publicInterface": true})},
		{"load balancer moved", "apiLoadBalancer", prodLoadBalancer(map[string]any{"location": "nbg1"})},
		{"network range changed", "network", map[string]any{"cidr": "10.1.0.0/16"}},
	} {
		t.Run(change.name, func(t *testing.T) {
			s := newStack(newWorld(), "prod", nil)
			s.Up(t).Check(t)
			s.Set(change.key, change.value)
			r := s.Up(t)
			expectKeptOrRefused(t, r, change.key)
		})
	}
}

// expectKeptOrRefused checks that r either failed before any step, naming
// key, or succeeded without deleting or replacing a server or an install.
func expectKeptOrRefused(t *testing.T, r *Run, key string) {
	t.Helper()
	if r.Err != nil {
		r.Expect(t, strings.Contains(r.Err.Error(), key), "the up failed, but not by refusing %s", key)
		r.Expect(t, len(r.Steps) == 0, "%s was refused only after %d steps", key, len(r.Steps))
		return
	}
	r.Check(t)
	for _, step := range r.Of("", del, replace, deploy.OpCreateReplacement, deploy.OpDeleteReplaced) {
		lost := step.URN.Type() == serverType || strings.HasSuffix(step.Name(), "-install")
		r.Expect(t, !lost, "a node was lost: %s %s", step.Op, step.URN)
	}
}

// Scenario 10: dev and prod deploy into one Hetzner project side by side,
// then both destroy, leaving the project empty.
func TestTwoStacksInOneProject(t *testing.T) {
	w := newWorld()
	dev, prod := newStack(w, "dev", nil), newStack(w, "prod", nil)
	dev.Up(t).Check(t)
	prod.Up(t).Check(t)
	dev.Destroy(t).Check(t)
	prod.Destroy(t).Check(t)
	if n := w.cloud.count(); n != 0 {
		t.Errorf("the project still holds %d resources: servers %v", n, w.cloud.names(serverType))
	}
}

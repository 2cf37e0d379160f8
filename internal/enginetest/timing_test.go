package enginetest

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/scale-and-speed.md's creation table from the engine's runs")

// creationScale is how long a simulated second takes in a creation run.
// The engine's own work (a few milliseconds a step, more on a loaded
// runner) counts as simulated time too, 1/scale simulated seconds for every
// real one. At --parallel 128, where the targets leave 5% above the
// cloud's path, a second takes 100 ms, which keeps that work to a few
// simulated seconds at 3+97 on a loaded 2-core machine; the other runs are
// long, from their queues, and cheaper: 20 ms at --parallel 32, 10 ms at 8.
func creationScale(parallel int) time.Duration {
	switch {
	case parallel >= 128:
		return 100 * time.Millisecond
	case parallel >= 32:
		return 20 * time.Millisecond
	}
	return 10 * time.Millisecond
}

var creationSizes, creationParallels = []int{3, 40, 97}, []int{8, 32, 128}

// creation is what the first up of one cluster size at one --parallel
// showed, in simulated time.
type creation struct {
	workers, parallel     int
	kubeconfig, upReturns time.Duration
	steps                 int // the engine took
	chain                 int // steps on the longest chain in the state
}

// TestCreationTimes times the first up of 3+3, 3+40 and 3+97 at --parallel
// 8, 32 and 128 through the engine, whose step executor honours
// --parallel, with the registry's latencies and one etcd learner at a time.
// Every run must take at least the path the cloud imposes; the table must
// match docs/scale-and-speed.md's (-update rewrites it).
func TestCreationTimes(t *testing.T) {
	path := cloudmodel.CloudPath(prodControlPlanes(t))
	var runs []creation
	for _, workers := range creationSizes {
		for _, parallel := range creationParallels {
			runs = append(runs, timeCreation(t, path, workers, parallel))
		}
	}
	checkChainIsFlat(t, runs)
	checkCreationTable(t, cloudmodel.Total(path), runs)
}

// checkChainIsFlat: the longest chain of steps the engine must take one
// after another at creation is the same at every size, up to 2 steps, so
// that no step on it is added per node (each costs a registration, a
// provider call and a checkpoint, on every up and destroy).
func checkChainIsFlat(t *testing.T, runs []creation) {
	t.Helper()
	shortest, longest := runs[0], runs[0]
	for _, c := range runs {
		if c.chain < shortest.chain {
			shortest = c
		}
		if c.chain > longest.chain {
			longest = c
		}
	}
	if longest.chain-shortest.chain > 2 {
		t.Errorf("the longest chain grows with the cluster: %d steps at 3+%d, %d at 3+%d", shortest.chain, shortest.workers, longest.chain, longest.workers)
	}
}

// prodControlPlanes is how many control-plane nodes Pulumi.prod.yaml has.
func prodControlPlanes(t *testing.T) int {
	t.Helper()
	values, err := mockcloud.StackConfig("../..", "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	var controlPlane struct{ Count int }
	if err := json.Unmarshal([]byte(values[mockcloud.Project+":controlPlane"]), &controlPlane); err != nil {
		t.Fatal(err)
	}
	return controlPlane.Count
}

// timeCreation times one first up and checks it against the cloud's path
// and --parallel.
func timeCreation(t *testing.T, cloudPath []cloudmodel.Part, workers, parallel int) creation {
	t.Helper()
	w := newWorld()
	w.scale = creationScale(parallel)
	s := newStack(w, "prod", map[string]any{"workerPools": []any{devWorkers(workers)}})
	s.Parallel, s.timed = parallel, true
	r := s.Up(t).Check(t)
	c := creation{workers: workers, parallel: parallel, kubeconfig: kubeconfigReady(r), upReturns: lastEnd(r.Operations),
		steps: len(r.Steps), chain: longestChain(t, s.Resources())}
	name := fmt.Sprintf("3+%d at --parallel %d", workers, parallel)
	// The clock starts before the engine does and every operation sleeps
	// at least its latency: only rounding can put a run below the path.
	const rounding = 100 * time.Millisecond
	path, addOns := cloudmodel.Total(cloudPath), cloudmodel.Total(cloudmodel.AddOnPath())
	r.Expect(t, c.kubeconfig >= path-rounding, "%s: kubeconfig at %v, before the cloud allows (%s)", name, c.kubeconfig, minutes(path))
	r.Expect(t, c.upReturns >= path+addOns-rounding, "%s: up returned at %v, before the cloud allows (%s)", name, c.upReturns, minutes(path+addOns))
	inFlight := maxInFlight(r.Operations)
	r.Expect(t, inFlight <= parallel, "%s: %d operations in flight at once, above --parallel", name, inFlight)
	t.Logf("%s: kubeconfig %.2f × the cloud's path, up returns %.2f ×; longest chain %d steps", name,
		c.kubeconfig.Seconds()/path.Seconds(), c.upReturns.Seconds()/path.Seconds(), c.chain)
	// Issue #20's targets, with --parallel enough for every server at
	// once: the program adds at most 5% to the cloud's path to the
	// kubeconfig, and at most 10% of it to what the cloud imposes until up
	// can return. (1.10 × the path alone cannot hold: after the kubeconfig
	// the cloud imposes the add-ons' path, system-upgrade-controller running
	// before any Plan, 13% of the path.)
	if parallel >= 128 {
		r.Expect(t, c.kubeconfig.Seconds() <= 1.05*path.Seconds(), "%s: kubeconfig at %s, above 1.05 × the cloud's path (%s)", name, minutes(c.kubeconfig), minutes(path))
		r.Expect(t, (c.upReturns-addOns).Seconds() <= 1.10*path.Seconds(), "%s: up returned at %s, more than 1.10 × the cloud's path (%s) after the add-ons' (%s)",
			name, minutes(c.upReturns), minutes(path), minutes(addOns))
	}
	return c
}

// TestDownloadAtBootTakesItOffThePath: with cloud-init downloading the
// k3s release while servers boot, a join (started once the first node is
// up, long after its own server booted) only starts k3s, so the kubeconfig
// comes a download sooner than with every install downloading k3s itself.
func TestDownloadAtBootTakesItOffThePath(t *testing.T) {
	kubeconfig := map[bool]time.Duration{}
	for _, atBoot := range []bool{true, false} {
		w := newWorld()
		w.scale, w.noDownloadAtBoot = 50*time.Millisecond, !atBoot
		s := newStack(w, "prod", map[string]any{"workerPools": []any{devWorkers(3)}})
		s.Parallel, s.timed = 128, true
		kubeconfig[atBoot] = kubeconfigReady(s.Up(t).Check(t))
	}
	saved := kubeconfig[false] - kubeconfig[true]
	t.Logf("kubeconfig at %s with the download at boot, %s without", minutes(kubeconfig[true]), minutes(kubeconfig[false]))
	// Half the download is margin for the engine's own work on a busy runner.
	if saved < cloudmodel.K3sDownload/2 {
		t.Errorf("the download at boot saves %v on the path, want about the download's %v", saved, cloudmodel.K3sDownload)
	}
}

// kubeconfigReady is when the kubeconfig fetch ended.
func kubeconfigReady(r *Run) time.Duration {
	i := slices.IndexFunc(r.Operations, func(op operation) bool { return op.URN.Name() == "kubeconfig" && op.Kind == "create" })
	if i < 0 {
		return 0
	}
	return r.Operations[i].End
}

// lastEnd is when the last operation ended: when `pulumi up` returns.
func lastEnd(ops []operation) time.Duration {
	var last time.Duration
	for _, op := range ops {
		last = max(last, op.End)
	}
	return last
}

// maxInFlight is the most steps that were running at one time. Components
// the kubernetes provider constructs are not steps: --parallel does not
// bound them.
func maxInFlight(ops []operation) int {
	most := 0
	for _, op := range ops {
		n := 0
		for _, other := range ops {
			if !isComponent(other) && other.Start <= op.Start && op.Start < other.End {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// longestChain is how many steps the longest chain of resources in the
// state has, each waiting for the one before it (its dependencies,
// property dependencies, parent or provider): steps the engine must take
// one after another, whatever --parallel is.
func longestChain(t *testing.T, states []*pkgresource.State) int {
	t.Helper()
	var steps []cloudmodel.Step
	for _, s := range states {
		var deps []string
		for _, d := range s.Dependencies {
			deps = append(deps, string(d))
		}
		for _, ds := range s.PropertyDependencies {
			for _, d := range ds {
				deps = append(deps, string(d))
			}
		}
		if s.Parent != "" {
			deps = append(deps, string(s.Parent))
		}
		steps = append(steps, cloudmodel.Step{URN: string(s.URN), WaitsFor: cloudmodel.WaitsFor(deps, s.Provider), Latency: 1})
	}
	path, err := cloudmodel.LongestPath(steps)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range path.Steps {
		names = append(names, resource.URN(s.URN).Name())
	}
	t.Logf("longest chain: %s", strings.Join(names, " → "))
	return len(path.Steps)
}

package enginetest

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var timingMatrix = flag.Bool("timing", false, "time the first up of 3+3, 3+40 and 3+97 at --parallel 8, 32 and 128")

// timingScale is how long a simulated second takes in a timed run: long
// enough that the engine's own work (a few milliseconds a step on a busy
// CI runner) is small next to the simulated latencies.
const timingScale = 50 * time.Millisecond

// TestTimeToKubeconfig times the first up through the engine, whose step
// executor honours --parallel, with the README's creation latencies and
// one etcd learner at a time, and reports when the kubeconfig is usable
// next to the critical-path bound. By default it times 3+3 at --parallel 8;
// -args -timing runs the README's whole table (about three minutes).
func TestTimeToKubeconfig(t *testing.T) {
	sizes, parallels := []int{3}, []int{8}
	if *timingMatrix {
		sizes, parallels = []int{3, 40, 97}, []int{8, 32, 128}
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| cluster | critical path | %s |\n|---|---|%s\n", joinParallels(parallels), strings.Repeat("---|", len(parallels)))
	for _, workers := range sizes {
		var bound time.Duration
		var cells []string
		for _, parallel := range parallels {
			w := newWorld()
			w.scale = timingScale
			s := newStack(w, "prod", map[string]any{"workerPools": []any{devWorkers(workers)}})
			s.Parallel, s.timed = parallel, true
			r := s.Up(t).Check(t)
			ready := kubeconfigReady(r)
			bound = criticalPath(t, s.Resources(), "kubeconfig")
			r.Expect(t, ready >= bound, "3+%d at --parallel %d: kubeconfig at %v, before the critical path allows (%v)", workers, parallel, ready, bound)
			// README: a small cluster never needs more than 8 slots, and at
			// --parallel 128 every size ends within about 15 s of the bound
			// (the second learner's wait and the engine's own work; 5 s more
			// for a busy runner).
			if workers == 3 || parallel >= 128 {
				r.Expect(t, ready <= bound+20*time.Second, "3+%d at --parallel %d: kubeconfig at %v, more than 20 s after the critical path (%v)", workers, parallel, ready, bound)
			}
			inFlight := maxInFlight(r.Operations)
			r.Expect(t, inFlight <= parallel, "3+%d: %d operations in flight at once, above --parallel %d", workers, inFlight, parallel)
			cells = append(cells, fmt.Sprintf("%s (%d in flight)", minutes(ready), inFlight))
		}
		fmt.Fprintf(&table, "| 3+%d | %s | %s |\n", workers, minutes(bound), strings.Join(cells, " | "))
	}
	t.Logf("time to a usable kubeconfig (simulated, 1 s = %v real):%s", timingScale, table.String())
}

func joinParallels(parallels []int) string {
	var cols []string
	for _, p := range parallels {
		cols = append(cols, fmt.Sprintf("--parallel %d", p))
	}
	return strings.Join(cols, " | ")
}

func minutes(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
}

// kubeconfigReady is when the kubeconfig fetch ended.
func kubeconfigReady(r *Run) time.Duration {
	i := slices.IndexFunc(r.Operations, func(op operation) bool { return op.URN.Name() == "kubeconfig" && op.Kind == "create" })
	if i < 0 {
		return 0
	}
	return r.Operations[i].End
}

// maxInFlight is the most operations that were running at one time.
func maxInFlight(ops []operation) int {
	most := 0
	for _, op := range ops {
		n := 0
		for _, other := range ops {
			if other.Start <= op.Start && op.Start < other.End {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// criticalPath is the longest chain of creates, by their latencies, that
// ends at the resource named target: the time no schedule can beat. It
// reads the dependencies the engine recorded in the state.
func criticalPath(t *testing.T, states []*pkgresource.State, target string) time.Duration {
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
		script, _ := s.Inputs["create"].V.(string)
		steps = append(steps, cloudmodel.Step{
			URN:      string(s.URN),
			WaitsFor: cloudmodel.WaitsFor(deps, s.Provider),
			Latency:  latencyOf(operation{Kind: "create", Type: s.Type, URN: s.URN, Script: script}),
		})
	}
	path, err := cloudmodel.LongestPath(ancestors(steps, target))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range path.Steps {
		if s.Latency > 0 {
			names = append(names, fmt.Sprintf("%s (%v)", resource.URN(s.URN).Name(), s.Latency))
		}
	}
	t.Logf("critical path to %s: %s", target, strings.Join(names, " → "))
	return path.Length
}

// ancestors are the step named target and everything it waits for, in
// their order.
func ancestors(steps []cloudmodel.Step, target string) []cloudmodel.Step {
	byURN := map[string]cloudmodel.Step{}
	needed := map[string]bool{}
	var visit func(urn string)
	visit = func(urn string) {
		if needed[urn] {
			return
		}
		needed[urn] = true
		for _, dep := range byURN[urn].WaitsFor {
			visit(dep)
		}
	}
	for _, s := range steps {
		byURN[s.URN] = s
	}
	for _, s := range steps {
		if resource.URN(s.URN).Name() == target {
			visit(s.URN)
		}
	}
	var out []cloudmodel.Step
	for _, s := range steps {
		if needed[s.URN] {
			out = append(out, s)
		}
	}
	return out
}

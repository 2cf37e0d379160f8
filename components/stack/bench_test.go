package stack_test

// What a cluster costs as it grows: the program's evaluation time, the
// resources each worker adds, and the Hetzner API requests creating them takes.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
)

// scaledConfig is the prod stack (three control-plane nodes, API load
// balancer) with one pool of the given number of workers.
func scaledConfig(tb testing.TB, workers int) map[string]string {
	tb.Helper()
	return stackConfig(tb, "prod", map[string]any{"workerPools": []any{pool("workers", workers)}})
}

// runProgram runs the prod stack under mocks with cfg.
func runProgram(tb testing.TB, cfg map[string]string) *mockcloud.Result {
	tb.Helper()
	g, err := runStack(tb, "prod", nil, mockcloud.Options{Config: cfg})
	if err != nil {
		tb.Fatal(err)
	}
	return g.Result
}

// BenchmarkProgram evaluates the program as `pulumi preview` and `up` do,
// for 3 control-plane nodes and up to the 97 workers a network has room for.
func BenchmarkProgram(b *testing.B) {
	for _, workers := range []int{10, 40, 97} {
		b.Run(fmt.Sprintf("3+%d", workers), func(b *testing.B) {
			cfg := scaledConfig(b, workers)
			b.ReportAllocs()
			var resources int
			for b.Loop() {
				resources = len(runProgram(b, cfg).Resources)
			}
			b.ReportMetric(float64(resources), "resources/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(3+workers), "ns/node")
		})
	}
}

func countRoles(resources []mockcloud.Resource) map[string]int {
	counts := map[string]int{}
	for _, r := range resources {
		counts[roleOf(r)]++
	}
	return counts
}

func placementGroups(workers int) int {
	return (workers + hetzner.MaxServersPerPlacement - 1) / hetzner.MaxServersPerPlacement
}

// TestCostPerWorkerIsConstant: each worker adds one server and one install,
// every tenth a placement group, and nothing else grows with the cluster but
// registrations that cost no API request.
func TestCostPerWorkerIsConstant(t *testing.T) {
	sizes := []int{10, 11, 40, 97}
	counts := map[int]map[string]int{}
	for _, workers := range sizes {
		counts[workers] = countRoles(runProgram(t, scaledConfig(t, workers)).Resources)
	}
	base, next := counts[10], counts[11]
	for _, workers := range sizes {
		got := counts[workers]
		want := map[string]int{"server": 3 + workers, "agent install": workers, "placement group": 1 + placementGroups(workers)}
		for role := range allKeys(base, got) {
			n, fixed := want[role]
			if !fixed {
				n = base[role] + (workers-10)*(next[role]-base[role])
			}
			if got[role] != n {
				t.Errorf("3+%d: %d × %s, want %d", workers, got[role], role, n)
			}
		}
	}
	costsRequests := map[string]bool{}
	for typ, role := range roleByType {
		costsRequests[role] = cloudmodel.APIRequests(typ, providerDefault) > 0
	}
	var perWorker []string
	for role := range allKeys(base, next) {
		if role != "placement group" && next[role] != base[role] {
			perWorker = append(perWorker, fmt.Sprintf("%d %s", next[role]-base[role], role))
			if costsRequests[role] && role != "server" {
				t.Errorf("each worker adds a Hetzner %s", role)
			}
		}
	}
	slices.Sort(perWorker)
	t.Logf("each worker adds: %s; every %d workers a placement group", strings.Join(perWorker, ", "), hetzner.MaxServersPerPlacement)
}

func allKeys(counts ...map[string]int) map[string]bool {
	keys := map[string]bool{}
	for _, m := range counts {
		for k := range m {
			keys[k] = true
		}
	}
	return keys
}

// hourlyRequests is Hetzner's API budget: 3600 requests an hour per project,
// refilled at one a second, bursts allowed.
const hourlyRequests = 3600

// createBudget is the share of the budget creating the largest cluster may
// take; the rest is headroom for the cloud controller, the CSI driver and
// other clients of the project.
const createBudget = hourlyRequests * 6 / 10

// providerDefault is the provider's polling when neither hcloud:pollInterval
// nor hcloud:pollFunction is set.
var providerDefault = cloudmodel.ExponentialBackoff(500*time.Millisecond, 10*time.Second)

// providerBackoff is the polling terraform-provider-hcloud configures from
// hcloud:pollInterval and hcloud:pollFunction: with an interval, that
// interval constant, or doubling from it up to hcloud-go's one-minute cap.
func providerBackoff(interval, function string) (cloudmodel.Backoff, error) {
	if interval == "" {
		return providerDefault, nil
	}
	d, err := time.ParseDuration(interval)
	if err != nil {
		return nil, fmt.Errorf("hcloud:pollInterval: %w", err)
	}
	if function == "constant" {
		return cloudmodel.ConstantBackoff(d), nil
	}
	return cloudmodel.ExponentialBackoff(d, time.Minute), nil
}

type polling struct {
	name    string
	backoff cloudmodel.Backoff
}

// pollingChoices are Pulumi.yaml's polling and the alternatives to it.
func pollingChoices(t *testing.T, cfg map[string]string) []polling {
	t.Helper()
	configured, err := providerBackoff(cfg["hcloud:pollInterval"], cfg["hcloud:pollFunction"])
	if err != nil {
		t.Fatal(err)
	}
	return []polling{
		{fmt.Sprintf("Pulumi.yaml (%s, %s)", cfg["hcloud:pollInterval"], cfg["hcloud:pollFunction"]), configured},
		{"keys unset (500ms doubling to 10s)", providerDefault},
		{"3s, constant", cloudmodel.ConstantBackoff(3 * time.Second)},
		{"1s, constant", cloudmodel.ConstantBackoff(time.Second)},
	}
}

func apiRequests(resources []mockcloud.Resource, backoff cloudmodel.Backoff) int {
	n := 0
	for _, r := range resources {
		n += cloudmodel.APIRequests(r.Type, backoff)
	}
	return n
}

// pollDelay is how much later than Hetzner finishes the provider, polling
// with backoff, notices the creates on the critical path.
func pollDelay(p path, backoff cloudmodel.Backoff) time.Duration {
	var d time.Duration
	for _, r := range p.resources {
		d += cloudmodel.PollDelay(r.Type, backoff)
	}
	return d
}

// TestAPIBudget estimates the requests one `pulumi up` makes to create a
// cluster with the polling Pulumi.yaml sets: the largest cluster a network
// holds must stay within createBudget.
func TestAPIBudget(t *testing.T) {
	sizes := []int{3, 40, 97}
	results := map[int]*mockcloud.Result{}
	for _, workers := range sizes {
		results[workers] = runProgram(t, scaledConfig(t, workers))
	}
	choices := pollingChoices(t, scaledConfig(t, 97))
	if n := apiRequests(results[97].Resources, choices[0].backoff); n > createBudget {
		t.Errorf("creating 3+97 takes %d requests, over %d of the hourly %d", n, createBudget, hourlyRequests)
	}
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "polling\tper server\t3+3\t3+40\t3+97\tpoll delay on the critical path\t")
	path := longestPath(t, results[97].Resources)
	for _, c := range choices {
		fmt.Fprintf(w, "%s\t%d\t", c.name, cloudmodel.APIRequests(hetzner.TypeServer, c.backoff))
		for _, workers := range sizes {
			fmt.Fprintf(w, "%d\t", apiRequests(results[workers].Resources, c.backoff))
		}
		fmt.Fprintf(w, "%v\t\n", pollDelay(path, c.backoff))
	}
	w.Flush()
	t.Logf("requests to create, by polling:\n%s\n%s\n%s", table.String(),
		requestsByRole(results[97].Resources, choices[0].backoff), actionWaits(choices))
}

// requestsByRole tabulates what each part of a cluster costs.
func requestsByRole(resources []mockcloud.Resource, backoff cloudmodel.Backoff) string {
	count, each := map[string]int{}, map[string]int{}
	for _, r := range resources {
		if n := cloudmodel.APIRequests(r.Type, backoff); n > 0 {
			count[roleOf(r)]++
			each[roleOf(r)] = n
		}
	}
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "3+97 with Pulumi.yaml\tcount\trequests each\ttotal\t")
	for _, role := range slices.Sorted(maps.Keys(count)) {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t\n", role, count[role], each[role], count[role]*each[role])
	}
	w.Flush()
	return table.String()
}

// actionWaits tabulates, for actions of several lengths, how often each
// polling asks and how late it sees them finished.
func actionWaits(choices []polling) string {
	lengths := []time.Duration{time.Second, 3 * time.Second, 10 * time.Second, 20 * time.Second, 35 * time.Second, 60 * time.Second}
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "polls, late by\t")
	for _, d := range lengths {
		fmt.Fprintf(w, "%v action\t", d)
	}
	fmt.Fprintln(w)
	for _, c := range choices {
		fmt.Fprintf(w, "%s\t", c.name)
		for _, d := range lengths {
			polls, seen := c.backoff.Wait(d)
			fmt.Fprintf(w, "%d, %v\t", polls, seen-d)
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	return table.String()
}

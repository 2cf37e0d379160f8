package mockcloud

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Timing makes a run take the time `pulumi up` would. Each registration holds
// one of Parallel slots (the engine's `--parallel` workers; 0 is unbounded)
// while it sleeps for its latency. The Go SDK registers a resource only once
// its inputs and dependencies have resolved, so a sleep delays the resource's
// dependants just as a real create does. Run it inside a testing/synctest
// bubble: the fake clock makes the run instant and its times exact.
type Timing struct {
	Latency  func(Resource) time.Duration // how long creating the resource takes
	Parallel int

	once   sync.Once
	origin time.Time
	slots  chan struct{}
	mu     sync.Mutex
	spans  []Span
}

// Span is one resource's creation, in time since the run began: when it was
// registered, when it got a slot, and when it was created.
type Span struct {
	Resource          Resource
	Ready, Start, End time.Duration
}

// create takes the time creating r takes; a nil Timing takes none.
func (t *Timing) create(r Resource) {
	if t == nil {
		return
	}
	t.once.Do(t.begin)
	span := Span{Resource: r, Ready: t.now()}
	if latency := t.Latency(r); latency > 0 {
		release := t.acquire()
		span.Start = t.now()
		time.Sleep(latency)
		span.End = t.now()
		release()
	} else {
		span.Start, span.End = span.Ready, span.Ready
	}
	t.mu.Lock()
	t.spans = append(t.spans, span)
	t.mu.Unlock()
}

func (t *Timing) begin() {
	t.origin = time.Now()
	if t.Parallel > 0 {
		t.slots = make(chan struct{}, t.Parallel)
	}
}

func (t *Timing) now() time.Duration { return time.Since(t.origin) }

func (t *Timing) acquire() (release func()) {
	if t.slots == nil {
		return func() {}
	}
	t.slots <- struct{}{}
	return func() { <-t.slots }
}

// Spans are the creations so far, in the order they started.
func (t *Timing) Spans() []Span {
	t.mu.Lock()
	defer t.mu.Unlock()
	spans := slices.Clone(t.spans)
	slices.SortStableFunc(spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	return spans
}

// Total is when the last creation ended.
func (t *Timing) Total() time.Duration {
	var total time.Duration
	for _, s := range t.Spans() {
		total = max(total, s.End)
	}
	return total
}

// Path is a chain of resources, each waiting for the one before it.
type Path struct {
	Resources []Resource
	Length    time.Duration // the sum of their latencies
}

// LongestPath returns the chain of dependencies with the largest total
// latency: no schedule, however parallel, creates every resource sooner.
// Resources come in registration order, as in Result.Resources, so every
// dependency comes before its dependants.
func LongestPath(resources []Resource, latency func(Resource) time.Duration) (Path, error) {
	finish := map[string]time.Duration{}
	via := map[string]string{} // the dependency each resource's longest chain goes through
	byURN := map[string]Resource{}
	var last string
	for _, r := range resources {
		var before time.Duration
		for _, dep := range r.waitsFor() {
			f, ok := finish[dep]
			if !ok {
				return Path{}, fmt.Errorf("%s depends on %s, which was not registered before it", r.URN, dep)
			}
			if _, chosen := via[r.URN]; !chosen || f > before {
				before, via[r.URN] = f, dep
			}
		}
		finish[r.URN], byURN[r.URN] = before+latency(r), r
		if last == "" || finish[r.URN] > finish[last] {
			last = r.URN
		}
	}
	path := Path{Length: finish[last]}
	for urn := last; urn != ""; urn = via[urn] {
		path.Resources = append(path.Resources, byURN[urn])
	}
	slices.Reverse(path.Resources)
	return path, nil
}

// waitsFor are the URNs r waits for: its dependencies and its own provider,
// which the SDK needs created (its ID) before it registers r. A default
// provider ("" under mocks) is created before the program runs.
func (r Resource) waitsFor() []string {
	if r.Provider == "" {
		return r.Dependencies
	}
	provider := r.Provider[:strings.LastIndex(r.Provider, "::")] // a reference is URN::ID
	return append(slices.Clone(r.Dependencies), provider)
}

// Backoff is how long the hcloud client waits before its n-th poll (from 0)
// of a running action, like hcloud-go's BackoffFunc.
type Backoff func(n int) time.Duration

// ExponentialBackoff doubles the wait from base up to limit, like hcloud-go's
// ExponentialBackoffWithOpts without jitter.
func ExponentialBackoff(base, limit time.Duration) Backoff {
	return func(n int) time.Duration {
		wait := base
		for ; n > 0 && wait < limit; n-- {
			wait *= 2
		}
		return min(wait, limit)
	}
}

// ConstantBackoff waits d before every poll.
func ConstantBackoff(d time.Duration) Backoff {
	return func(int) time.Duration { return d }
}

// Wait returns how often a client polls an action that runs for d, and when
// it sees the action finished. An action the API returns as running is
// polled at least once.
func (b Backoff) Wait(d time.Duration) (polls int, seen time.Duration) {
	for polls == 0 || seen < d {
		seen += b(polls)
		polls++
	}
	return polls, seen
}

// hcloudCreate is what the hcloud provider (terraform-provider-hcloud, which
// pulumi-hcloud wraps) does to create one resource: requests other than
// polls, then actions it waits for, one after another, polling each.
type hcloudCreate struct {
	requests int
	actions  []time.Duration // how long each action typically runs
}

// hcloudCreates are the creates by resource type. Every create ends with a
// GET of the resource (the provider's Read).
var hcloudCreates = map[string]hcloudCreate{
	"hcloud:index/network:Network":               {requests: 2}, // POST /networks
	"hcloud:index/placementGroup:PlacementGroup": {requests: 2}, // POST /placement_groups
	// POST /networks/{id}/actions/add_subnet
	"hcloud:index/networkSubnet:NetworkSubnet": {requests: 2, actions: []time.Duration{2 * time.Second}},
	// POST /firewalls; its apply_to_resources action
	"hcloud:index/firewall:Firewall": {requests: 2, actions: []time.Duration{time.Second}},
	// GET the server type, image and placement group; POST /servers
	// (create_server, then start_server); POST .../attach_to_network
	"hcloud:index/server:Server": {requests: 6, actions: []time.Duration{20 * time.Second, time.Second, 3 * time.Second}},
	// POST /load_balancers (create_load_balancer)
	"hcloud:index/loadBalancer:LoadBalancer": {requests: 2, actions: []time.Duration{10 * time.Second}},
	// POST .../attach_to_network, .../add_service, .../add_target
	"hcloud:index/loadBalancerNetwork:LoadBalancerNetwork": {requests: 2, actions: []time.Duration{3 * time.Second}},
	"hcloud:index/loadBalancerService:LoadBalancerService": {requests: 2, actions: []time.Duration{2 * time.Second}},
	"hcloud:index/loadBalancerTarget:LoadBalancerTarget":   {requests: 2, actions: []time.Duration{2 * time.Second}},
}

// APIRequests estimates the Hetzner API requests creating r costs when the
// provider polls with b. Resources of other providers cost none.
func APIRequests(r Resource, b Backoff) int {
	c := hcloudCreates[r.Type]
	n := c.requests
	for _, d := range c.actions {
		polls, _ := b.Wait(d)
		n += polls
	}
	return n
}

// PollDelay is how much later than its actions finish the provider, polling
// with b, sees r created.
func PollDelay(r Resource, b Backoff) time.Duration {
	var delay time.Duration
	for _, d := range hcloudCreates[r.Type].actions {
		_, seen := b.Wait(d)
		delay += seen - d
	}
	return delay
}

package mockcloud

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestBackoffWait(t *testing.T) {
	cases := []struct {
		name      string
		backoff   Backoff
		action    time.Duration
		wantPolls int
		wantSeen  time.Duration
	}{
		{"exponential from 1s sees a 20s action at 31s", ExponentialBackoff(time.Second, time.Minute), 20 * time.Second, 5, 31 * time.Second},
		{"exponential from 1s waits a minute between late polls", ExponentialBackoff(time.Second, time.Minute), 64 * time.Second, 7, 123 * time.Second},
		{"exponential capped at 10s sees a 20s action at 25.5s", ExponentialBackoff(500*time.Millisecond, 10*time.Second), 20 * time.Second, 6, 25500 * time.Millisecond},
		{"constant polls every interval", ConstantBackoff(2 * time.Second), 20 * time.Second, 10, 20 * time.Second},
		{"a finished action is still polled once", ConstantBackoff(time.Second), 0, 1, time.Second},
	}
	for _, c := range cases {
		polls, seen := c.backoff.Wait(c.action)
		if polls != c.wantPolls || seen != c.wantSeen {
			t.Errorf("%s: %d polls, seen at %v; want %d, %v", c.name, polls, seen, c.wantPolls, c.wantSeen)
		}
	}
}

func TestAPIRequestsAndPollDelay(t *testing.T) {
	server := Resource{Type: "hcloud:index/server:Server"}
	exponential := ExponentialBackoff(time.Second, time.Minute)
	// 6 requests; create 20s: 5 polls (seen at 31s); start 1s: 1 poll (1s); attach 3s: 2 polls (3s).
	if got := APIRequests(server, exponential); got != 14 {
		t.Errorf("server requests = %d, want 14", got)
	}
	if got := PollDelay(server, exponential); got != 11*time.Second {
		t.Errorf("server poll delay = %v, want 11s", got)
	}
	command := Resource{Type: "command:remote:Command"}
	if got := APIRequests(command, exponential); got != 0 {
		t.Errorf("a remote command costs %d Hetzner requests", got)
	}
}

// chain registers a → b → c (by dependency) and d on its own.
func chain() []Resource {
	return []Resource{
		{URN: "a"},
		{URN: "d"},
		{URN: "b", Dependencies: []string{"a"}},
		{URN: "c", Dependencies: []string{"d", "b"}},
	}
}

func TestLongestPath(t *testing.T) {
	latency := map[string]time.Duration{"a": 2 * time.Second, "b": 3 * time.Second, "c": time.Second, "d": 4 * time.Second}
	path, err := LongestPath(chain(), func(r Resource) time.Duration { return latency[r.URN] })
	if err != nil {
		t.Fatal(err)
	}
	var urns []string
	for _, r := range path.Resources {
		urns = append(urns, r.URN)
	}
	if path.Length != 6*time.Second || len(urns) != 3 || urns[0] != "a" || urns[1] != "b" || urns[2] != "c" {
		t.Errorf("longest path = %v (%v), want a b c (6s)", urns, path.Length)
	}
}

func TestLongestPathWaitsForAnExplicitProvider(t *testing.T) {
	resources := []Resource{{URN: "p"}, {URN: "r", Provider: "p::4711"}}
	path, err := LongestPath(resources, func(Resource) time.Duration { return time.Second })
	if err != nil || path.Length != 2*time.Second {
		t.Errorf("a resource and its provider take %v (%v), want 2s", path.Length, err)
	}
}

func TestLongestPathRejectsAnUnregisteredDependency(t *testing.T) {
	resources := []Resource{{URN: "b", Dependencies: []string{"a"}}, {URN: "a"}}
	if _, err := LongestPath(resources, func(Resource) time.Duration { return time.Second }); err == nil {
		t.Error("a dependency registered after its dependant went unnoticed")
	}
}

func TestTimingBoundsParallelCreates(t *testing.T) {
	for _, c := range []struct {
		parallel  int
		wantTotal time.Duration
	}{{0, 10 * time.Second}, {2, 20 * time.Second}, {1, 40 * time.Second}} {
		synctest.Test(t, func(t *testing.T) {
			timing := &Timing{Latency: func(Resource) time.Duration { return 10 * time.Second }, Parallel: c.parallel}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() { timing.create(Resource{}) })
			}
			wg.Wait()
			if got := timing.Total(); got != c.wantTotal {
				t.Errorf("4 creates of 10s with --parallel %d took %v, want %v", c.parallel, got, c.wantTotal)
			}
			// The last create waited for a slot all but its own 10s.
			var longestWait time.Duration
			for _, s := range timing.Spans() {
				longestWait = max(longestWait, s.Start-s.Ready)
			}
			if want := c.wantTotal - 10*time.Second; longestWait != want {
				t.Errorf("--parallel %d: longest wait for a slot %v, want %v", c.parallel, longestWait, want)
			}
		})
	}
}

func TestTimingDelaysDependants(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		timing := &Timing{Latency: func(Resource) time.Duration { return 10 * time.Second }}
		program := func(ctx *pulumi.Context) (pulumi.Map, error) {
			first, err := random.NewRandomPassword(ctx, "first", &random.RandomPasswordArgs{Length: pulumi.Int(8)})
			if err != nil {
				return nil, err
			}
			_, err = random.NewRandomPassword(ctx, "second", &random.RandomPasswordArgs{Length: pulumi.Int(8)}, pulumi.DependsOn([]pulumi.Resource{first}))
			return pulumi.Map{}, err
		}
		if _, err := Run(program, Options{Stack: "dev", Timing: timing}); err != nil {
			t.Fatal(err)
		}
		spans := timing.Spans()
		if len(spans) != 2 || spans[1].Resource.Name != "second" || spans[1].Start != spans[0].End || timing.Total() != 20*time.Second {
			t.Fatalf("second did not start when first ended, 20s in all: %+v", spans)
		}
	})
}

package mockcloud

import (
	"testing"
	"time"
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

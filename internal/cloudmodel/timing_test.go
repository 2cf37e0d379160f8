package cloudmodel

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
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
	exponential := ExponentialBackoff(time.Second, time.Minute)
	// 6 requests; create 20s: 5 polls (seen at 31s); start 1s: 1 poll (1s); attach 3s: 2 polls (3s).
	if got := APIRequests(hetzner.TypeServer, exponential); got != 14 {
		t.Errorf("server requests = %d, want 14", got)
	}
	if got := PollDelay(hetzner.TypeServer, exponential); got != 11*time.Second {
		t.Errorf("server poll delay = %v, want 11s", got)
	}
	if got := APIRequests(TypeCommand, exponential); got != 0 {
		t.Errorf("a remote command costs %d Hetzner requests", got)
	}
}

// chain registers a → b → c (by dependency) and d on its own.
func chain() []Step {
	return []Step{
		{URN: "a", Latency: 2 * time.Second},
		{URN: "d", Latency: 4 * time.Second},
		{URN: "b", WaitsFor: []string{"a"}, Latency: 3 * time.Second},
		{URN: "c", WaitsFor: []string{"d", "b"}, Latency: time.Second},
	}
}

func TestLongestPath(t *testing.T) {
	path, err := LongestPath(chain())
	if err != nil {
		t.Fatal(err)
	}
	var urns []string
	for _, r := range path.Steps {
		urns = append(urns, r.URN)
	}
	if path.Length != 6*time.Second || len(urns) != 3 || urns[0] != "a" || urns[1] != "b" || urns[2] != "c" {
		t.Errorf("longest path = %v (%v), want a b c (6s)", urns, path.Length)
	}
}

func TestLongestPathWaitsForAnExplicitProvider(t *testing.T) {
	steps := []Step{{URN: "p", Latency: time.Second}, {URN: "r", WaitsFor: WaitsFor(nil, "p::4711"), Latency: time.Second}}
	path, err := LongestPath(steps)
	if err != nil || path.Length != 2*time.Second {
		t.Errorf("a resource and its provider take %v (%v), want 2s", path.Length, err)
	}
}

func TestLongestPathRejectsAnUnregisteredDependency(t *testing.T) {
	steps := []Step{{URN: "b", WaitsFor: []string{"a"}}, {URN: "a"}}
	if _, err := LongestPath(steps); err == nil {
		t.Error("a dependency registered after its dependant went unnoticed")
	}
}

// Every Hetzner type the program creates has an entry, and a create takes
// as long as its actions: the one model the engine and graph tests share.
func TestEveryHetznerCreateTakesItsActions(t *testing.T) {
	for _, typ := range []string{hetzner.TypeNetwork, hetzner.TypeNetworkSubnet, hetzner.TypeFirewall, hetzner.TypePlacementGroup,
		hetzner.TypeServer, hetzner.TypeSSHKey, hetzner.TypeLoadBalancer, hetzner.TypeLoadBalancerNetwork,
		hetzner.TypeLoadBalancerService, hetzner.TypeLoadBalancerTarget} {
		c, ok := CreateOf(typ)
		if !ok {
			t.Errorf("%s: no entry", typ)
			continue
		}
		if c.Latency != 0 || c.Requests == 0 {
			t.Errorf("%s: a Hetzner create costs requests and takes its actions' time, not %+v", typ, c)
		}
	}
	if got := Creates[hetzner.TypeServer].Duration(); got != 24*time.Second {
		t.Errorf("a server takes %v, want 24s (create, start, attach)", got)
	}
}

func TestCommandNamed(t *testing.T) {
	for name, want := range map[string]Command{"kubeconfig": Kubeconfig, "ready": Readiness, "general-2-drain": Drain,
		"cp-1-install": "", "k3s-version": K3sVersion, "workers-labels": NodeLabels} {
		if got, ok := CommandNamed(name); !ok || got != want {
			t.Errorf("CommandNamed(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := CommandNamed("mystery"); ok {
		t.Error("an unknown command has a latency")
	}
}

// The cloud's path is the registry's figures along network, subnet, a
// server until it boots, cloud-init and the download (longer than the
// attach), k3s's start on the first node and on a joining one, the other
// learners, readiness and kubeconfig: 2 + 21 + 20 + 40 + 25 + 10 + 10 + 2 s
// for three control-plane nodes, one learner's wait less for two.
func TestCloudPath(t *testing.T) {
	for controlPlanes, want := range map[int]time.Duration{2: 120 * time.Second, 3: 130 * time.Second, 5: 150 * time.Second} {
		if got := Total(CloudPath(controlPlanes)); got != want {
			t.Errorf("the cloud's path with %d control-plane nodes = %v, want %v", controlPlanes, got, want)
		}
	}
	if got := Total(AddOnPath()); got != 17*time.Second {
		t.Errorf("the add-ons' path = %v, want 17s (the upgrade controller's Namespace, Deployment, CRD registration, then a Plan)", got)
	}
}

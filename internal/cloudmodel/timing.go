package cloudmodel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// Step is one resource of a dependency graph: what it waits for and how
// long it takes.
type Step struct {
	URN      string
	WaitsFor []string // URNs
	Latency  time.Duration
}

// WaitsFor are the URNs a resource waits for: its dependencies and its own
// provider (a reference URN::ID), which the SDK needs created before it
// registers the resource. Under Pulumi's mocks a resource of a default
// provider names none (""), and waits for nothing more.
func WaitsFor(dependencies []string, provider string) []string {
	if provider == "" {
		return dependencies
	}
	return append(slices.Clone(dependencies), provider[:strings.LastIndex(provider, "::")])
}

// Path is a chain of steps, each waiting for the one before it.
type Path struct {
	Steps  []Step
	Length time.Duration // the sum of their latencies
}

// LongestPath returns the chain of dependencies with the largest total
// latency: no schedule, however parallel, creates every resource sooner.
// Steps come in registration order, so every dependency comes before its
// dependants.
func LongestPath(steps []Step) (Path, error) {
	finish := map[string]time.Duration{}
	via := map[string]string{} // the dependency each step's longest chain goes through
	byURN := map[string]Step{}
	var last string
	for _, s := range steps {
		var before time.Duration
		for _, dep := range s.WaitsFor {
			f, ok := finish[dep]
			if !ok {
				return Path{}, fmt.Errorf("%s depends on %s, which was not registered before it", s.URN, dep)
			}
			if _, chosen := via[s.URN]; !chosen || f > before {
				before, via[s.URN] = f, dep
			}
		}
		finish[s.URN], byURN[s.URN] = before+s.Latency, s
		if last == "" || finish[s.URN] > finish[last] {
			last = s.URN
		}
	}
	path := Path{Length: finish[last]}
	for urn := last; urn != ""; urn = via[urn] {
		path.Steps = append(path.Steps, byURN[urn])
	}
	slices.Reverse(path.Steps)
	return path, nil
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

// APIRequests estimates the Hetzner API requests creating a resource of
// type typ costs when the provider polls with b. Resources of other
// providers cost none.
func APIRequests(typ string, b Backoff) int {
	c := Creates[typ]
	n := c.Requests
	for _, d := range c.Actions {
		polls, _ := b.Wait(d)
		n += polls
	}
	return n
}

// PollDelay is how much later than its actions finish the provider, polling
// with b, sees a resource of type typ created.
func PollDelay(typ string, b Backoff) time.Duration {
	var delay time.Duration
	for _, d := range Creates[typ].Actions {
		_, seen := b.Wait(d)
		delay += seen - d
	}
	return delay
}

// Part is one link of the path the cloud imposes: what runs, and for how
// long.
type Part struct {
	What  string
	Takes time.Duration
}

// CloudPath is the path Hetzner and k3s impose on creating a cluster of
// controlPlanes (two or more) nodes, whatever program creates it, summed
// from the registry without reading any program's graph: a network, its
// subnet, a server on it, booted; its cloud-init and the k3s download, as
// the server is attached to the network; k3s initialising the cluster on
// it; a join, whose server booted as early and is long ready; etcd's
// learner slot taken in turn by the other control-plane joins (every node
// must be registered before the readiness check passes), the readiness
// check and the kubeconfig fetch. Actions take their time without polling:
// on a real run PollDelay comes on top.
func CloudPath(controlPlanes int) []Part {
	attach := Creates[hetzner.TypeServer].Duration() - BootAfter()
	path := []Part{
		{"network", Creates[hetzner.TypeNetwork].Duration()},
		{"subnet", Creates[hetzner.TypeNetworkSubnet].Duration()},
		{"server, until it boots", BootAfter()},
		{"cloud-init and the k3s download, while the server is attached", max(attach, CloudInit+K3sDownload)},
		{"k3s initialising the cluster", InstallStart(InitInstall)},
		{"a join", InstallStart(JoinInstall)},
	}
	if more := controlPlanes - 2; more > 0 {
		path = append(path, Part{fmt.Sprintf("etcd's learner slot in turn (%d more)", more), time.Duration(more) * LearnerPhase})
	}
	return append(path, Part{"readiness check", Commands[Readiness]}, Part{"kubeconfig", Commands[Kubeconfig]})
}

// AddOnPath is what the cloud imposes after the kubeconfig before `pulumi
// up` can return: every add-on is applied through the kubeconfig, and the
// slowest is system-upgrade-controller: its Namespace, then its
// Deployment, whose controller registers the Plan CRD when it starts, then
// a Plan, an object of that CRD's kind.
func AddOnPath() []Part {
	return []Part{
		{"system-upgrade-controller's Namespace", Creates[TypeNamespace].Duration()},
		{"its Deployment", Creates[TypeDeployment].Duration()},
		{"its registration of the Plan CRD", Commands[CRDEstablished]},
		{"a Plan", Creates[TypePlan].Duration()},
	}
}

// Total is how long parts run one after another.
func Total(parts []Part) time.Duration {
	var d time.Duration
	for _, p := range parts {
		d += p.Takes
	}
	return d
}

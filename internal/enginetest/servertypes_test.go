package enginetest

// What Hetzner can sell now, read at preview: refusals come before anything
// is registered, and servers that run keep their type.

import (
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/providers"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// expectRefusedBeforeAnything checks that the up failed with each message,
// before a single resource was registered or created.
func expectRefusedBeforeAnything(t *testing.T, w *world, s *Stack, r *Run, messages ...string) {
	t.Helper()
	r.Expect(t, r.Err != nil, "the up succeeded")
	if r.Err == nil {
		return
	}
	for _, m := range messages {
		r.Expect(t, strings.Contains(r.Err.Error(), m), "the error does not say %q:\n%v", m, r.Err)
	}
	for _, step := range r.Steps {
		r.Expect(t, engineOwned(step.URN), "%s %s was taken", step.Op, step.URN)
	}
	for _, res := range s.Resources() {
		r.Expect(t, engineOwned(res.URN), "the state holds %s", res.URN)
	}
	r.Expect(t, w.cloud.count() == 0, "the project holds %d resources", w.cloud.count())
}

// engineOwned tells the stack itself and the default providers, which the
// engine registers for the program's reads (pkg/v3 resource/deploy/
// default_providers.go, handleRequest: on the first request of a package),
// from what the program registers: an explicit provider too.
func engineOwned(urn resource.URN) bool {
	return urn.Type() == resource.RootStackType || providers.IsDefaultProvider(urn)
}

// dev in location, its control plane and workers of serverType.
func devIn(s *Stack, serverType, location string) {
	s.Set("controlPlane", map[string]any{"count": 1, "serverType": serverType, "locations": []any{location}})
	s.Set("workerPools", []any{map[string]any{"name": "workers", "count": 2, "serverType": serverType, "location": location}})
}

// The dev default sold out in its location: the first up is refused with
// what is orderable there instead, before the network and firewall exist;
// the same type in a location that has it goes through.
func TestDefaultTypeSoldOutInItsLocation(t *testing.T) {
	w := newWorld()
	mockcloud.SoldOut(w.catalogue, "cx23", "nbg1")
	s := newStack(w, "dev", nil)
	r := s.Up(t)
	expectRefusedBeforeAnything(t, w, s, r,
		`hcloud-k3s:controlPlane.serverType: "cx23" cannot be ordered in nbg1 now (Hetzner lists it as unavailable there): the closest types orderable there are cpx22, ccx13, cx33`,
		`hcloud-k3s:workerPools[0].serverType: "cx23" cannot be ordered in nbg1 now`)

	devIn(s, "cx23", "fsn1")
	s.Up(t).Check(t)
}

// A deprecated type is refused with its successor.
func TestDeprecatedTypeRefusedWithItsSuccessor(t *testing.T) {
	w := newWorld()
	s := newStack(w, "dev", nil)
	devIn(s, "cx22", "nbg1")
	expectRefusedBeforeAnything(t, w, s, s.Up(t), `hcloud-k3s:controlPlane.serverType: "cx22" is deprecated by Hetzner in nbg1`, "use its successor cx23")
}

// Hetzner's API cannot be read: a clear error, nothing registered.
func TestHetznerUnreachableRegistersNothing(t *testing.T) {
	w := newWorld()
	w.unreachable = true
	s := newStack(w, "dev", nil)
	expectRefusedBeforeAnything(t, w, s, s.Up(t), "reading the cluster's servers", "api.hetzner.cloud")
}

// A running cluster keeps servers of a type Hetzner no longer sells where
// they run: nothing changes, and only a new server of it is refused.
func TestRunningServersKeepATypeNoLongerSold(t *testing.T) {
	w := newWorld()
	s := newStack(w, "dev", nil)
	s.Up(t).Check(t)
	mockcloud.SoldOut(w.catalogue, "cx23", "nbg1")
	same := s.Up(t).Check(t)
	same.Expect(t, len(same.Steps) == 0, "a sold-out type changed %d steps of a running cluster", len(same.Steps))

	s.Set("workerPools", []any{devWorkers(3)})
	r := s.Up(t)
	r.Expect(t, r.Err != nil && strings.Contains(r.Err.Error(), `hcloud-k3s:workerPools[0].serverType: "cx23" cannot be ordered in nbg1 now`),
		"a new worker of a sold-out type was not refused: %v", r.Err)
	for _, step := range r.Steps {
		r.Expect(t, engineOwned(step.URN), "%s %s was taken", step.Op, step.URN)
	}
}

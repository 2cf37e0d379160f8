package hetzner

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// LoadBalancerTypes are the load balancer types Hetzner sells.
var LoadBalancerTypes = []string{"lb11", "lb21", "lb31"}

// ServerType is one server type as Hetzner's API lists it now
// (GET /server_types, read through pulumi-hcloud's getServerTypes).
type ServerType struct {
	Name         string
	Architecture string // "x86" or "arm"
	Cores        int
	Memory       int // GB
	// Offers are the locations the type is listed in, by location name.
	Offers map[string]Offer
}

// Offer is a server type in one location: its locations[] entry. Since
// 2026-04 that entry, not the datacenter's server-type lists, says what can
// be ordered (hcloud-go CHANGELOG, "Available and recommended Server Types
// have been moved"; docs.hetzner.cloud changelog 2026-04-01), and since
// 2025-09-24 it carries the deprecation (terraform-provider-hcloud
// internal/servertype/data_source.go: the type-wide fields are phased out).
type Offer struct {
	Available  bool // orderable now; false while sold out, and once retired
	Deprecated bool
	// UnavailableAfter is when a deprecated type can no longer be ordered
	// there (RFC 3339), when Hetzner says.
	UnavailableAfter string
}

// Catalogue is every server type Hetzner lists, by name.
type Catalogue map[string]ServerType

// Names lists the server types, sorted.
func (c Catalogue) Names() []string { return slices.Sorted(maps.Keys(c)) }

// successors are the types Hetzner named as replacing those it deprecated
// on 2025-10-16 (CX Gen2 and CPX Gen1: docs.hetzner.cloud changelog
// "2025-10-16 server types deprecated"; the same successors in kube-hetzner
// PR #1991 and ansible-collections/hetzner.hcloud PR #718).
var successors = map[string]string{
	"cx22": "cx23", "cx32": "cx33", "cx42": "cx43", "cx52": "cx53",
	"cpx11": "cpx12", "cpx21": "cpx22", "cpx31": "cpx32", "cpx41": "cpx42", "cpx51": "cpx62",
}

// alternatives is how many types a refusal suggests.
const alternatives = 3

// OrderProblem explains why serverType cannot be ordered in location now,
// or returns "" when it can. known is false for a name Hetzner does not
// list at all.
func (c Catalogue) OrderProblem(serverType, location string) (problem string, known bool) {
	t, known := c[serverType]
	if !known {
		return "", false
	}
	offer, listed := t.Offers[location]
	switch {
	case offer.Deprecated:
		return fmt.Sprintf("is deprecated by Hetzner in %s%s: %s", location, until(offer), c.successor(t, location)), true
	case !listed:
		return fmt.Sprintf("is not offered in %s: %s", location, c.suggest(t, location)), true
	case !offer.Available:
		return fmt.Sprintf("cannot be ordered in %s now (Hetzner lists it as unavailable there): %s", location, c.suggest(t, location)), true
	}
	return "", true
}

func until(o Offer) string {
	if o.UnavailableAfter == "" {
		return ""
	}
	return " (unavailable after " + o.UnavailableAfter + ")"
}

// successor names the type Hetzner named as its successor when that can be
// ordered in location, else the closest ones that can.
func (c Catalogue) successor(t ServerType, location string) string {
	if s, ok := successors[t.Name]; ok && c.orderable(s, location) {
		return "use its successor " + s
	}
	return c.suggest(t, location)
}

// suggest names the types orderable in location closest to t.
func (c Catalogue) suggest(t ServerType, location string) string {
	names := c.closest(t, location, alternatives)
	if len(names) == 0 {
		return fmt.Sprintf("Hetzner offers no %s server type in %s now: pick another location", t.Architecture, location)
	}
	return fmt.Sprintf("the closest types orderable there are %s", strings.Join(names, ", "))
}

func (c Catalogue) orderable(name, location string) bool {
	o, ok := c[name].Offers[location]
	return ok && o.Available && !o.Deprecated
}

// closest lists up to n types orderable in location with t's architecture,
// nearest in cores and memory first (each compared by ratio, so 2→4 cores is
// as far as 8→16), then of t's series, then by name.
func (c Catalogue) closest(t ServerType, location string, n int) []string {
	var candidates []ServerType
	for _, name := range c.Names() {
		other := c[name]
		if name != t.Name && other.Architecture == t.Architecture && c.orderable(name, location) {
			candidates = append(candidates, other)
		}
	}
	distance := func(o ServerType) float64 {
		return math.Abs(math.Log(ratio(o.Cores, t.Cores))) + math.Abs(math.Log(ratio(o.Memory, t.Memory)))
	}
	slices.SortStableFunc(candidates, func(a, b ServerType) int {
		return cmp.Or(cmp.Compare(distance(a), distance(b)), compareBool(series(b.Name) == series(t.Name), series(a.Name) == series(t.Name)))
	})
	var names []string
	for _, o := range candidates[:min(n, len(candidates))] {
		names = append(names, o.Name)
	}
	return names
}

func ratio(a, b int) float64 { return float64(max(a, 1)) / float64(max(b, 1)) }

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// series is a server type's family, e.g. cpx for cpx22.
func series(serverType string) string { return strings.TrimRight(serverType, "0123456789") }

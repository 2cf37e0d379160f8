package mockcloud

import (
	"maps"
	"slices"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Where the modelled project's server types are offered. The facts (issue
// 17, from three independent reads: a Hetzner price-API dump of 2026-09, a
// live GET /v1/datacenters of 2026-07 and a price table of 2025-10): cx
// (Gen3) and cax only in eu-central; cpx Gen2 (cpx12–cpx62) in eu-central
// and sin; cpx Gen1 (cpx11–cpx51) orderable only in the US locations, and
// deprecated in eu-central with cx Gen2 (docs.hetzner.cloud changelog
// 2025-10-16: unorderable after 2025-12-31); ccx everywhere.
var (
	euCentral    = []string{"fsn1", "nbg1", "hel1"}
	us           = []string{"ash", "hil"}
	allLocations = []string{"fsn1", "nbg1", "hel1", "ash", "hil", "sin"}
)

// retiredInEU is the deprecation Hetzner announced on 2025-10-16.
var retiredInEU = hetzner.Offer{Deprecated: true, UnavailableAfter: "2026-01-01T00:00:00Z"}

// Catalogue is the server types the modelled project lists, with their
// cores and memory (GB) from Hetzner's price list; a new copy each call, so
// a test can mark a type sold out.
func Catalogue() hetzner.Catalogue {
	c := hetzner.Catalogue{}
	add := func(arch string, sizes map[string][2]int, offers map[string]hetzner.Offer) {
		for name, size := range sizes {
			c[name] = hetzner.ServerType{Name: name, Architecture: arch, Cores: size[0], Memory: size[1], Offers: maps.Clone(offers)}
		}
	}
	add("x86", map[string][2]int{"cx23": {2, 4}, "cx33": {4, 8}, "cx43": {8, 16}, "cx53": {16, 32}}, available(euCentral))
	add("arm", map[string][2]int{"cax11": {2, 4}, "cax21": {4, 8}, "cax31": {8, 16}, "cax41": {16, 32}}, available(euCentral))
	add("x86", map[string][2]int{"cpx12": {1, 2}, "cpx22": {2, 4}, "cpx32": {4, 8}, "cpx42": {8, 16}, "cpx52": {12, 24}, "cpx62": {16, 32}},
		available(append(slices.Clone(euCentral), "sin")))
	cpxGen1 := available(us)
	for _, l := range euCentral {
		cpxGen1[l] = retiredInEU
	}
	add("x86", map[string][2]int{"cpx11": {2, 2}, "cpx21": {3, 4}, "cpx31": {4, 8}, "cpx41": {8, 16}, "cpx51": {16, 32}}, cpxGen1)
	cxGen2 := map[string]hetzner.Offer{}
	for _, l := range euCentral {
		cxGen2[l] = retiredInEU
	}
	add("x86", map[string][2]int{"cx22": {2, 4}, "cx32": {4, 8}, "cx42": {8, 16}, "cx52": {16, 32}}, cxGen2)
	add("x86", map[string][2]int{"ccx13": {2, 8}, "ccx23": {4, 16}, "ccx33": {8, 32}, "ccx43": {16, 64}, "ccx53": {32, 128}, "ccx63": {48, 192}},
		available(allLocations))
	return c
}

func available(locations []string) map[string]hetzner.Offer {
	offers := map[string]hetzner.Offer{}
	for _, l := range locations {
		offers[l] = hetzner.Offer{Available: true}
	}
	return offers
}

// SoldOut marks a server type unavailable in a location, as Hetzner does
// for weeks at a time when it runs out of stock.
func SoldOut(c hetzner.Catalogue, serverType, location string) {
	c[serverType].Offers[location] = hetzner.Offer{}
}

// ServerTypesResult is what getServerTypes answers for a catalogue, in the
// shape of pulumi-hcloud v1.41's GetServerTypesResult.
func ServerTypesResult(c hetzner.Catalogue) resource.PropertyMap {
	var types []any
	for _, name := range c.Names() {
		t := c[name]
		var locations []any
		for _, l := range slices.Sorted(maps.Keys(t.Offers)) {
			o := t.Offers[l]
			locations = append(locations, map[string]any{
				"name": l, "available": o.Available, "isDeprecated": o.Deprecated, "unavailableAfter": o.UnavailableAfter,
			})
		}
		types = append(types, map[string]any{
			"name": name, "architecture": t.Architecture, "cores": t.Cores, "memory": t.Memory, "locations": locations,
		})
	}
	return resource.NewPropertyMapFromMap(map[string]any{"id": "server-types", "serverTypes": types})
}

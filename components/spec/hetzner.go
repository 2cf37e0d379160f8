package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Hetzner Cloud limits that shape the cluster.
const (
	MaxServersPerNetwork   = 100 // a private network holds at most 100 servers
	MaxServersPerPlacement = 10  // a spread placement group holds at most 10 servers
)

// zoneOfLocation maps each Hetzner Cloud location to its network zone; a
// network and all its servers live in one zone.
var zoneOfLocation = map[string]string{
	"fsn1": euCentral,
	"nbg1": euCentral,
	"hel1": euCentral,
	"ash":  usEast,
	"hil":  usWest,
	"sin":  apSoutheast,
}

var loadBalancerTypes = []string{"lb11", "lb21", "lb31"}

// Network zones as Hetzner names them.
const (
	euCentral   = "eu-central"
	usEast      = "us-east"
	usWest      = "us-west"
	apSoutheast = "ap-southeast"
)

// serverTypeZones lists the server types Hetzner sells and the network zones
// that sell each, as of late 2026: CX (Intel/AMD cost-optimised), CAX (ARM)
// and CPX Gen2 only in eu-central; CPX Gen1 only outside it, where it is
// still sold; CCX everywhere. Sources: Hetzner's changelog of 2025-10-16
// (CX Gen2 and CPX Gen1 deprecated in the EU locations), Hetzner support
// ("CX servers … are not offered in our US locations", trailofbits/algo#14562)
// and the published price list. Stock per location is not static: Hetzner
// still refuses a sold-out type at create time.
var serverTypeZones = map[string][]string{
	"cx23": {euCentral}, "cx33": {euCentral}, "cx43": {euCentral}, "cx53": {euCentral},
	"cax11": {euCentral}, "cax21": {euCentral}, "cax31": {euCentral}, "cax41": {euCentral},
	"cpx12": {euCentral}, "cpx22": {euCentral}, "cpx32": {euCentral}, "cpx42": {euCentral},
	"cpx52": {euCentral}, "cpx62": {euCentral},
	"cpx11": nonEU, "cpx21": nonEU, "cpx31": nonEU, "cpx41": nonEU, "cpx51": nonEU,
	"ccx13": allZones, "ccx23": allZones, "ccx33": allZones, "ccx43": allZones, "ccx53": allZones, "ccx63": allZones,
}

var (
	allZones = []string{euCentral, usEast, usWest, apSoutheast}
	nonEU    = []string{usEast, usWest, apSoutheast}
)

// successors names, for a type no longer sold in eu-central, the type that
// replaced it there (same memory, at least as many vCPUs where one exists).
var successors = map[string]string{
	"cx11": "cx23", "cx21": "cx23", "cx31": "cx33", "cx41": "cx43", "cx51": "cx53",
	"cx22": "cx23", "cx32": "cx33", "cx42": "cx43", "cx52": "cx53",
	"cpx11": "cpx12", "cpx21": "cpx22", "cpx31": "cpx32", "cpx41": "cpx42", "cpx51": "cpx62",
}

// ZoneOf returns the network zone of a location.
func ZoneOf(location string) (string, bool) {
	zone, ok := zoneOfLocation[location]
	return zone, ok
}

// locations lists the known locations, sorted.
func locations() []string { return slices.Sorted(maps.Keys(zoneOfLocation)) }

// zones lists the network zones, sorted.
func zones() []string { return slices.Compact(slices.Sorted(maps.Values(zoneOfLocation))) }

// serverTypeProblem explains why a server type cannot be ordered in a
// location, or returns "" when it can.
func serverTypeProblem(serverType, location string) string {
	zone, knownLocation := zoneOfLocation[location]
	sold, known := serverTypeZones[serverType]
	successor, replaced := successors[serverType]
	switch {
	case !known && replaced:
		return fmt.Sprintf("retired by Hetzner and no longer orderable; use its successor %s", successor)
	case !known:
		return fmt.Sprintf("is not a Hetzner Cloud server type; the closest are %s", strings.Join(closest(serverType, slices.Sorted(maps.Keys(serverTypeZones)), 3), ", "))
	case !knownLocation || slices.Contains(sold, zone):
		return ""
	case zone == euCentral && replaced:
		return fmt.Sprintf("is no longer sold in %s (%s); use its successor %s", location, zone, successor)
	default:
		return fmt.Sprintf("is not sold in %s (%s): %s types are sold in %s", location, zone, family(serverType), strings.Join(locationsIn(sold), ", "))
	}
}

// family is a server type's series, e.g. cpx for cpx22.
func family(serverType string) string { return strings.TrimRight(serverType, "0123456789") }

// locationsIn lists the locations of the given network zones, sorted.
func locationsIn(zones []string) []string {
	var out []string
	for _, location := range locations() {
		if slices.Contains(zones, zoneOfLocation[location]) {
			out = append(out, location)
		}
	}
	return out
}

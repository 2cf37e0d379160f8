package hetzner

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// LoadBalancerTypes are the load balancer types Hetzner sells.
var LoadBalancerTypes = []string{"lb11", "lb21", "lb31"}

// serverTypeZones lists the server types Hetzner sells and the network zones
// that sell each, as of late 2026: CX (Intel/AMD cost-optimised), CAX (ARM)
// and CPX Gen2 only in eu-central; CPX Gen1 only outside it, where it is
// still sold; CCX everywhere. Sources: Hetzner's changelog of 2025-10-16
// (CX Gen2 and CPX Gen1 deprecated in the EU locations), Hetzner support
// ("CX servers … are not offered in our US locations", trailofbits/algo#14562)
// and the published price list. Stock per location is not static: Hetzner
// still refuses a sold-out type at create time.
var serverTypeZones = map[string][]string{
	"cx23": {EUCentral}, "cx33": {EUCentral}, "cx43": {EUCentral}, "cx53": {EUCentral},
	"cax11": {EUCentral}, "cax21": {EUCentral}, "cax31": {EUCentral}, "cax41": {EUCentral},
	"cpx12": {EUCentral}, "cpx22": {EUCentral}, "cpx32": {EUCentral}, "cpx42": {EUCentral},
	"cpx52": {EUCentral}, "cpx62": {EUCentral},
	"cpx11": nonEU, "cpx21": nonEU, "cpx31": nonEU, "cpx41": nonEU, "cpx51": nonEU,
	"ccx13": allZones, "ccx23": allZones, "ccx33": allZones, "ccx43": allZones, "ccx53": allZones, "ccx63": allZones,
}

var (
	allZones = []string{EUCentral, USEast, USWest, APSoutheast}
	nonEU    = []string{USEast, USWest, APSoutheast}
)

// successors names, for a type no longer sold in eu-central, the type that
// replaced it there (same memory, at least as many vCPUs where one exists).
var successors = map[string]string{
	"cx11": "cx23", "cx21": "cx23", "cx31": "cx33", "cx41": "cx43", "cx51": "cx53",
	"cx22": "cx23", "cx32": "cx33", "cx42": "cx43", "cx52": "cx53",
	"cpx11": "cpx12", "cpx21": "cpx22", "cpx31": "cpx32", "cpx41": "cpx42", "cpx51": "cpx62",
}

// ServerTypes lists the server types Hetzner sells somewhere, sorted.
func ServerTypes() []string { return slices.Sorted(maps.Keys(serverTypeZones)) }

// ServerTypeProblem explains why a server type cannot be ordered in a
// location, or returns "" when it can (or the location is unknown, which is
// a problem of its own). known is false for a name Hetzner never sold.
func ServerTypeProblem(serverType, location string) (problem string, known bool) {
	zone, knownLocation := zoneOfLocation[location]
	sold, sells := serverTypeZones[serverType]
	successor, replaced := successors[serverType]
	switch {
	case !sells && replaced:
		return fmt.Sprintf("retired by Hetzner and no longer orderable; use its successor %s", successor), true
	case !sells:
		return "", false
	case !knownLocation || slices.Contains(sold, zone):
		return "", true
	case zone == EUCentral && replaced:
		return fmt.Sprintf("is no longer sold in %s (%s); use its successor %s", location, zone, successor), true
	default:
		return fmt.Sprintf("is not sold in %s (%s): %s types are sold in %s", location, zone, family(serverType), strings.Join(LocationsIn(sold), ", ")), true
	}
}

// family is a server type's series, e.g. cpx for cpx22.
func family(serverType string) string { return strings.TrimRight(serverType, "0123456789") }

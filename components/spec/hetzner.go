package spec

import (
	"fmt"
	"maps"
	"regexp"
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
	"fsn1": "eu-central",
	"nbg1": "eu-central",
	"hel1": "eu-central",
	"ash":  "us-east",
	"hil":  "us-west",
	"sin":  "ap-southeast",
}

var loadBalancerTypes = []string{"lb11", "lb21", "lb31"}

var serverTypePattern = regexp.MustCompile(`^(cx|cpx|ccx|cax)[0-9]{2}$`)

// retiredServerTypes can no longer be ordered; the value is the successor.
var retiredServerTypes = map[string]string{
	"cx11": "cx23", "cx21": "cx23", "cx31": "cx33", "cx41": "cx43", "cx51": "cx53",
	"cx22": "cx23", "cx32": "cx33", "cx42": "cx43", "cx52": "cx53",
	"cpx11": "cpx12", "cpx21": "cpx22", "cpx31": "cpx32", "cpx41": "cpx42", "cpx51": "cpx52",
}

// armZone is the only network zone whose locations sell CAX (Ampere ARM) servers.
const armZone = "eu-central"

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
	if successor, retired := retiredServerTypes[serverType]; retired {
		return fmt.Sprintf("retired by Hetzner and no longer orderable; use its successor %s", successor)
	}
	if !serverTypePattern.MatchString(serverType) {
		return "must be a Hetzner Cloud server type such as cx23, cpx22, ccx13 or cax11"
	}
	if zone := zoneOfLocation[location]; strings.HasPrefix(serverType, "cax") && zone != "" && zone != armZone {
		return fmt.Sprintf("ARM (cax) servers are not sold in %s; use fsn1, nbg1 or hel1", location)
	}
	return ""
}

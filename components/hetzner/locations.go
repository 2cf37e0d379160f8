package hetzner

import (
	"maps"
	"slices"
)

// Network zones as Hetzner names them; a network and all its servers live in one zone.
const (
	EUCentral   = "eu-central"
	USEast      = "us-east"
	USWest      = "us-west"
	APSoutheast = "ap-southeast"
)

// zoneOfLocation maps each Hetzner Cloud location to its network zone.
var zoneOfLocation = map[string]string{
	"fsn1": EUCentral,
	"nbg1": EUCentral,
	"hel1": EUCentral,
	"ash":  USEast,
	"hil":  USWest,
	"sin":  APSoutheast,
}

// ZoneOf returns the network zone of a location; ok is false for an unknown location.
func ZoneOf(location string) (zone string, ok bool) {
	zone, ok = zoneOfLocation[location]
	return zone, ok
}

// Locations lists the known locations, sorted.
func Locations() []string { return slices.Sorted(maps.Keys(zoneOfLocation)) }

// Zones lists the network zones, sorted.
func Zones() []string { return slices.Compact(slices.Sorted(maps.Values(zoneOfLocation))) }

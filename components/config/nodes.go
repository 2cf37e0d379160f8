package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// Defaults of the servers of the control plane and of every worker pool.
const (
	DefaultServerType = "cx23"
	DefaultLocation   = "nbg1"
	DefaultImage      = "ubuntu-24.04"
)

// Node is one server. Its Name is the stable key of every resource made for
// it, so adding or removing another node never touches this one.
type Node struct {
	Name      string     // "cp-1", "<pool>-3"
	Hostname  string     // "<cluster>-cp-1": the server and Kubernetes node name
	Location  string     // Hetzner location
	PrivateIP netip.Addr // fixed for control-plane nodes; invalid for workers (assigned by Hetzner)
	Placement int        // index of the node's spread placement group within its pool
}

// Hostnames lists the nodes' hostnames, in order.
func Hostnames(nodes []Node) []string {
	var names []string
	for _, n := range nodes {
		names = append(names, n.Hostname)
	}
	return names
}

func checkLocations(p *problems, key string, locations []string) {
	zones := map[string]bool{}
	for i, location := range locations {
		if zone, ok := knownLocation(p, fmt.Sprintf("%s[%d]", key, i), location); ok {
			zones[zone] = true
		}
	}
	if len(zones) > 1 {
		p.add(key, locations, "span several network zones: a private network lives in one zone, so pick locations of one zone (eu-central: fsn1, nbg1, hel1)")
	}
}

// knownLocation returns the zone of a location, or reports that it is unknown.
func knownLocation(p *problems, key, location string) (string, bool) {
	zone, ok := hetzner.ZoneOf(location)
	if !ok {
		p.add(key, location, "is not a Hetzner Cloud location: use one of %s", strings.Join(hetzner.Locations(), ", "))
	}
	return zone, ok
}

// checkInZone requires a known location inside the network's zone.
func checkInZone(p *problems, key, location, zone string) {
	if z, ok := knownLocation(p, key, location); ok && zone != "" && z != zone {
		p.add(key, location, "is in zone %s, but the cluster's network is in %s: everything on the network shares its zone", z, zone)
	}
}

package config

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// LoadBalancerInput is the `apiLoadBalancer` key.
type LoadBalancerInput struct {
	Enabled         bool   `json:"enabled"`
	Type            string `json:"type"`
	Location        string `json:"location"`
	PublicInterface *bool  `json:"publicInterface"`
}

// LoadBalancer is the optional TCP load balancer for the Kubernetes API.
type LoadBalancer struct {
	Enabled         bool
	Type            string
	Location        string
	PublicInterface bool
	PrivateIP       netip.Addr
}

const DefaultLBType = "lb11"

func resolveLoadBalancer(p *problems, in LoadBalancerInput, home, zone string) LoadBalancer {
	lb := LoadBalancer{
		Enabled:         in.Enabled,
		Type:            or(in.Type, DefaultLBType),
		Location:        or(in.Location, home),
		PublicInterface: valueOr(in.PublicInterface, true),
	}
	if !slices.Contains(hetzner.LoadBalancerTypes, lb.Type) {
		p.add("apiLoadBalancer.type", lb.Type, "is not a load balancer type: use one of %s", strings.Join(hetzner.LoadBalancerTypes, ", "))
	}
	checkInZone(p, "apiLoadBalancer.location", lb.Location, zone)
	return lb
}

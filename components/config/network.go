package config

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// NetworkInput is the `network` key.
type NetworkInput struct {
	CIDR string `json:"cidr"`
	Zone string `json:"zone"`
}

// Network is the private network all nodes and the load balancer join.
type Network struct {
	CIDR netip.Prefix // network.cidr: the subnet the servers and the load balancer live in
	// IPRange is the Hetzner network's ip_range: CIDR, or a range that also
	// spans the pods' when Cilium routes natively (resolveNetworkRange).
	IPRange netip.Prefix
	Zone    string
}

const DefaultNetworkCIDR = "10.0.0.0/16"

// publicGateway is the on-link default gateway of every Hetzner Cloud
// server's public interface (Hetzner API docs, networks add_route: "172.31.1.1
// … is being used as a gateway for the public network interface of Servers").
var publicGateway = netip.MustParseAddr("172.31.1.1")

func resolveNetwork(p *problems, in NetworkInput, home string) Network {
	n := Network{}
	cidr, err := netip.ParsePrefix(or(in.CIDR, DefaultNetworkCIDR))
	switch {
	case err != nil:
		p.add("network.cidr", in.CIDR, "is not a CIDR such as %s", DefaultNetworkCIDR)
	case !cidr.Addr().Is4() || !cidr.Addr().IsPrivate():
		p.add("network.cidr", in.CIDR, "must be a private IPv4 range (RFC 1918), such as %s", DefaultNetworkCIDR)
	case cidr.Bits() < 8 || cidr.Bits() > 24:
		p.add("network.cidr", in.CIDR, "must have a prefix length from /8 to /24 (room for %d servers and the load balancer)", hetzner.MaxServersPerNetwork)
	case cidr != cidr.Masked():
		p.add("network.cidr", in.CIDR, "has host bits set: use %s", cidr.Masked())
	case cidr.Contains(publicGateway):
		p.add("network.cidr", in.CIDR, "contains %s, the gateway of every Hetzner server's public interface; "+
			"a server given that private address would lose its route to the internet, and Hetzner refuses it as a route (API: add_route). Use a range without it, such as %s", publicGateway, DefaultNetworkCIDR)
	default:
		n.CIDR = cidr
	}
	n.Zone = in.Zone
	derived, _ := hetzner.ZoneOf(home)
	if n.Zone == "" {
		n.Zone = derived
	} else if !slices.Contains(hetzner.Zones(), n.Zone) {
		p.add("network.zone", n.Zone, "is not a Hetzner network zone: use one of %s", strings.Join(hetzner.Zones(), ", "))
	} else if derived != "" && derived != n.Zone {
		p.add("network.zone", n.Zone, "does not contain the control-plane location %s (zone %s)", home, derived)
	}
	return n
}

// staticAddress counts back from the top of the network: the load balancer
// takes the last usable address and control-plane node i the i-th before it,
// far from the low addresses Hetzner hands out to workers, so the two never race.
func staticAddress(network netip.Prefix, fromTop int) netip.Addr {
	a := lastAddress(network)
	for i := 0; i <= fromTop; i++ { // skip the broadcast address, then count down
		a = a.Prev()
	}
	return a
}

func lastAddress(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	hostBits := 32 - p.Bits()
	for i := 3; i >= 0 && hostBits > 0; i-- {
		n := min(hostBits, 8)
		b[i] |= byte(1<<n - 1)
		hostBits -= n
	}
	return netip.AddrFrom4(b)
}

// checkCIDRsApart refuses overlapping node, pod and service ranges: routing
// between them would be ambiguous.
func checkCIDRsApart(p *problems, c Cluster) {
	ranges := []struct {
		key    string
		prefix netip.Prefix
	}{{"network.cidr", c.Network.CIDR}, {"k3s.clusterCidr", c.K3s.ClusterCIDR}, {"k3s.serviceCidr", c.K3s.ServiceCIDR}}
	for i, a := range ranges {
		for _, b := range ranges[i+1:] {
			if a.prefix.IsValid() && b.prefix.IsValid() && a.prefix.Overlaps(b.prefix) {
				p.add(b.key, b.prefix.String(), "overlaps %s %s: node, pod and service ranges must be disjoint", a.key, a.prefix)
			}
		}
	}
}

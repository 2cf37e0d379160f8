package rules

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// firewallRule is one entry of a Hetzner firewall's rules.
type firewallRule struct {
	direction, protocol, port string
	sources                   []string
}

// parseRule reads a rule; ok is false when a field that decides what it allows is unknown.
func parseRule(v property.Value) (firewallRule, bool) {
	m, ok := asMap(v)
	if !ok {
		return firewallRule{}, false
	}
	direction, okDirection := get(m, "direction", asString)
	protocol, okProtocol := get(m, "protocol", asString)
	port, okPort := optional(m, "port", asString)
	sources, okSources := optional(m, "sourceIps", asStrings)
	rule := firewallRule{direction: direction, protocol: protocol, port: port, sources: sources}
	return rule, okDirection && okProtocol && okPort && okSources
}

// parseRules reads all rules of a firewall; ok is false while any of them is unknown.
func parseRules(fw property.Map) ([]firewallRule, bool) {
	return optional(fw, "rules", listOf(parseRule))
}

// admitsTCP reports whether the rule lets inbound TCP traffic to port through.
func (r firewallRule) admitsTCP(port int) bool {
	return r.direction == "in" && r.protocol == "tcp" && portsContain(r.port, port)
}

// portsContain matches a Hetzner port spec: "22", "80-85" or "any".
func portsContain(spec string, port int) bool {
	if spec == "any" {
		return true
	}
	low, high, isRange := strings.Cut(spec, "-")
	if !isRange {
		high = low
	}
	from, errFrom := strconv.Atoi(strings.TrimSpace(low))
	to, errTo := strconv.Atoi(strings.TrimSpace(high))
	return errFrom == nil && errTo == nil && from <= port && port <= to
}

// coversWorld reports whether the union of cidrs spans every address of a
// family: 0.0.0.0/0 alone, or pieces such as 0.0.0.0/1 with 128.0.0.0/1.
// Entries that do not parse are ignored.
func coversWorld(cidrs []string) bool {
	var v4, v6 []netip.Prefix
	for _, s := range cidrs {
		prefix, err := netip.ParsePrefix(strings.TrimSpace(s))
		switch {
		case err != nil:
		case prefix.Addr().Is4():
			v4 = append(v4, prefix.Masked())
		default:
			v6 = append(v6, prefix.Masked())
		}
	}
	return covers(v4, netip.IPv4Unspecified()) || covers(v6, netip.IPv6Unspecified())
}

// covers reports whether prefixes leave no gap from first to the family's
// last address: sorted by first address, each must start at most one past
// the furthest end so far.
func covers(prefixes []netip.Prefix, first netip.Addr) bool {
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	next := first
	for _, p := range prefixes {
		if p.Addr().Compare(next) > 0 {
			return false
		}
		last := lastAddr(p)
		if !last.Next().IsValid() {
			return true // reached the top of the family
		}
		if last.Next().Compare(next) > 0 {
			next = last.Next()
		}
	}
	return false
}

// lastAddr is the highest address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	bytes := p.Addr().AsSlice()
	for i := p.Bits(); i < len(bytes)*8; i++ {
		bytes[i/8] |= 1 << (7 - i%8)
	}
	last, _ := netip.AddrFromSlice(bytes)
	return last
}

// tcpAccess is who a set of firewall rules lets reach a TCP port.
type tcpAccess struct {
	world   bool     // the sources together cover the internet
	sources []string // union of the sources of the admitting rules
	rules   []int    // indexes of the admitting rules
}

// inboundTCP evaluates rules for a port. Inbound traffic no rule admits is dropped.
func inboundTCP(rules []firewallRule, port int) tcpAccess {
	var access tcpAccess
	for i, r := range rules {
		if !r.admitsTCP(port) {
			continue
		}
		access.sources = appendNew(access.sources, r.sources...)
		access.rules = append(access.rules, i)
	}
	access.world = coversWorld(access.sources)
	return access
}

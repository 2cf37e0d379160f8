package rules

import (
	"net/netip"
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

// worldSources returns the rule's sources that cover the whole internet.
func (r firewallRule) worldSources() []string {
	var world []string
	for _, cidr := range r.sources {
		if isWorld(cidr) {
			world = append(world, cidr)
		}
	}
	return world
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

// isWorld reports whether a CIDR spans every address of its family, like 0.0.0.0/0 or ::/0.
func isWorld(cidr string) bool {
	prefix, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && prefix.Bits() == 0
}

// tcpAccess is who a set of firewall rules lets reach a TCP port.
type tcpAccess struct {
	world   bool
	sources []string // union of the sources of the admitting rules
}

// inboundTCP evaluates rules for a port. Inbound traffic no rule admits is dropped.
func inboundTCP(rules []firewallRule, port int) tcpAccess {
	var access tcpAccess
	for _, r := range rules {
		if !r.admitsTCP(port) {
			continue
		}
		access.world = access.world || len(r.worldSources()) > 0
		access.sources = appendNew(access.sources, r.sources...)
	}
	return access
}

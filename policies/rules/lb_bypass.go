package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const bypassPolicy = "load-balancer-bypasses-firewall"

var loadBalancerBypass = stackRule{
	name: bypassPolicy,
	description: "A public Hetzner load balancer must not forward, over the private network, to a port that a " +
		"firewall restricts on its target servers: Hetzner firewalls do not filter private-network traffic.",
	level: policyx.EnforcementLevelMandatory,
	schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
		"acceptedLoadBalancers": {
			"type":  "array",
			"items": map[string]any{"type": "string"},
			"description": "Load balancers (Pulumi resource name or Hetzner name) that are meant to be public. " +
				"Stack policies do not receive policy-pack config (pulumi/pulumi#24657): set this in the stack " +
				"config key " + PackName + ":" + bypassPolicy + ".",
		},
	}},
	check: checkLoadBalancerBypass,
}

func checkLoadBalancerBypass(st *stack, s settings) []violation {
	accepted := s.strings("acceptedLoadBalancers")
	var found []violation
	for _, lb := range st.ofType(typeLoadBalancer) {
		if public, decided := st.publicInterface(lb); !public || !decided || isAccepted(lb, accepted) {
			continue
		}
		servers := st.privateTargetServers(lb)
		for _, port := range st.destinationPorts(lb) {
			if r, ok := st.restriction(servers, port); ok {
				found = append(found, violation{urn: lb.URN, message: bypassMessage(lb, port, r)})
			}
		}
	}
	return found
}

func isAccepted(lb *resource, accepted []string) bool {
	name, _ := get(lb.Properties, "name", asString)
	return slices.Contains(accepted, lb.Name) || (name != "" && slices.Contains(accepted, name))
}

// restriction is a firewall allowlist, narrower than the internet, on some target servers' port.
type restriction struct {
	firewalls []string
	sources   []string
}

// restriction collects the allowlists that keep the internet away from port on servers.
// Servers whose firewalls are unknown, absent or open the port to the world are skipped.
func (s *stack) restriction(servers []*resource, port int) (r restriction, found bool) {
	for _, server := range servers {
		firewalls, rules, ok := s.firewallRules(server)
		access := inboundTCP(rules, port)
		if !ok || len(firewalls) == 0 || access.world {
			continue
		}
		found = true
		for _, fw := range firewalls {
			r.firewalls = appendNew(r.firewalls, fw.Name)
		}
		r.sources = appendNew(r.sources, access.sources...)
	}
	return r, found
}

func bypassMessage(lb *resource, port int, r restriction) string {
	admits := "have no inbound rule for it"
	if len(r.sources) > 0 {
		admits = "allow it only from " + strings.Join(r.sources, ", ")
	}
	return fmt.Sprintf("load balancer %q is public and forwards to tcp/%d on servers whose firewalls (%s) %s; "+
		"it reaches them over the private network, which Hetzner firewalls do not filter, so the port is open to the whole internet. "+
		"Either disable the load balancer's public interface (LoadBalancerNetwork enablePublicInterface: false; "+
		"in hcloud-k3s: apiLoadBalancer.publicInterface: false), or accept the exposure explicitly: "+
		"list %q in acceptedLoadBalancers (stack config %s:%s), or allow 0.0.0.0/0 and ::/0 in the firewall rule.",
		lb.Name, port, strings.Join(r.firewalls, ", "), admits, lb.Name, PackName, bypassPolicy)
}

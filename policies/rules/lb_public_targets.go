package rules

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

var publicTargets = stackRule{
	name: "load-balancer-targets-public-ip",
	description: "A Hetzner load balancer attached to a private network should reach its targets over " +
		"private IPs (usePrivateIp: true).",
	level: policyx.EnforcementLevelAdvisory,
	check: checkPublicTargets,
}

func checkPublicTargets(st *stack, _ settings) []violation {
	var found []violation
	for _, lb := range st.ofType(typeLoadBalancer) {
		if len(st.attached(lb, typeLoadBalancerNetwork)) == 0 {
			continue
		}
		for _, t := range st.targets(lb) {
			if advice, public := publicTargetAdvice(t, lb); public {
				found = append(found, violation{urn: t.owner.URN, message: fmt.Sprintf(
					"%s of load balancer %q reaches its servers over their public IPs although the load balancer "+
						"is attached to a network; %s", t.label, lb.Name, advice)})
			}
		}
	}
	return found
}

// publicTargetAdvice says how a server or label-selector target that uses
// public IPs can use private ones. Inline LoadBalancer.targets always use
// public IPs: their usePrivateIp "does not work" (SDK LoadBalancerTargetType).
func publicTargetAdvice(t target, lb *resource) (string, bool) {
	kind, _ := get(t.props, "type", asString)
	if kind != "server" && kind != "label_selector" {
		return "", false
	}
	if t.owner == lb {
		return "inline targets cannot use private IPs (usePrivateIp on LoadBalancer.targets does not work): " +
			"replace it with a LoadBalancerTarget resource with usePrivateIp: true that depends on the LoadBalancerNetwork", true
	}
	private, known := orDefault(t.props, "usePrivateIp", false, asBool)
	return "set usePrivateIp: true (and make the target depend on the LoadBalancerNetwork)", known && !private
}

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
			kind, _ := get(t.props, "type", asString)
			private, ok := orDefault(t.props, "usePrivateIp", false, asBool)
			if (kind == "server" || kind == "label_selector") && ok && !private {
				found = append(found, violation{urn: t.owner.URN, message: fmt.Sprintf(
					"%s of load balancer %q reaches its servers over their public IPs although the load balancer "+
						"is attached to a network; set usePrivateIp: true (and make the target depend on the "+
						"LoadBalancerNetwork)", t.label, lb.Name)})
			}
		}
	}
	return found
}

package rules

import "testing"

func TestLoadBalancerTargetsPublicIP(t *testing.T) {
	const setPrivate = `set usePrivateIp: true (and make the target depend on the LoadBalancerNetwork)`
	overPublicIP := func(urn, target, advice string) reported {
		return reported{urn: urn, message: target + ` of load balancer "api" reaches its servers over their public ` +
			`IPs although the load balancer is attached to a network; ` + advice}
	}
	runStackCases(t, "load-balancer-targets-public-ip", []stackCase{
		{name: "target over the private network"},
		{name: "target without usePrivateIp on a networked load balancer",
			changes: []change{set("api-cp", "usePrivateIp", nil)},
			want:    []reported{overPublicIP(urnOf(typeLoadBalancerTarget, "api-cp"), `target "api-cp"`, setPrivate)}},
		{name: "server target with usePrivateIp false",
			changes: []change{set("api-cp", "type", "server"), set("api-cp", "usePrivateIp", false)},
			want:    []reported{overPublicIP(urnOf(typeLoadBalancerTarget, "api-cp"), `target "api-cp"`, setPrivate)}},
		{name: "load balancer without a network has no private path",
			changes: []change{drop("api-net"), set("api-cp", "usePrivateIp", false)}},
		{name: "ip targets have no private-IP switch",
			changes: []change{set("api-cp", "type", "ip"), set("api-cp", "usePrivateIp", nil)}},
		{name: "unknown usePrivateIp is left undecided",
			changes: []change{set("api-cp", "usePrivateIp", computed)}},
		{name: "inline target, whose usePrivateIp does not work even when set",
			changes: []change{set("api", "targets", []any{map[string]any{"type": "server", "serverId": computed, "usePrivateIp": true}})},
			want: []reported{overPublicIP(urnOf(typeLoadBalancer, "api"), `targets[0]`,
				`inline targets cannot use private IPs (usePrivateIp on LoadBalancer.targets does not work): `+
					`replace it with a LoadBalancerTarget resource with usePrivateIp: true that depends on the LoadBalancerNetwork`)}},
	})
}

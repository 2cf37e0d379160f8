package rules

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

var serverWithoutFirewall = stackRule{
	name:        "server-without-firewall",
	description: "Every Hetzner server with a public interface must have a firewall applied.",
	level:       policyx.EnforcementLevelAdvisory,
	check:       checkServerWithoutFirewall,
}

func checkServerWithoutFirewall(st *stack, _ settings) []violation {
	var found []violation
	for _, server := range st.ofType(typeServer) {
		public, knownInterface := hasPublicInterface(server)
		firewalls, knownFirewalls := st.firewallsOf(server)
		if public && knownInterface && knownFirewalls && len(firewalls) == 0 {
			found = append(found, violation{urn: server.URN, message: fmt.Sprintf(
				"server %q has a public interface but no firewall applies to it: none in its firewallIds, "+
					"and no Firewall applyTos or FirewallAttachment names its ID or matches its labels; "+
					"apply a firewall or disable its public interface (publicNets ipv4Enabled/ipv6Enabled: false)",
				server.Name)})
		}
	}
	return found
}

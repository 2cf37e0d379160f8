// Package firewall builds the Hetzner firewall that guards the public
// interfaces of every server of the cluster.
package firewall

import (
	"net/netip"
	"strconv"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
)

// Rule is one inbound firewall rule.
type Rule struct {
	Description string
	Protocol    string // tcp, udp, icmp
	Port        string // "" for icmp
	SourceIPs   []string
}

// world is every address; ICMP stays open so path-MTU discovery and ping work.
var world = []string{"0.0.0.0/0", "::/0"}

// Rules lists the inbound rules: SSH and the Kubernetes API from their
// allowlists only, ICMP from anywhere. Hetzner firewalls do not filter the
// private network (docs.hetzner.com/cloud/firewalls/faq, "Can Firewalls
// secure traffic to my private Hetzner Cloud Networks?"), so node-to-node
// traffic needs no rule: flannel's VXLAN or WireGuard, and Cilium's (VXLAN
// on 8472/udp, WireGuard on 51871/udp, health checks on 4240/tcp, Hubble on
// 4244/tcp), which runs between the nodes' private addresses. The same
// ports on the public interfaces stay closed. An empty allowlist means no
// rule, which closes that port.
func Rules(fw config.Firewall) []Rule {
	rules := []Rule{{Description: "ICMP", Protocol: "icmp", SourceIPs: world}}
	if len(fw.SSHAllowed) > 0 {
		rules = append(rules, Rule{Description: "SSH from the SSH allowlist", Protocol: "tcp", Port: "22", SourceIPs: cidrStrings(fw.SSHAllowed)})
	}
	if len(fw.APIAllowed) > 0 {
		rules = append(rules, Rule{Description: "Kubernetes API from the API allowlist", Protocol: "tcp", Port: strconv.Itoa(k3s.APIPort), SourceIPs: cidrStrings(fw.APIAllowed)})
	}
	return rules
}

func cidrStrings(prefixes []netip.Prefix) []string {
	out := make([]string, len(prefixes))
	for i, p := range prefixes {
		out[i] = p.String()
	}
	return out
}

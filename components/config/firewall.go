package config

import (
	"fmt"
	"net/netip"
)

// FirewallInput is the `firewall` key.
type FirewallInput struct {
	SSHAllowedCIDRs []string `json:"sshAllowedCidrs"`
	APIAllowedCIDRs []string `json:"apiAllowedCidrs"`
}

// Firewall holds the allowlists for the public interfaces of the servers.
type Firewall struct {
	SSHAllowed []netip.Prefix
	APIAllowed []netip.Prefix
}

func resolveFirewall(p *problems, in FirewallInput) Firewall {
	fw := Firewall{SSHAllowed: parseCIDRs(p, "firewall.sshAllowedCidrs", in.SSHAllowedCIDRs)}
	if len(in.SSHAllowedCIDRs) == 0 {
		p.add("firewall.sshAllowedCidrs", in.SSHAllowedCIDRs, "is empty: Pulumi installs k3s over SSH, so list the public address of the machine that runs pulumi up (e.g. 203.0.113.7/32)")
	}
	fw.APIAllowed = fw.SSHAllowed
	if in.APIAllowedCIDRs != nil {
		fw.APIAllowed = parseCIDRs(p, "firewall.apiAllowedCidrs", in.APIAllowedCIDRs)
	}
	return fw
}

func parseCIDRs(p *problems, key string, cidrs []string) []netip.Prefix {
	var out []netip.Prefix
	for i, s := range cidrs {
		prefix, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			p.add(fmt.Sprintf("%s[%d]", key, i), s, "is not a CIDR such as 203.0.113.7/32 or 2001:db8::/64")
		case prefix != prefix.Masked():
			p.add(fmt.Sprintf("%s[%d]", key, i), s, "has host bits set: use %s", prefix.Masked())
		default:
			out = append(out, prefix)
		}
	}
	return out
}

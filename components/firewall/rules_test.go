package firewall

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

func prefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

func TestRules(t *testing.T) {
	icmp := Rule{Description: "ICMP", Protocol: "icmp", SourceIPs: []string{"0.0.0.0/0", "::/0"}}
	ssh := func(cidrs ...string) Rule {
		return Rule{Description: "SSH from the SSH allowlist", Protocol: "tcp", Port: "22", SourceIPs: cidrs}
	}
	api := func(cidrs ...string) Rule {
		return Rule{Description: "Kubernetes API from the API allowlist", Protocol: "tcp", Port: "6443", SourceIPs: cidrs}
	}
	tests := []struct {
		name string
		fw   config.Firewall
		want []Rule
	}{
		{"each port from its own allowlist",
			config.Firewall{SSHAllowed: prefixes("198.51.100.7/32"), APIAllowed: prefixes("198.51.100.0/24", "2001:db8::/48")},
			[]Rule{icmp, ssh("198.51.100.7/32"), api("198.51.100.0/24", "2001:db8::/48")}},
		{"an empty API allowlist closes the API: no rule at all",
			config.Firewall{SSHAllowed: prefixes("198.51.100.7/32")},
			[]Rule{icmp, ssh("198.51.100.7/32")}},
		{"the world only when listed",
			config.Firewall{SSHAllowed: prefixes("198.51.100.7/32"), APIAllowed: prefixes("0.0.0.0/0")},
			[]Rule{icmp, ssh("198.51.100.7/32"), api("0.0.0.0/0")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Rules(tt.fw); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Rules() =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

package rules

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func firewall(rules ...any) policyx.AnalyzerResource {
	return res(typeFirewall, "fw", map[string]any{"rules": rules}, nil)
}

func TestAdminPortsOpenToWorld(t *testing.T) {
	tests := []struct {
		name     string
		resource policyx.AnalyzerResource
		config   map[string]any
		want     []string
	}{
		{name: "ssh open to the IPv4 internet",
			resource: firewall(tcpIn("22", "198.51.100.7/32", "0.0.0.0/0")),
			want: []string{`rules[0] (in tcp port "22" from 198.51.100.7/32, 0.0.0.0/0) admit every address: ` +
				`tcp port 22 is open to the whole internet; restrict the sourceIps to the addresses that need access`}},
		{name: "API open to the IPv6 internet through a port range",
			resource: firewall(tcpIn("22", "198.51.100.7/32"), tcpIn("6000-7000", "::/0")),
			want: []string{`rules[1] (in tcp port "6000-7000" from ::/0) admit every address: ` +
				`tcp port 6443 is open to the whole internet; restrict the sourceIps to the addresses that need access`}},
		{name: "port any from both internets opens both admin ports",
			resource: firewall(tcpIn("any", "0.0.0.0/0", "::/0")),
			want: []string{`rules[0] (in tcp port "any" from 0.0.0.0/0, ::/0) admit every address: ` +
				`tcp port 22, 6443 is open to the whole internet; restrict the sourceIps to the addresses that need access`}},
		{name: "the internet in two halves, across rules",
			resource: firewall(tcpIn("22", "0.0.0.0/1"), tcpIn("any", "128.0.0.0/1")),
			want: []string{`rules[0] (in tcp port "22" from 0.0.0.0/1) and rules[1] (in tcp port "any" from 128.0.0.0/1) ` +
				`admit every address: tcp port 22 is open to the whole internet; restrict the sourceIps to the addresses that need access`}},
		{name: "halves of the internet on different ports open neither",
			resource: firewall(tcpIn("22", "0.0.0.0/1"), tcpIn("6443", "128.0.0.0/1"))},
		{name: "a gap in the pieces",
			resource: firewall(tcpIn("22", "0.0.0.0/1", "128.0.0.0/2", "224.0.0.0/3"))},
		{name: "allowlisted admin ports",
			resource: firewall(tcpIn("22", "198.51.100.7/32"), tcpIn("6443", "203.0.113.0/24"))},
		{name: "other ports open to the internet",
			resource: firewall(tcpIn("80", "0.0.0.0/0"), tcpIn("443", "0.0.0.0/0"))},
		{name: "icmp from the internet",
			resource: firewall(map[string]any{"direction": "in", "protocol": "icmp", "sourceIps": []any{"0.0.0.0/0"}})},
		{name: "udp is not the API",
			resource: firewall(map[string]any{"direction": "in", "protocol": "udp", "port": "any", "sourceIps": []any{"0.0.0.0/0"}})},
		{name: "outbound rules do not open anything",
			resource: firewall(map[string]any{"direction": "out", "protocol": "tcp", "port": "22", "destinationIps": []any{"0.0.0.0/0"}})},
		{name: "configured ports replace the defaults",
			resource: firewall(tcpIn("22", "0.0.0.0/0"), tcpIn("8080", "0.0.0.0/0")),
			config:   map[string]any{"ports": []any{8080.0}},
			want: []string{`rules[1] (in tcp port "8080" from 0.0.0.0/0) admit every address: ` +
				`tcp port 8080 is open to the whole internet; restrict the sourceIps to the addresses that need access`}},
		{name: "unknown sources are skipped",
			resource: firewall(map[string]any{"direction": "in", "protocol": "tcp", "port": "22", "sourceIps": computed})},
		{name: "unknown source entry is skipped",
			resource: firewall(map[string]any{"direction": "in", "protocol": "tcp", "port": "22", "sourceIps": []any{computed}})},
		{name: "unknown rule list is skipped",
			resource: res(typeFirewall, "fw", map[string]any{"rules": computed}, nil)},
		{name: "other resource types are ignored",
			resource: res(typeServer, "fw", map[string]any{"rules": []any{tcpIn("22", "0.0.0.0/0")}}, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []reported
			for _, msg := range tt.want {
				want = append(want, reported{message: msg})
			}
			assertReports(t, validateResource(t, "admin-ports-open-to-world", tt.resource, tt.config), want)
		})
	}
}

package rules

import (
	"fmt"
	"strings"
	"testing"
)

func wantBypass(port int, firewalls, admits string) reported {
	return reported{urn: urnOf(typeLoadBalancer, "api"), message: fmt.Sprintf(
		`load balancer "api" is public and forwards to tcp/%d on servers whose firewalls (%s) %s; `+
			`it reaches them over the private network, which Hetzner firewalls do not filter, so the port is open to the whole internet. `+
			`Either disable the load balancer's public interface (LoadBalancerNetwork enablePublicInterface: false; `+
			`in hcloud-k3s: apiLoadBalancer.publicInterface: false), or accept the exposure explicitly: `+
			`list "api" in acceptedLoadBalancers (stack config hcloud-k3s-guardrails:load-balancer-bypasses-firewall), `+
			`or allow 0.0.0.0/0 and ::/0 in the firewall rule.`, port, firewalls, admits)}
}

func TestLoadBalancerBypassesFirewall(t *testing.T) {
	apiAllowlist := wantBypass(6443, "fw", "allow it only from 203.0.113.0/24, 2001:db8::/32")
	knownIDs := []change{
		set("api", "id", "7"), set("cp-0", "id", "42"), set("fw", "id", "3"),
		set("api-svc", "loadBalancerId", "7"), set("api-cp", "loadBalancerId", 7), set("api-net", "loadBalancerId", 7),
		setDeps("api-svc", nil), setDeps("api-cp", nil), setDeps("api-net", nil),
	}
	runStackCases(t, "load-balancer-bypasses-firewall", []stackCase{
		{name: "public load balancer forwards the API port to firewalled servers while IDs are unknown",
			want: []reported{apiAllowlist}},
		{name: "private target on a load balancer whose network attachment is declared elsewhere",
			changes: []change{drop("api-net")}, want: []reported{apiAllowlist}},
		{name: "target over public IPs goes through the servers' firewalls",
			changes: []change{set("api-cp", "usePrivateIp", false)}},
		{name: "target without usePrivateIp uses public IPs",
			changes: []change{set("api-cp", "usePrivateIp", nil)}},
		{name: "unknown usePrivateIp is left undecided",
			changes: []change{set("api-cp", "usePrivateIp", computed)}},
		{name: "network attachment with enablePublicInterface false makes it private",
			changes: []change{set("api-net", "enablePublicInterface", false)}},
		{name: "unknown enablePublicInterface is left undecided",
			changes: []change{set("api-net", "enablePublicInterface", computed)}},
		{name: "load balancer accepted by resource name in stack config",
			stackConfig: map[string]string{"hcloud-k3s-guardrails:load-balancer-bypasses-firewall": `{"acceptedLoadBalancers":["api"]}`}},
		{name: "load balancer accepted by Hetzner name in stack config",
			stackConfig: map[string]string{"hcloud-k3s-guardrails:load-balancer-bypasses-firewall": `{"acceptedLoadBalancers":["c1-api"]}`}},
		{name: "acceptance of another load balancer does not count",
			stackConfig: map[string]string{"hcloud-k3s-guardrails:load-balancer-bypasses-firewall": `{"acceptedLoadBalancers":["ingress"]}`},
			want:        []reported{apiAllowlist}},
		{name: "firewall rule open to the world leaves nothing to bypass",
			changes: []change{set("fw", "rules", []any{tcpIn("6443", "0.0.0.0/0")})}},
		{name: "firewall rule open to the world through a port range leaves nothing to bypass",
			changes: []change{set("fw", "rules", []any{tcpIn("1-65535", "::/0")})}},
		{name: "firewall without a rule for the port blocks it, which the load balancer bypasses",
			changes: []change{set("fw", "rules", []any{tcpIn("22", "198.51.100.7/32")})},
			want:    []reported{wantBypass(6443, "fw", "have no inbound rule for it")}},
		{name: "firewall without rules blocks all inbound traffic",
			changes: []change{set("fw", "rules", []any{})},
			want:    []reported{wantBypass(6443, "fw", "have no inbound rule for it")}},
		{name: "unknown firewall rules are left undecided",
			changes: []change{set("fw", "rules", computed)}},
		{name: "servers without any firewall are another policy's concern",
			changes: []change{drop("fw")}},
		{name: "destination port defaults to the listen port for tcp",
			changes: []change{set("api-svc", "destinationPort", nil)}, want: []reported{apiAllowlist}},
		{name: "http service forwards to port 80 by default",
			changes: []change{set("api-svc", "protocol", "http"), set("api-svc", "destinationPort", nil)},
			want:    []reported{wantBypass(80, "fw", "have no inbound rule for it")}},
		{name: "unknown destination port is left undecided",
			changes: []change{set("api-svc", "destinationPort", computed)}},
		{name: "target selector that matches no firewalled server",
			changes: []change{set("api-cp", "labelSelector", "cluster=other")}},
		{name: "unknown target selector is left undecided",
			changes: []change{set("api-cp", "labelSelector", computed)}},
		{name: "set-based target selector",
			changes: []change{set("api-cp", "labelSelector", "cluster in (c1, c2),role notin (worker)")},
			want:    []reported{apiAllowlist}},
		{name: "service linked to another load balancer does not count",
			changes: []change{
				add(spec{typ: typeLoadBalancer, name: "other", props: map[string]any{"id": computed}}),
				setDeps("api-svc", map[string][]string{"loadBalancerId": dep(typeLoadBalancer, "other")}),
			}},
		{name: "links dropped as unknown (as mocks do) resolved through their dependencies",
			changes: []change{unset("api-svc", "loadBalancerId"), unset("api-cp", "loadBalancerId"),
				unset("api-net", "loadBalancerId")},
			want: []reported{apiAllowlist}},
		{name: "links resolved by known IDs after deployment",
			changes: append(knownIDs, set("api-cp", "type", "server"), set("api-cp", "serverId", 42)),
			want:    []reported{apiAllowlist}},
		{name: "known ID of a server outside the stack resolves to nothing",
			changes: append(knownIDs, set("api-cp", "type", "server"), set("api-cp", "serverId", 99))},
		{name: "server target with unknown ID resolved through its dependency",
			changes: []change{set("api-cp", "type", "server"), set("api-cp", "serverId", computed),
				setDeps("api-cp", map[string][]string{"loadBalancerId": dep(typeLoadBalancer, "api"),
					"serverId": dep(typeServer, "cp-0")})},
			want: []reported{apiAllowlist}},
		{name: "ip targets cannot be cloud servers (cloud_resource_ip_not_allowed)",
			changes: []change{set("api-cp", "type", "ip"), set("api-cp", "ip", "10.0.1.10")}},
		{name: "inline targets use public IPs, whatever usePrivateIp says, so the firewall applies",
			changes: []change{drop("api-cp"),
				set("api", "targets", []any{map[string]any{"type": "server", "serverId": computed, "usePrivateIp": true}}),
				setDeps("api", map[string][]string{"targets": dep(typeServer, "cp-0")})}},
		{name: "firewall applied by server ID with unknown IDs resolved through its dependency",
			changes: []change{set("fw", "applyTos", []any{map[string]any{"server": computed}}),
				setDeps("fw", map[string][]string{"applyTos": dep(typeServer, "cp-0")})},
			want: []reported{apiAllowlist}},
		{name: "firewall applied through a FirewallAttachment label selector",
			changes: []change{set("fw", "applyTos", []any{}),
				add(spec{typ: typeFirewallAttachment, name: "fw-attach",
					props: map[string]any{"firewallId": computed, "labelSelectors": []any{"role=control-plane"}},
					deps:  map[string][]string{"firewallId": dep(typeFirewall, "fw")}})},
			want: []reported{apiAllowlist}},
		{name: "firewall applied through the server's firewallIds",
			changes: []change{set("fw", "applyTos", []any{}), set("cp-0", "firewallIds", []any{computed}),
				setDeps("cp-0", map[string][]string{"firewallIds": dep(typeFirewall, "fw")})},
			want: []reported{apiAllowlist}},
		{name: "second firewall opening the port to the world lifts the restriction",
			changes: []change{add(spec{typ: typeFirewall, name: "open", props: map[string]any{
				"applyTos": []any{map[string]any{"labelSelector": "role=control-plane"}},
				"rules":    []any{tcpIn("6443", "0.0.0.0/0", "::/0")},
			}})}},
		{name: "second restrictive firewall adds its allowlist",
			changes: []change{add(spec{typ: typeFirewall, name: "office", props: map[string]any{
				"applyTos": []any{map[string]any{"labelSelector": "role"}},
				"rules":    []any{tcpIn("6000-7000", "192.0.2.0/24")},
			}})},
			want: []reported{wantBypass(6443, "fw, office", "allow it only from 203.0.113.0/24, 2001:db8::/32, 192.0.2.0/24")}},
		{name: "one report per forwarded port",
			changes: []change{add(spec{typ: typeLoadBalancerService, name: "api-ssh",
				deps:  map[string][]string{"loadBalancerId": dep(typeLoadBalancer, "api")},
				props: map[string]any{"loadBalancerId": computed, "protocol": "tcp", "listenPort": 2222, "destinationPort": 22},
			})},
			want: []reported{wantBypass(22, "fw", "allow it only from 198.51.100.7/32"), apiAllowlist}},
	})
}

func TestInvalidStackSettingsFailConfiguration(t *testing.T) {
	_, err := Policies(func(key string) (string, bool) {
		return "[not an object", key == "hcloud-k3s-guardrails:load-balancer-bypasses-firewall"
	})
	want := "stack config hcloud-k3s-guardrails:load-balancer-bypasses-firewall must be a JSON object of policy settings"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got error %v, want one starting with %q", err, want)
	}
}

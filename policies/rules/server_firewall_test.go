package rules

import "testing"

func TestServerWithoutFirewall(t *testing.T) {
	unprotected := func(server string) reported {
		return reported{urn: urnOf(typeServer, server), message: `server "` + server + `" has a public interface ` +
			`but no firewall applies to it: none in its firewallIds, and no Firewall applyTos or FirewallAttachment ` +
			`names its ID or matches its labels; apply a firewall or disable its public interface ` +
			`(publicNets ipv4Enabled/ipv6Enabled: false)`}
	}
	noFirewall := []change{drop("fw")}
	runStackCases(t, "server-without-firewall", []stackCase{
		{name: "servers covered by a label selector firewall"},
		{name: "public servers without any firewall", changes: noFirewall,
			want: []reported{unprotected("cp-0"), unprotected("worker-0")}},
		{name: "selector that matches only the control plane",
			changes: []change{set("fw", "applyTos", []any{map[string]any{"labelSelector": "role=control-plane"}})},
			want:    []reported{unprotected("worker-0")}},
		{name: "negative selector",
			changes: []change{set("fw", "applyTos", []any{map[string]any{"labelSelector": "cluster==c1,role!=worker"}})},
			want:    []reported{unprotected("worker-0")}},
		{name: "server without a public interface",
			changes: append(noFirewall, set("cp-0", "publicNets", []any{map[string]any{"ipv4Enabled": false, "ipv6Enabled": false}})),
			want:    []reported{unprotected("worker-0")}},
		{name: "server with only IPv6 is public",
			changes: append(noFirewall, set("cp-0", "publicNets", []any{map[string]any{"ipv4Enabled": false}})),
			want:    []reported{unprotected("cp-0"), unprotected("worker-0")}},
		{name: "unknown public interface is left undecided",
			changes: append(noFirewall, set("cp-0", "publicNets", computed)),
			want:    []reported{unprotected("worker-0")}},
		{name: "unknown labels are left undecided",
			changes: []change{set("cp-0", "labels", map[string]any{"cluster": computed})}},
		{name: "unknown firewall selector is left undecided",
			changes: []change{set("fw", "applyTos", []any{map[string]any{"labelSelector": computed}})}},
		{name: "invalid firewall selector is left undecided",
			changes: []change{set("fw", "applyTos", []any{map[string]any{"labelSelector": "cluster in (c1"}})}},
		{name: "server's own firewallIds",
			changes: append(noFirewall, set("cp-0", "firewallIds", []any{computed}), set("worker-0", "firewallIds", []any{12}))},
		{name: "server's firewallIds dropped as unknown (as mocks do), resolved through dependencies",
			changes: append(noFirewall, add(spec{typ: typeFirewall, name: "own", props: map[string]any{}}),
				setDeps("cp-0", map[string][]string{"firewallIds": dep(typeFirewall, "own")})),
			want: []reported{unprotected("worker-0")}},
		{name: "firewall applied by server ID, resolved through dependencies",
			changes: []change{set("fw", "applyTos", []any{map[string]any{"server": computed}}),
				setDeps("fw", map[string][]string{"applyTos": dep(typeServer, "worker-0")})},
			want: []reported{unprotected("cp-0")}},
		{name: "firewall applied by known server ID",
			changes: []change{set("cp-0", "id", "42"), set("fw", "applyTos", []any{map[string]any{"server": 42}})},
			want:    []reported{unprotected("worker-0")}},
		{name: "firewall attachment by server IDs",
			changes: append(noFirewall, add(spec{typ: typeFirewallAttachment, name: "attach",
				props: map[string]any{"firewallId": 5, "serverIds": []any{computed, computed}},
				deps:  map[string][]string{"serverIds": append(dep(typeServer, "cp-0"), dep(typeServer, "worker-0")...)}}))},
		{name: "firewall attachment by label selector",
			changes: append(noFirewall, add(spec{typ: typeFirewallAttachment, name: "attach",
				props: map[string]any{"firewallId": 5, "labelSelectors": []any{"pool"}}}))},
	})
}

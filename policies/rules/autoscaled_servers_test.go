package rules

import "testing"

func TestAutoscaledServersOutsideCluster(t *testing.T) {
	autoscaler := func(env ...any) change {
		return add(spec{typ: typeDeployment, name: "cluster-autoscaler", props: map[string]any{
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{
				"name":    "cluster-autoscaler",
				"command": []any{"/cluster-autoscaler"},
				"args":    []any{"--cloud-provider=hetzner", "--nodes=0:5:cx33:nbg1:c1-burst", "--nodes=1:3:cax21:fsn1:c1-arm"},
				"env":     env,
			}}}}},
		}})
	}
	envVar := func(name string, value any) any { return map[string]any{"name": name, "value": value} }
	inCluster := []change{
		set("fw", "id", "71"),
		add(spec{typ: typeNetwork, name: "net", props: map[string]any{"id": "52", "name": "c1"}}),
	}
	flagged := func(problem, consequence string) []reported {
		return []reported{{urn: urnOf(typeDeployment, "cluster-autoscaler"), message: `cluster-autoscaler "cluster-autoscaler" ` + problem +
			`: the servers it creates for node groups c1-burst, c1-arm would be ` + consequence}}
	}
	noFirewall := "open to the internet, unprotected by the cluster's firewall"
	noNetwork := "outside the cluster's private network"
	runStackCases(t, "autoscaled-servers-outside-cluster", []stackCase{
		{name: "no autoscaler"},
		{name: "behind the cluster's firewall, in its network",
			changes: append(inCluster, autoscaler(envVar("HCLOUD_FIREWALL", "71"), envVar("HCLOUD_NETWORK", "52")))},
		{name: "network named rather than numbered",
			changes: append(inCluster, autoscaler(envVar("HCLOUD_FIREWALL", "71"), envVar("HCLOUD_NETWORK", "c1")))},
		{name: "no firewall",
			changes: append(inCluster, autoscaler(envVar("HCLOUD_NETWORK", "52"))),
			want:    flagged("has no firewall: HCLOUD_FIREWALL is not set", noFirewall)},
		{name: "empty network",
			changes: append(inCluster, autoscaler(envVar("HCLOUD_FIREWALL", "71"), envVar("HCLOUD_NETWORK", ""))),
			want:    flagged("has no network: HCLOUD_NETWORK is not set", noNetwork)},
		{name: "another firewall than the stack's",
			changes: append(inCluster, autoscaler(envVar("HCLOUD_FIREWALL", "99"), envVar("HCLOUD_NETWORK", "52"))),
			want:    flagged(`names firewall "99" in HCLOUD_FIREWALL, which is none of the stack's`, noFirewall)},
		{name: "IDs unknown in a first preview are left undecided",
			changes: append(inCluster, autoscaler(envVar("HCLOUD_FIREWALL", computed), envVar("HCLOUD_NETWORK", computed)))},
		{name: "a stack without networks cannot judge the one named",
			changes: []change{set("fw", "id", "71"), autoscaler(envVar("HCLOUD_FIREWALL", "71"), envVar("HCLOUD_NETWORK", "shared"))}},
		{name: "an autoscaler of another cloud is not judged",
			changes: []change{add(spec{typ: typeDeployment, name: "aws", props: map[string]any{
				"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{
					"args": []any{"--cloud-provider=aws", "--nodes=1:3:m5.large:eu-west-1:pool"}}}}}}}})}},
	})
}

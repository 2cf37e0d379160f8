package addons

import (
	"reflect"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

// resolve is the config of a small cluster, changed by change.
func resolve(t *testing.T, change func(in *config.Input)) config.Cluster {
	t.Helper()
	in := config.Input{
		Firewall:    config.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		WorkerPools: []config.WorkerPoolInput{{Name: "workers", Count: intp(2)}},
	}
	change(&in)
	c, err := config.Resolve("dev", in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	controlPlaneOnly = map[string]any{"matchExpressions": []any{map[string]any{
		"key": "node-role.kubernetes.io/control-plane", "operator": "In", "values": []any{"true"}}}}
	agentsOnly = map[string]any{"matchExpressions": []any{map[string]any{
		"key": "node-role.kubernetes.io/control-plane", "operator": "DoesNotExist"}}}
	upgradeContainer = map[string]any{"image": "rancher/k3s-upgrade"}
)

func TestServerPlan(t *testing.T) {
	tests := []struct {
		name, version string
		change        func(in *config.Input)
	}{
		{"defaults", "v1.36.4+k3s1", func(*config.Input) {}},
		{"pinned version, agent settings ignored", "v1.34.1+k3s2", func(in *config.Input) {
			in.K3sVersion = "v1.34.1+k3s2"
			in.Upgrade = config.UpgradeInput{AgentConcurrency: intp(4), Drain: boolp(true)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := map[string]any{
				"concurrency":        1,
				"cordon":             true,
				"nodeSelector":       controlPlaneOnly,
				"serviceAccountName": "system-upgrade",
				"tolerations": []any{
					map[string]any{"key": "CriticalAddonsOnly", "operator": "Exists"},
					map[string]any{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
				},
				"upgrade": upgradeContainer,
				"version": tt.version,
			}
			assertPlan(t, serverPlan(resolve(t, tt.change)), want)
		})
	}
}

func TestAgentPlan(t *testing.T) {
	// The Job's deadline is the drain's plus the controller's 900 s default.
	drained := func(timeout string, deadline int) map[string]any {
		return map[string]any{"drain": map[string]any{"force": true, "ignoreDaemonSets": true,
			"deleteEmptydirData": true, "timeout": timeout, "skipWaitForDeleteTimeout": 60},
			"jobActiveDeadlineSecs": deadline}
	}
	tests := []struct {
		name, version string
		concurrency   int
		change        func(in *config.Input)
		rollout       map[string]any // drain or cordon
	}{
		{"defaults: one at a time, drained", "v1.36.4+k3s1", 1, func(*config.Input) {}, drained("5m0s", 1200)},
		{"drain timeout", "v1.36.4+k3s1", 1, func(in *config.Input) { in.DrainTimeout = "90s" }, drained("1m30s", 990)},
		{"drain longer than the controller's default deadline", "v1.36.4+k3s1", 1, func(in *config.Input) { in.DrainTimeout = "1h" }, drained("1h0m0s", 4500)},
		{"concurrency, cordoned, pinned version", "v1.34.1+k3s2", 3, func(in *config.Input) {
			in.K3sVersion = "v1.34.1+k3s2"
			in.Upgrade = config.UpgradeInput{AgentConcurrency: intp(3), Drain: boolp(false)}
		}, map[string]any{"cordon": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := map[string]any{
				"concurrency":        tt.concurrency,
				"nodeSelector":       agentsOnly,
				"prepare":            map[string]any{"image": "rancher/k3s-upgrade", "args": []any{"prepare", "k3s-server"}},
				"serviceAccountName": "system-upgrade",
				"tolerations":        []any{map[string]any{"operator": "Exists"}},
				"upgrade":            upgradeContainer,
				"version":            tt.version,
			}
			for k, v := range tt.rollout {
				want[k] = v
			}
			assertPlan(t, agentPlan(resolve(t, tt.change)), want)
		})
	}
}

func assertPlan(t *testing.T, got, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan =\n%#v\nwant\n%#v", got, want)
	}
}

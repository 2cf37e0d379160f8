package lifecycle

import (
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

// system-upgrade-controller conventions.
const (
	UpgradeNamespace  = "system-upgrade"
	ServerPlanName    = "k3s-server"
	AgentPlanName     = "k3s-agent"
	upgradeImage      = "rancher/k3s-upgrade"
	controlPlaneLabel = "node-role.kubernetes.io/control-plane"
	// JobDeadlineBesidesDrain is what an upgrade Job gets on top of its drain:
	// the controller's own default for a whole Job,
	// SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS in its manifest.
	JobDeadlineBesidesDrain = 900 * time.Second
)

// ServerPlan upgrades the control plane one node at a time, cordoned. It
// tolerates the control-plane taint hcloud-k3s sets.
func ServerPlan(c config.Cluster) map[string]any {
	return map[string]any{
		"concurrency":        1,
		"cordon":             true,
		"nodeSelector":       selector("In", "true"),
		"serviceAccountName": UpgradeNamespace,
		"tolerations": []any{
			map[string]any{"key": config.ControlPlaneTaint.Key, "operator": "Exists"},
			map[string]any{"key": controlPlaneLabel, "operator": "Exists", "effect": "NoSchedule"},
		},
		"upgrade": map[string]any{"image": upgradeImage},
		"version": c.K3sVersion.String(),
	}
}

// AgentPlan upgrades workers after the control plane (its prepare step waits
// for the server Plan), upgrade.agentConcurrency at a time, drained or cordoned.
// A drained worker's Job may run for drainTimeout plus the controller's
// default: without jobActiveDeadlineSecs, the controller kills it after its
// default alone, whatever drainTimeout says (system-upgrade-controller v0.20.1
// pkg/upgrade/job/job.go only warns that the drain timeout exceeds it).
func AgentPlan(c config.Cluster) map[string]any {
	plan := map[string]any{
		"concurrency":        c.Upgrade.AgentConcurrency,
		"nodeSelector":       selector("DoesNotExist"),
		"prepare":            map[string]any{"image": upgradeImage, "args": []any{"prepare", ServerPlanName}},
		"serviceAccountName": UpgradeNamespace,
		// Pools may carry any taint; the upgrade must still reach every node.
		"tolerations": []any{map[string]any{"operator": "Exists"}},
		"upgrade":     map[string]any{"image": upgradeImage},
		"version":     c.K3sVersion.String(),
	}
	if c.Upgrade.Drain {
		plan["drain"] = map[string]any{
			"force":                    true,
			"ignoreDaemonSets":         true,
			"deleteEmptydirData":       true,
			"timeout":                  c.DrainTimeout.String(),
			"skipWaitForDeleteTimeout": 60,
		}
		plan["jobActiveDeadlineSecs"] = int((c.DrainTimeout + JobDeadlineBesidesDrain) / time.Second)
	} else {
		plan["cordon"] = true
	}
	return plan
}

func selector(operator string, values ...string) map[string]any {
	expr := map[string]any{"key": controlPlaneLabel, "operator": operator}
	if len(values) > 0 {
		vals := make([]any, len(values))
		for i, v := range values {
			vals[i] = v
		}
		expr["values"] = vals
	}
	return map[string]any{"matchExpressions": []any{expr}}
}

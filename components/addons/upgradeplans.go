package addons

import (
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// system-upgrade-controller conventions.
const (
	upgradeNamespace  = "system-upgrade"
	serverPlanName    = "k3s-server"
	agentPlanName     = "k3s-agent"
	upgradeImage      = "rancher/k3s-upgrade"
	controlPlaneLabel = "node-role.kubernetes.io/control-plane"
	// jobDeadlineBesidesDrain is what an upgrade Job gets on top of its drain:
	// the controller's own default for a whole Job,
	// SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS in its manifest.
	jobDeadlineBesidesDrain = 900 * time.Second
)

// serverPlan upgrades the control plane one node at a time, cordoned. It
// tolerates the control-plane taint hcloud-k3s sets.
func serverPlan(c config.Cluster) map[string]any {
	return map[string]any{
		"concurrency":        1,
		"cordon":             true,
		"nodeSelector":       selector("In", "true"),
		"serviceAccountName": sucAccount,
		"tolerations": []any{
			map[string]any{"key": config.ControlPlaneTaint.Key, "operator": "Exists"},
			map[string]any{"key": controlPlaneLabel, "operator": "Exists", "effect": "NoSchedule"},
		},
		"upgrade": map[string]any{"image": upgradeImage},
		"version": c.K3sVersion.String(),
	}
}

// agentPlan upgrades workers after the control plane (its prepare step waits
// for the server Plan), upgrade.agentConcurrency at a time, drained or cordoned.
// A drained worker's Job may run for drainTimeout plus the controller's
// default: without jobActiveDeadlineSecs, the controller kills it after its
// default alone, whatever drainTimeout says (system-upgrade-controller v0.20.1
// pkg/upgrade/job/job.go only warns that the drain timeout exceeds it).
func agentPlan(c config.Cluster) map[string]any {
	plan := map[string]any{
		"concurrency":        c.Upgrade.AgentConcurrency,
		"nodeSelector":       selector("DoesNotExist"),
		"prepare":            map[string]any{"image": upgradeImage, "args": []any{"prepare", serverPlanName}},
		"serviceAccountName": sucAccount,
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
		plan["jobActiveDeadlineSecs"] = int((c.DrainTimeout + jobDeadlineBesidesDrain) / time.Second)
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

func plan(ctx *pulumi.Context, name string, planSpec map[string]any, opts []pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("upgrade.cattle.io/v1"),
		Kind:       pulumi.String("Plan"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(upgradeNamespace)},
		OtherFields: map[string]any{
			"spec": planSpec,
		},
	}, opts...)
}

package addons

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

func devCluster(t *testing.T) config.Cluster {
	t.Helper()
	c, err := config.Resolve("dev", config.Input{
		Firewall:    config.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		WorkerPools: []config.WorkerPoolInput{{Name: "workers"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCCMLoadBalancersTargetPrivateIPs(t *testing.T) {
	env := CCMValues(devCluster(t))["env"].(map[string]any)
	want := map[string]any{
		"HCLOUD_NETWORK_ROUTES_ENABLED":        map[string]any{"value": "false"},
		"HCLOUD_LOAD_BALANCERS_LOCATION":       map[string]any{"value": "nbg1"},
		"HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP": map[string]any{"value": "true"},
	}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("CCM env = %v, want %v", env, want)
	}
}

// With every worker pool tainted, only the control plane is left, and it
// carries CriticalAddonsOnly.
func TestCSIControllerToleratesTheControlPlaneTaint(t *testing.T) {
	controller := CSIValues()["controller"].(map[string]any)
	want := []any{map[string]any{"key": "CriticalAddonsOnly", "operator": "Exists"}}
	if !reflect.DeepEqual(controller["tolerations"], want) {
		t.Errorf("CSI controller tolerations = %v, want %v", controller["tolerations"], want)
	}
}

// agentPlan's Job deadline adds the drain to the controller's own default,
// which its settings set.
func TestJobDeadlineBesidesDrainIsTheControllersDefault(t *testing.T) {
	seconds := strconv.Itoa(int(jobDeadlineBesidesDrain / time.Second))
	if got := sucSettings["SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS"]; got != seconds {
		t.Errorf("controller default deadline %v s, the agent Plan assumes %v", got, jobDeadlineBesidesDrain)
	}
}

// The controller registers the Plan CRD itself, so its ClusterRole must let
// it create and update CustomResourceDefinitions.
func TestControllerMayRegisterItsCRD(t *testing.T) {
	for _, r := range sucClusterRules {
		if slices.Contains(r.resources, "customresourcedefinitions") && slices.Contains(r.verbs, "create") && slices.Contains(r.verbs, "update") {
			return
		}
	}
	t.Errorf("no rule of %v lets the controller create and update customresourcedefinitions", sucClusterRules)
}

// The objects are named as pulumi-kubernetes' ConfigGroup named them: the
// group's name, then namespace/name.
func TestObjectsHaveTheConfigGroupsNames(t *testing.T) {
	for _, tt := range []struct{ namespace, name, want string }{
		{"", "system-upgrade", "system-upgrade-controller:system-upgrade"},
		{"system-upgrade", "default-controller-env", "system-upgrade-controller:system-upgrade/default-controller-env"},
		{"", plansCRD, "system-upgrade-controller:plans.upgrade.cattle.io"},
	} {
		if got := objectName(tt.namespace, tt.name); got != tt.want {
			t.Errorf("objectName(%q, %q) = %q, want %q", tt.namespace, tt.name, got, tt.want)
		}
	}
}

func TestHostCertificateVolumesHaveUpstreamsNames(t *testing.T) {
	var names []string
	for _, dir := range sucHostCertificates {
		names = append(names, volumeName(dir))
	}
	if want := []string{"etc-ssl", "etc-pki", "etc-ca-certificates"}; !slices.Equal(names, want) {
		t.Errorf("volume names %v, want %v", names, want)
	}
}

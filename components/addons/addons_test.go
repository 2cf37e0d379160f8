package addons

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"gopkg.in/yaml.v3"
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

func TestEmbeddedSUCManifestsMatchTheirChecksums(t *testing.T) {
	entries, err := sucManifests.ReadDir("manifests/system-upgrade-controller/" + sucVersion)
	if err != nil || len(entries) != len(sucChecksums) {
		t.Fatalf("embedded files %v (%v), want exactly %v", entries, err, sucChecksums)
	}
	for _, f := range sucChecksums {
		data, err := sucManifests.ReadFile(sucPath(f.file))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.sha256 {
			t.Errorf("%s: sha256 %x, recorded %s", f.file, sum, f.sha256)
		}
	}
}

// The manifest is what the ConfigGroup applies: the CRD first, and the
// controller at the embedded release.
func TestSUCManifest(t *testing.T) {
	objects := sucObjects(t)
	if first := objects[0]; first["kind"] != "CustomResourceDefinition" || name(first) != "plans.upgrade.cattle.io" {
		t.Errorf("first object is %v %v, want the Plan CRD", first["kind"], name(first))
	}
	deployment := find(t, objects, "Deployment", "system-upgrade-controller")
	containers := dig(deployment, "spec", "template", "spec", "containers").([]any)
	if image := containers[0].(map[string]any)["image"]; image != "rancher/system-upgrade-controller:"+sucVersion {
		t.Errorf("controller image = %v, want the embedded release %s", image, sucVersion)
	}
}

// agentPlan's Job deadline adds the drain to the controller's own default,
// which the embedded manifest sets.
func TestJobDeadlineBesidesDrainIsTheControllersDefault(t *testing.T) {
	env := find(t, sucObjects(t), "ConfigMap", "default-controller-env")["data"].(map[string]any)
	seconds := strconv.Itoa(int(jobDeadlineBesidesDrain / time.Second))
	if got := env["SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS"]; got != seconds {
		t.Errorf("controller default deadline %v s, the agent Plan assumes %v", got, jobDeadlineBesidesDrain)
	}
}

func sucObjects(t *testing.T) []map[string]any {
	t.Helper()
	manifest, err := sucManifest()
	if err != nil {
		t.Fatal(err)
	}
	var objects []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(manifest))
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return objects
		}
		if err != nil {
			t.Fatal(err)
		}
		if obj != nil {
			objects = append(objects, obj)
		}
	}
}

func find(t *testing.T, objects []map[string]any, kind, objName string) map[string]any {
	t.Helper()
	for _, obj := range objects {
		if obj["kind"] == kind && name(obj) == objName {
			return obj
		}
	}
	t.Fatalf("no %s %s in the manifest", kind, objName)
	return nil
}

func name(obj map[string]any) any { return dig(obj, "metadata", "name") }

func dig(obj map[string]any, path ...string) any {
	var v any = obj
	for _, key := range path {
		v = v.(map[string]any)[key]
	}
	return v
}

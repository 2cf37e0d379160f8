package stack_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/internal/kubeapi"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"gopkg.in/yaml.v3"
)

// TestMain builds the real API server's binaries when missing (see
// kubeapi.Main); the dry-run test starts it.
func TestMain(m *testing.M) { kubeapi.Main(m) }

const (
	chartType = "kubernetes:helm.sh/v4:Chart"
)

// kubernetesObjects are the Kubernetes objects a run registers, as the
// provider would send them to the API server: each resource's inputs. Helm
// charts are left out: the provider renders them from their chart
// repositories, which tests cannot reach. So are reads: the Plan CRD the
// program reads is the controller's (planCRD).
func kubernetesObjects(t *testing.T, g graph) []map[string]any {
	t.Helper()
	var objects []map[string]any
	for _, r := range g.Resources {
		switch {
		case !strings.HasPrefix(r.Type, "kubernetes:") || r.Type == chartType || r.Read:
		case r.Custom:
			objects = append(objects, plain(t, r.Inputs))
		default:
			t.Fatalf("%s %s: a Kubernetes component this test does not know how to render", r.Type, r.Name)
		}
	}
	return objects
}

// plain is a resource's inputs as JSON-like values, its secrets revealed.
func plain(t *testing.T, inputs resource.PropertyMap) map[string]any {
	t.Helper()
	var reveal func(v resource.PropertyValue) (any, bool)
	reveal = func(v resource.PropertyValue) (any, bool) {
		switch {
		case v.IsSecret():
			return v.SecretValue().Element.MapRepl(nil, reveal), true
		case v.IsComputed() || v.IsOutput():
			t.Fatalf("an input is unknown: %v", inputs)
		}
		return nil, false
	}
	return inputs.MapRepl(nil, reveal)
}

func yamlObjects(t *testing.T, text string) []map[string]any {
	t.Helper()
	var objects []map[string]any
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var object map[string]any
		err := dec.Decode(&object)
		if errors.Is(err, io.EOF) {
			return objects
		}
		if err != nil {
			t.Fatal(err)
		}
		if object != nil {
			objects = append(objects, object)
		}
	}
}

// stream is objects as a YAML stream kubectl reads.
func stream(t *testing.T, objects []map[string]any) string {
	t.Helper()
	var b bytes.Buffer
	for _, object := range objects {
		data, err := json.Marshal(object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(data)
		b.WriteString("\n")
	}
	return b.String()
}

// planCRD is the Plan CRD that system-upgrade-controller registers when it
// starts (the program does not apply it): the one the controller's module
// embeds at the pinned release (pkg/crds/yaml, read by pkg/crds List),
// fetched through the Go module proxy like the server's own binaries.
func planCRD(t *testing.T) []map[string]any {
	t.Helper()
	module := "github.com/rancher/system-upgrade-controller@" + config.DefaultSUCVersion
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = t.TempDir() // outside any module: only this one is downloaded
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", module, err)
	}
	var downloaded struct{ Dir string }
	if err := json.Unmarshal(out, &downloaded); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(downloaded.Dir, "pkg/crds/yaml/generated/upgrade.cattle.io_plans.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return yamlObjects(t, string(data))
}

// applyForReal applies, not as a dry run, what the other objects need on the
// server: CRDs, established, and Namespaces.
func applyForReal(t *testing.T, s *kubeapi.Server, objects []map[string]any) {
	t.Helper()
	var needed []map[string]any
	for _, object := range objects {
		if kind := object["kind"]; kind == "CustomResourceDefinition" || kind == "Namespace" {
			needed = append(needed, object)
		}
	}
	s.Must(t, stream(t, needed), "apply", "--server-side", "--field-manager=kubeapi-test", "-f", "-")
	s.Must(t, "", "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
}

// Every object the program hands the Kubernetes provider passes the real API
// server's validation, as a server-side dry run of the apply the provider
// makes (pulumi-kubernetes applies server-side): a field Kubernetes refuses
// fails here, not in a user's `pulumi up`.
func TestKubernetesObjectsPassServerSideDryRun(t *testing.T) {
	s := kubeapi.Shared(t)
	stacks := []struct {
		name, stack string
		overrides   map[string]any
	}{
		{"dev", "dev", nil},
		{"prod", "prod", nil},
		{"prod with S3 snapshots", "prod", s3Snapshots(nil)},
		{"dev autoscaled", "dev", map[string]any{"workerPools": []any{map[string]any{"name": "burst", "serverType": "cx33",
			"location": "nbg1", "autoscaling": map[string]any{"min": 1, "max": 3}}}}},
		{"dev with Cilium", "dev", map[string]any{"k3s": mockcloud.CiliumK3s(map[string]any{"routing": "native"})}},
	}
	for _, tt := range stacks {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, err := runStack(t, tt.stack, tt.overrides, mockcloud.Options{})
			if err != nil {
				t.Fatal(err)
			}
			objects := append(planCRD(t), kubernetesObjects(t, g)...)
			out, err := dryRun(t, s, objects)
			if err != nil {
				t.Fatal(err)
			}
			if want := len(objects); strings.Count(out, "(server dry run)") != want {
				t.Errorf("%d objects, but the dry run said:\n%s", want, out)
			}
		})
	}
}

// dryRun applies what objects need for real (applyForReal), then all of
// them as a server-side dry run, as the provider applies them.
func dryRun(t *testing.T, s *kubeapi.Server, objects []map[string]any) (string, error) {
	t.Helper()
	applyForReal(t, s, objects)
	return s.Run(stream(t, objects), "apply", "--server-side", "--dry-run=server", "--field-manager=pulumi-kubernetes", "-f", "-")
}

func TestServerSideDryRunRefusesAFieldKubernetesDoesNot(t *testing.T) {
	s := kubeapi.Shared(t)
	objects := append(planCRD(t), kubernetesObjects(t, stack(t, "dev", nil))...)
	misspelt := 0
	for _, object := range objects {
		if object["kind"] == "Plan" {
			object["spec"].(map[string]any)["cordonn"] = true
			misspelt++
		}
	}
	if misspelt == 0 {
		t.Fatal("dev renders no Plan")
	}
	_, err := dryRun(t, s, objects)
	if err == nil || !strings.Contains(err.Error(), ".spec.cordonn: field not declared in schema") {
		t.Errorf("dry run of a Plan with a misspelt field: %v, want it refused", err)
	}
}

package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/provider"
	"github.com/hcloud-k3s/hcloud-k3s/components/provider/schemagen"
	"github.com/hcloud-k3s/hcloud-k3s/internal/docs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

var update = flag.Bool("update", false, "rewrite schema.json from the Go types, Pulumi.yaml and docs/outputs.md")

const root = "../.."

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// generated is the schema as schemagen builds it now.
func generated(t *testing.T) schema.PackageSpec {
	t.Helper()
	spec, err := schemagen.Package(read(t, "Pulumi.yaml"), read(t, "docs/outputs.md"))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// The checked-in schema is the generated one: a new config field, a changed
// description in Pulumi.yaml or a new output in docs/outputs.md fails here
// until `go test ./components/provider -update` rewrites it.
func TestSchemaIsGenerated(t *testing.T) {
	want, err := json.MarshalIndent(generated(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile("schema.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return // the test binary embeds the schema it replaced
	}
	if !bytes.Equal(provider.Schema, want) {
		t.Errorf("schema.json is not what the Go types, Pulumi.yaml and docs/outputs.md give; run `go test ./components/provider -update` and review the diff")
	}
}

// bound is the checked-in schema as the Pulumi code generators see it,
// with the language sections of TypeScript and Python.
func bound(t *testing.T) *schema.Package {
	t.Helper()
	var spec schema.PackageSpec
	if err := json.Unmarshal(provider.Schema, &spec); err != nil {
		t.Fatal(err)
	}
	spec.Version = "0.1.0" // set by the release; an SDK needs one
	pkg, err := schema.ImportSpec(spec, map[string]schema.Language{"nodejs": nodejs.Importer, "python": python.Importer}, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// Every `hcloud-k3s:` key of Pulumi.yaml is an input of the Cluster, of the
// same type and with the same description, and there is no other input
// but the token.
func TestSchemaInputsAreTheConfigKeys(t *testing.T) {
	keys, _, err := docs.ConfigKeys(read(t, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(provider.Schema, &spec); err != nil {
		t.Fatal(err)
	}
	inputs := spec.Resources["hcloud-k3s:index:Cluster"].InputProperties
	declared := []string{provider.HcloudTokenInput}
	for _, key := range keys {
		if strings.Contains(key.Path, ".") {
			continue // a field of an object default
		}
		declared = append(declared, key.Path)
		input, ok := inputs[key.Path]
		if !ok {
			t.Errorf("config key %s has no input", key.Path)
			continue
		}
		if got := configType(input.TypeSpec); got != key.Type {
			t.Errorf("input %s is %s, Pulumi.yaml declares %s", key.Path, got, key.Type)
		}
		if input.Description != key.Description {
			t.Errorf("input %s is described %q, Pulumi.yaml %q", key.Path, input.Description, key.Description)
		}
	}
	for name := range inputs {
		if !slices.Contains(declared, name) {
			t.Errorf("input %s is not a config key of Pulumi.yaml", name)
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(config.ConfigKeys())), slices.Sorted(slices.Values(declared[1:]))) {
		t.Errorf("config.ConfigKeys() = %v, Pulumi.yaml declares %v", config.ConfigKeys(), declared[1:])
	}
}

// configType is a schema type as Pulumi.yaml writes it: object types are
// "object", arrays "array of <items>".
func configType(t schema.TypeSpec) string {
	switch {
	case t.Ref != "":
		return "object"
	case t.Type == "array":
		return "array of " + configType(*t.Items)
	}
	return t.Type
}

// The secrets among the inputs are marked secret, so that every SDK wraps
// them as secrets before they leave the consumer's program.
func TestSchemaMarksSecretInputs(t *testing.T) {
	pkg := bound(t)
	var secret []string
	var walk func(prefix string, props []*schema.Property)
	walk = func(prefix string, props []*schema.Property) {
		for _, p := range props {
			if p.Secret {
				secret = append(secret, prefix+p.Name)
			}
			if obj, ok := codegenObject(p.Type); ok {
				walk(prefix+p.Name+".", obj.Properties)
			}
		}
	}
	cluster, _ := pkg.GetResource("hcloud-k3s:index:Cluster")
	walk("", cluster.InputProperties)
	slices.Sort(secret)
	if want := []string{"etcdSnapshots.s3.secretKey", provider.HcloudTokenInput, "ssh.privateKey"}; !slices.Equal(secret, want) {
		t.Errorf("secret inputs = %v, want %v", secret, want)
	}
	var secretOutputs []string
	for _, p := range cluster.Properties {
		if p.Secret {
			secretOutputs = append(secretOutputs, p.Name)
		}
	}
	if want := []string{"kubeconfig", "sshPrivateKey"}; !slices.Equal(secretOutputs, want) {
		t.Errorf("secret outputs = %v, want %v", secretOutputs, want)
	}
}

func codegenObject(t schema.Type) (*schema.ObjectType, bool) {
	for {
		switch tt := t.(type) {
		case *schema.OptionalType:
			t = tt.ElementType
		case *schema.InputType:
			t = tt.ElementType
		case *schema.ObjectType:
			return tt, true
		default:
			return nil, false
		}
	}
}

// TypeScript and Python SDKs generate from the schema, as `pulumi package
// add` does, with the Cluster, its typed inputs and its outputs.
func TestSDKsGenerate(t *testing.T) {
	pkg := bound(t)
	ts, err := nodejs.GeneratePackage("test", pkg, nil, nil, true, noPackages{})
	if err != nil {
		t.Fatal(err)
	}
	expectFile(t, ts, "cluster.ts", "export class Cluster extends pulumi.ComponentResource",
		`super(Cluster.__pulumiType, name, resourceInputs, opts, true /*remote*/);`,
		"controlPlane?: pulumi.Input<inputs.ControlPlaneArgs | undefined>", "declare public /*out*/ readonly kubeconfig: pulumi.Output<string>;", `additionalSecretOutputs: ["kubeconfig", "sshPrivateKey"]`)
	expectFile(t, ts, "types/input.ts", "export interface ControlPlaneArgs", "export interface WorkerPoolArgs", "sshAllowedCidrs?:")
	py, err := python.GeneratePackage("test", pkg, nil, noPackages{})
	if err != nil {
		t.Fatal(err)
	}
	expectFile(t, py, "pulumi_hcloud_k3s/cluster.py", "class Cluster(pulumi.ComponentResource):",
		"remote=True", "def kubeconfig(self) -> pulumi.Output[_builtins.str]:", `additional_secret_outputs=["kubeconfig", "sshPrivateKey"]`)
	expectFile(t, py, "pulumi_hcloud_k3s/__init__.py", "from ._inputs import *", "from .cluster import *")
	expectFile(t, py, "pulumi_hcloud_k3s/cluster.py", "def api_endpoint(self)", "def control_plane_ips(self)", "def ssh_private_key(self)")
	expectFile(t, py, "pulumi_hcloud_k3s/_inputs.py", "class ControlPlaneArgs:", "class WorkerPoolArgs:", "class FirewallArgs:",
		"server_type: pulumi.Input[Optional[_builtins.str]] = None", "ssh_allowed_cidrs: pulumi.Input[Optional[Sequence[pulumi.Input[_builtins.str]]]] = None")
}

// noPackages loads no other package: the schema refers to none, and a
// test never fetches a plugin.
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the hcloud-k3s schema refers to package %s", pkg)
}

func (noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("the hcloud-k3s schema refers to package %s", d.Name)
}

func (noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the hcloud-k3s schema refers to package %s", pkg)
}

func (noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the hcloud-k3s schema refers to package %s", d.Name)
}

func expectFile(t *testing.T, files map[string][]byte, name string, contains ...string) {
	t.Helper()
	text, ok := files[name]
	if !ok {
		names := slices.Sorted(func(yield func(string) bool) {
			for n := range files {
				if !yield(n) {
					return
				}
			}
		})
		t.Fatalf("no %s among %v", name, names)
	}
	for _, s := range contains {
		if !strings.Contains(string(text), s) {
			t.Errorf("%s lacks %q:\n%s", name, s, text)
		}
	}
}

// The plugin, like the program, is built without the engine
// (pulumi/pkg) and the real API server's harness (internal/kubeapi): only
// tests use them.
func TestPluginAndProgramLeaveOutTheEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../cmd/pulumi-resource-hcloud-k3s", "../..").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/pulumi/pulumi/pkg/") || strings.HasPrefix(pkg, "github.com/hcloud-k3s/hcloud-k3s/internal/kubeapi") {
			t.Errorf("the plugin or the program imports %s", pkg)
		}
	}
}

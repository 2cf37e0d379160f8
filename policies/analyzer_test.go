package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/hcloud-k3s/hcloud-k3s/internal/plugintest"
)

// buildPack compiles the pack like the Go language host does for `--policy-pack ./policies`.
func buildPack(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hcloud-k3s-policy")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startPack launches the pack binary as the engine does and connects to the port it prints.
func startPack(t *testing.T, bin string) pulumirpc.AnalyzerClient {
	t.Helper()
	return pulumirpc.NewAnalyzerClient(plugintest.Start(t, bin))
}

// session is one preview's worth of analyzer calls.
type session struct {
	stack       string
	stackConfig map[string]string // the stack's config; also carries stack policy settings
	packConfig  string            // path of a --policy-pack-config file
}

// run drives the pack through the calls `pulumi preview --policy-pack` makes and returns all diagnostics:
// Analyze sees each resource's inputs, AnalyzeStack their state (the outputs).
func (s session) run(t *testing.T, client pulumirpc.AnalyzerClient, resources []mockcloud.Resource) []*pulumirpc.AnalyzeDiagnostic {
	t.Helper()
	ctx := context.Background()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{RootDirectory: &dir, ProgramDirectory: &dir}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	_, err = client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Stack: s.stack, Project: "hcloud-k3s", Organization: "organization", Config: s.stackConfig, DryRun: true,
	})
	if err != nil {
		t.Fatalf("ConfigureStack: %v", err)
	}
	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("GetAnalyzerInfo: %v", err)
	}
	if _, err := client.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: reconcile(t, info, s.packConfig)}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	var diagnostics []*pulumirpc.AnalyzeDiagnostic
	for _, r := range resources {
		resp, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{
			Urn: r.URN, Type: r.Type, Name: r.Name, Properties: marshal(t, r.Inputs),
		})
		if err != nil {
			t.Fatalf("Analyze %s: %v", r.URN, err)
		}
		diagnostics = append(diagnostics, resp.GetDiagnostics()...)
	}
	resp, err := client.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: stackRequest(t, resources)})
	if err != nil {
		t.Fatalf("AnalyzeStack: %v", err)
	}
	return append(diagnostics, resp.GetDiagnostics()...)
}

func stackRequest(t *testing.T, resources []mockcloud.Resource) []*pulumirpc.AnalyzerResource {
	out := make([]*pulumirpc.AnalyzerResource, 0, len(resources))
	for _, r := range resources {
		deps := map[string]*pulumirpc.AnalyzerPropertyDependencies{}
		for key, urns := range r.PropertyDependencies {
			deps[key] = &pulumirpc.AnalyzerPropertyDependencies{Urns: urns}
		}
		out = append(out, &pulumirpc.AnalyzerResource{
			Urn: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Properties: marshal(t, r.State),
			Dependencies: r.Dependencies, PropertyDependencies: deps,
		})
	}
	return out
}

// marshal encodes properties with the options the engine uses for analyzers.
func marshal(t *testing.T, props resource.PropertyMap) *structpb.Struct {
	s, err := plugin.MarshalProperties(props, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipInternalKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reconcile builds the Configure request the engine derives from the policies' defaults and a
// --policy-pack-config file: "all" sets every level, then per-policy levels and properties apply.
// Unlike the engine it rejects unknown policy and property names, to catch typos in shipped files.
func reconcile(t *testing.T, info *pulumirpc.AnalyzerInfo, path string) map[string]*pulumirpc.PolicyConfig {
	t.Helper()
	config := map[string]*pulumirpc.PolicyConfig{}
	schemas := map[string]map[string]any{} // policy → property → schema
	for _, p := range info.GetPolicies() {
		schemas[p.GetName()] = p.GetConfigSchema().GetProperties().AsMap()
		props := map[string]any{}
		for key, schema := range schemas[p.GetName()] {
			if def, ok := schema.(map[string]any)["default"]; ok {
				props[key] = def
			}
		}
		config[p.GetName()] = &pulumirpc.PolicyConfig{EnforcementLevel: p.GetEnforcementLevel(), Properties: toStruct(t, props)}
	}
	raw := map[string]any{}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if all, ok := raw["all"].(string); ok {
		for _, c := range config {
			c.EnforcementLevel = level(t, all)
		}
	}
	for name, v := range raw {
		if name == "all" {
			continue
		}
		c, ok := config[name]
		if !ok {
			t.Fatalf("%s configures unknown policy %q", path, name)
		}
		applyPolicyConfig(t, c, v, schemas[name])
	}
	return config
}

func applyPolicyConfig(t *testing.T, c *pulumirpc.PolicyConfig, v any, schema map[string]any) {
	t.Helper()
	settings, isObject := v.(map[string]any)
	if !isObject {
		c.EnforcementLevel = level(t, v.(string))
		return
	}
	props := c.GetProperties().AsMap()
	for key, value := range settings {
		switch {
		case key == "enforcementLevel":
			c.EnforcementLevel = level(t, value.(string))
		case schema[key] != nil:
			props[key] = value
		default:
			t.Fatalf("unknown policy property %q", key)
		}
	}
	c.Properties = toStruct(t, props)
}

func level(t *testing.T, name string) pulumirpc.EnforcementLevel {
	t.Helper()
	l, ok := pulumirpc.EnforcementLevel_value[strings.ToUpper(name)]
	if !ok {
		t.Fatalf("invalid enforcement level %q", name)
	}
	return pulumirpc.EnforcementLevel(l)
}

func toStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(fmt.Errorf("policy properties: %w", err))
	}
	return s
}

package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	clusterstack "github.com/hcloud-k3s/hcloud-k3s/components/stack"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/hcloud-k3s/hcloud-k3s/policies/rules"
)

// registered runs the program for a stack under mockcloud and returns what the engine would analyze.
func registered(t *testing.T, stack string, overrides map[string]any, preview bool) []mockcloud.Resource {
	t.Helper()
	config, err := mockcloud.StackConfig("..", stack, overrides)
	if err != nil {
		t.Fatal(err)
	}
	result, err := mockcloud.Run(clusterstack.Build, mockcloud.Options{Stack: stack, Config: config, Preview: preview})
	if err != nil {
		t.Fatalf("program: %v", err)
	}
	return result.Resources
}

func named(t *testing.T, resources []mockcloud.Resource, typ string) mockcloud.Resource {
	t.Helper()
	for _, r := range resources {
		if r.Type == typ {
			return r
		}
	}
	t.Fatalf("the program registered no %s", typ)
	return mockcloud.Resource{}
}

// TestPackBinary builds the pack, starts it as the engine does and speaks the analyzer protocol to it.
func TestPackBinary(t *testing.T) {
	client := startPack(t, buildPack(t))
	t.Run("describes its policies", func(t *testing.T) { testDescribesPolicies(t, client) })
	t.Run("guards hcloud-k3s stacks", func(t *testing.T) { testGuardsStacks(t, client) })
	t.Run("advises off-site snapshots for an HA control plane", func(t *testing.T) { testAdvisesOffSiteSnapshots(t, client) })
}

// offSiteSnapshots sends a stack's etcd snapshots to S3, which its HA control plane should do.
var offSiteSnapshots = map[string]any{"etcdSnapshots": map[string]any{"s3": map[string]any{
	"bucket": "backups", "accessKey": "AKIAEXAMPLE", "secretKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}}}

func testGuardsStacks(t *testing.T, client pulumirpc.AnalyzerClient) {
	publicAPI := map[string]any{"apiLoadBalancer": map[string]any{"enabled": true, "type": "lb11", "publicInterface": true},
		"etcdSnapshots": offSiteSnapshots["etcdSnapshots"]}
	tests := []struct {
		name       string
		stack      string
		overrides  map[string]any
		preview    bool
		packConfig string
		acceptLB   bool // accept the load balancer in the stack config (pulumi/pulumi#24657 workaround)
		want       pulumirpc.EnforcementLevel
		wantBypass bool
	}{
		{name: "dev stack under dev.json is clean", stack: "dev", preview: true,
			packConfig: "config/dev.json"},
		{name: "prod stack with its private API load balancer and off-site snapshots under prod.json is clean", stack: "prod",
			overrides: offSiteSnapshots, preview: true, packConfig: "config/prod.json"},
		{name: "public API load balancer in prod is a mandatory violation in preview", stack: "prod",
			overrides: publicAPI, preview: true, packConfig: "config/prod.json",
			wantBypass: true, want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "public API load balancer in prod is a mandatory violation once IDs are known", stack: "prod",
			overrides: publicAPI, packConfig: "config/prod.json",
			wantBypass: true, want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "public API load balancer in dev is advisory under dev.json", stack: "dev",
			overrides: publicAPI, preview: true, packConfig: "config/dev.json",
			wantBypass: true, want: pulumirpc.EnforcementLevel_ADVISORY},
		{name: "public API load balancer accepted in the stack config", stack: "prod",
			overrides: publicAPI, preview: true, packConfig: "config/prod.json", acceptLB: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resources := registered(t, tt.stack, tt.overrides, tt.preview)
			stackConfig := map[string]string{}
			if tt.acceptLB {
				lb := named(t, resources, hetzner.TypeLoadBalancer)
				stackConfig[rules.PackName+":load-balancer-bypasses-firewall"] = fmt.Sprintf(`{"acceptedLoadBalancers":[%q]}`, lb.Name)
			}
			got := session{stack: tt.stack, stackConfig: stackConfig, packConfig: tt.packConfig}.run(t, client, resources)
			if !tt.wantBypass {
				for _, d := range got {
					t.Errorf("unexpected %v from %s on %s:\n%s", d.GetEnforcementLevel(), d.GetPolicyName(), d.GetUrn(), d.GetMessage())
				}
				return
			}
			assertBypass(t, got, resources, tt.want)
		})
	}
}

// assertBypass expects exactly one diagnostic: the API load balancer bypassing the cluster firewall.
func assertBypass(t *testing.T, got []*pulumirpc.AnalyzeDiagnostic, resources []mockcloud.Resource, want pulumirpc.EnforcementLevel) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %v", len(got), got)
	}
	d := got[0]
	lb := named(t, resources, hetzner.TypeLoadBalancer)
	fw := named(t, resources, hetzner.TypeFirewall)
	wantStart := fmt.Sprintf("%s\nload balancer %q is public and forwards to tcp/6443 on servers whose firewalls (%s) "+
		"allow it only from %s;", d.GetDescription(), lb.Name, fw.Name, mockcloud.OperatorCIDR)
	if d.GetPolicyName() != "load-balancer-bypasses-firewall" || d.GetPolicyPackName() != rules.PackName ||
		d.GetEnforcementLevel() != want || d.GetUrn() != lb.URN || !strings.HasPrefix(d.GetMessage(), wantStart) {
		t.Errorf("got %s %v on %s:\n%s\nwant load-balancer-bypasses-firewall %v on %s starting:\n%s",
			d.GetPolicyName(), d.GetEnforcementLevel(), d.GetUrn(), d.GetMessage(), want, lb.URN, wantStart)
	}
}

// testAdvisesOffSiteSnapshots: the prod stack as shipped (three control-plane servers, snapshots
// kept on them) gets one advisory, on its first control-plane server, which reads the servers'
// etcd-snapshots label; dev, with one control-plane server, gets none.
func testAdvisesOffSiteSnapshots(t *testing.T, client pulumirpc.AnalyzerClient) {
	resources := registered(t, "prod", nil, true)
	got := session{stack: "prod", packConfig: "config/prod.json"}.run(t, client, resources)
	if len(got) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %v", len(got), got)
	}
	d := got[0]
	var cp1 mockcloud.Resource
	for _, r := range resources {
		if r.Type == hetzner.TypeServer && r.Name == "cp-1" {
			cp1 = r
		}
	}
	wantStart := `cluster "prod" has 3 control-plane servers (etcd members), and the etcd snapshots of "cp-1", "cp-2", "cp-3" stay on them`
	if d.GetPolicyName() != "control-plane-without-offsite-snapshots" || d.GetEnforcementLevel() != pulumirpc.EnforcementLevel_ADVISORY ||
		d.GetUrn() != cp1.URN || !strings.Contains(d.GetMessage(), wantStart) {
		t.Errorf("got %s %v on %s:\n%s\nwant the advisory on %s containing %s", d.GetPolicyName(), d.GetEnforcementLevel(), d.GetUrn(), d.GetMessage(), cp1.URN, wantStart)
	}
	if dev := (session{stack: "dev", packConfig: "config/dev.json"}).run(t, client, registered(t, "dev", nil, true)); len(dev) != 0 {
		t.Errorf("dev, with one control-plane server, gets %v", dev)
	}
}

func testDescribesPolicies(t *testing.T, client pulumirpc.AnalyzerClient) {
	session{stack: "dev", packConfig: "config/dev.json"}.run(t, client, nil)
	info, err := client.GetAnalyzerInfo(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.GetName() != rules.PackName || info.GetVersion() != version.String() || !info.GetSupportsConfig() {
		t.Errorf("got pack %s %s (supports config: %v)", info.GetName(), info.GetVersion(), info.GetSupportsConfig())
	}
	levels := map[string]pulumirpc.EnforcementLevel{}
	settings := map[string]string{} // policy → its config schema's properties
	for _, p := range info.GetPolicies() {
		levels[p.GetName()] = p.GetEnforcementLevel()
		settings[p.GetName()] = strings.Join(slices.Sorted(maps.Keys(p.GetConfigSchema().GetProperties().AsMap())), ", ")
		if p.GetDescription() == "" {
			t.Errorf("policy %s has no description", p.GetName())
		}
	}
	want := map[string]pulumirpc.EnforcementLevel{
		"load-balancer-bypasses-firewall":         pulumirpc.EnforcementLevel_MANDATORY,
		"admin-ports-open-to-world":               pulumirpc.EnforcementLevel_ADVISORY,
		"server-without-firewall":                 pulumirpc.EnforcementLevel_ADVISORY,
		"kubernetes-service-public-load-balancer": pulumirpc.EnforcementLevel_ADVISORY,
		"load-balancer-targets-public-ip":         pulumirpc.EnforcementLevel_ADVISORY,
		"control-plane-without-offsite-snapshots": pulumirpc.EnforcementLevel_ADVISORY,
	}
	if !maps.Equal(levels, want) {
		t.Errorf("default levels:\ngot  %v\nwant %v", levels, want)
	}
	wantSettings := map[string]string{
		"load-balancer-bypasses-firewall":         "acceptedLoadBalancers",
		"admin-ports-open-to-world":               "ports",
		"server-without-firewall":                 "",
		"kubernetes-service-public-load-balancer": "",
		"load-balancer-targets-public-ip":         "",
		"control-plane-without-offsite-snapshots": "",
	}
	if !maps.Equal(settings, wantSettings) {
		t.Errorf("config schemas:\ngot  %q\nwant %q", settings, wantSettings)
	}
}

func TestPulumiPolicyYAMLLoads(t *testing.T) {
	pack, err := workspace.LoadPolicyPack("PulumiPolicy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if pack.Runtime.Name() != "go" {
		t.Errorf("runtime %q, want go", pack.Runtime.Name())
	}
}

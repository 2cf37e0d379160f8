package rules

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func TestPoliciesDeclareTheirOwnLevels(t *testing.T) {
	want := map[string]policyx.EnforcementLevel{
		"load-balancer-bypasses-firewall":         policyx.EnforcementLevelMandatory,
		"admin-ports-open-to-world":               policyx.EnforcementLevelAdvisory,
		"server-without-firewall":                 policyx.EnforcementLevelAdvisory,
		"kubernetes-service-public-load-balancer": policyx.EnforcementLevelAdvisory,
		"load-balancer-targets-public-ip":         policyx.EnforcementLevelAdvisory,
		"control-plane-without-offsite-snapshots": policyx.EnforcementLevelAdvisory,
		"autoscaled-servers-outside-cluster":      policyx.EnforcementLevelMandatory,
	}
	policies, err := Policies(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if len(policies) != len(want) {
		t.Fatalf("got %d policies, want %d", len(policies), len(want))
	}
	for _, p := range policies {
		if level, ok := want[p.Name()]; !ok || p.EnforcementLevel() != level {
			t.Errorf("policy %q has level %v, want %v (known: %v)", p.Name(), p.EnforcementLevel(), level, ok)
		}
		if p.Description() == "" {
			t.Errorf("policy %q has no description", p.Name())
		}
	}
	// The pack level is the opposite of the bypass policy's, to show it is not what counts.
	pack, err := policyx.NewPolicyPack(PackName, semver.MustParse("0.1.0"), policyx.EnforcementLevelAdvisory, policies)
	if err != nil {
		t.Fatal(err)
	}
	if pack.Policies()[0].EnforcementLevel() != policyx.EnforcementLevelMandatory {
		t.Error("the bypass policy lost its mandatory level in the pack")
	}
}

func TestPanicsAreReportedNotRaised(t *testing.T) {
	boom := func() []violation { panic("boom") }
	resourcePolicy, _ := resourceRule{name: "r", resourceType: typeServer,
		check: func(*resource, settings) []violation { return boom() }}.policy(nil)
	stackPolicy, _ := stackRule{name: "s",
		check: func(*stack, settings) []violation { return boom() }}.policy(func(string) (string, bool) { return "", false })

	m := &recorder{}
	server := res(typeServer, "cp-0", nil, nil)
	err := resourcePolicy.(policyx.ResourceValidationPolicy).Validate(context.Background(),
		policyx.ResourceValidationArgs{Manager: m, Resource: server})
	if err != nil {
		t.Fatal(err)
	}
	err = stackPolicy.(policyx.StackValidationPolicy).Validate(context.Background(),
		policyx.StackValidationArgs{Manager: m, Resources: []policyx.AnalyzerResource{server}})
	if err != nil {
		t.Fatal(err)
	}
	assertReports(t, m.reports, []reported{
		{message: "policy r could not finish its check (boom); please report this bug"},
		{message: "policy s could not finish its check (boom); please report this bug"},
	})
}

// TestUnknownValuesNeverCrash makes each property of each resource unknown in turn, as a preview
// may, and runs every policy: none may panic (which reportPanic would turn into a report).
func TestUnknownValuesNeverCrash(t *testing.T) {
	withService := func() []spec {
		return append(apiCluster(), spec{typ: typeKubernetesService, name: "svc", props: map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{}}, "spec": map[string]any{"type": "LoadBalancer"}}})
	}
	for _, s := range withService() {
		for key := range s.props {
			for _, msg := range runAll(t, build(withService(), set(s.name, key, computed))) {
				if strings.Contains(msg, "could not finish") {
					t.Errorf("%s.%s unknown: %s", s.name, key, msg)
				}
			}
		}
	}
}

// runAll runs every policy: resource policies on each resource, stack policies once on all of them.
func runAll(t *testing.T, resources []policyx.AnalyzerResource) []string {
	t.Helper()
	policies, err := Policies(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	m := &recorder{}
	for _, p := range policies {
		switch p := p.(type) {
		case policyx.ResourceValidationPolicy:
			for _, r := range resources {
				err = errors.Join(err, p.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: r}))
			}
		case policyx.StackValidationPolicy:
			err = errors.Join(err, p.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: resources}))
		}
	}
	if err != nil {
		t.Errorf("Validate returned %v; policies must report, not fail", err)
	}
	var messages []string
	for _, rep := range m.reports {
		messages = append(messages, rep.message)
	}
	return messages
}

package rules

import (
	"context"
	"testing"

	sdkresource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// computed is an unknown value, as inputs derived from other resources' outputs are in preview.
var computed = sdkresource.MakeComputed(sdkresource.NewStringProperty(""))

// recorder is a PolicyManager that records what policies report.
type recorder struct{ reports []reported }

type reported struct{ message, urn string }

func (r *recorder) ReportViolation(message, urn string) {
	r.reports = append(r.reports, reported{message, urn})
}

func props(m map[string]any) property.Map {
	return sdkresource.FromResourcePropertyMap(sdkresource.NewPropertyMapFromMap(m))
}

func urnOf(typ, name string) string {
	return "urn:pulumi:test::hcloud-k3s::" + typ + "::" + name
}

// res builds a resource as AnalyzeStack sees it; deps maps property names to the names of the
// resources (of any type in the same test) they were computed from.
func res(typ, name string, properties map[string]any, deps map[string][]string) policyx.AnalyzerResource {
	return policyx.AnalyzerResource{Type: typ, Name: name, URN: urnOf(typ, name), Properties: props(properties),
		PropertyDependencies: deps}
}

// dep is a property dependency on the resource of type typ named name.
func dep(typ, name string) []string {
	return []string{urnOf(typ, name)}
}

func policyNamed(t *testing.T, name string, stackConfig map[string]string) policyx.Policy {
	t.Helper()
	policies, err := Policies(func(key string) (string, bool) {
		v, ok := stackConfig[key]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range policies {
		if p.Name() == name {
			return p
		}
	}
	t.Fatalf("no policy %q", name)
	return nil
}

func validateResource(t *testing.T, policy string, r policyx.AnalyzerResource, config map[string]any) []reported {
	t.Helper()
	m := &recorder{}
	p := policyNamed(t, policy, nil).(policyx.ResourceValidationPolicy)
	err := p.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: m, Resource: r, Config: config})
	if err != nil {
		t.Fatalf("Validate returned %v; policies must report, not fail", err)
	}
	return m.reports
}

func validateStack(t *testing.T, policy string, rs []policyx.AnalyzerResource, stackConfig map[string]string) []reported {
	t.Helper()
	m := &recorder{}
	p := policyNamed(t, policy, stackConfig).(policyx.StackValidationPolicy)
	if err := p.Validate(context.Background(), policyx.StackValidationArgs{Manager: m, Resources: rs}); err != nil {
		t.Fatalf("Validate returned %v; policies must report, not fail", err)
	}
	return m.reports
}

func assertReports(t *testing.T, got, want []reported) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d reports, want %d:\ngot:  %q\nwant: %q", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("report %d:\ngot:  %q\nwant: %q", i, got[i], want[i])
		}
	}
}

// stackCase is a row of a stack policy table: changes to apiCluster and the reports they cause.
type stackCase struct {
	name        string
	changes     []change
	stackConfig map[string]string
	want        []reported
}

func runStackCases(t *testing.T, policy string, cases []stackCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			assertReports(t, validateStack(t, policy, build(apiCluster(), tt.changes...), tt.stackConfig), tt.want)
		})
	}
}

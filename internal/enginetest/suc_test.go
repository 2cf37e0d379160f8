package enginetest

// system-upgrade-controller: the move from the release's manifests, applied
// by a kubernetes:yaml/v2:ConfigGroup, to the program's own objects; and a
// new cluster, whose Plans wait for the CRD the controller registers.

import (
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

const (
	sucComponent    = "hcloud-k3s:index:SystemUpgradeController"
	configGroupType = "kubernetes:yaml/v2:ConfigGroup"
	crdType         = cloudmodel.TypeCRD
	planType        = cloudmodel.TypePlan
	plansCRD        = "plans.upgrade.cattle.io"
	crdWait         = "plans-crd-established"
)

// A stack whose controller a ConfigGroup applied moves in one up: every
// object is adopted (no delete, no create, no replace: deleting the
// Namespace would delete the Plans in it), the CRD is left to the
// controller (no delete: that would delete every Plan), and the next up
// changes nothing.
func TestSUCMovesFromTheConfigGroupKeepingEveryObject(t *testing.T) {
	w := newWorld()
	s := newStack(w, "dev", nil)
	s.Up(t).Check(t)
	toConfigGroupShape(t, s)

	preview := s.Preview(t).Check(t)
	expectAdopted(t, preview)
	r := s.Up(t).Check(t)
	expectAdopted(t, r)
	for _, op := range r.Operations {
		r.Expect(t, op.Kind != "delete", "%s %s was deleted", op.Type, op.URN.Name())
	}
	r.Expect(t, len(r.Reads) == 1 && r.Reads[0].URN.Type() == crdType, "the CRD was not read: %v", Names(r.Reads))

	crd := stateOf(s, crdType)
	if crd == nil || !crd.External || crd.ID != plansCRD {
		t.Fatalf("the CRD is %+v in the state, want the controller's, external", crd)
	}
	for _, old := range s.Resources() {
		r.Expect(t, !strings.Contains(string(old.URN), configGroupType), "the ConfigGroup's %s is left in the state", old.URN)
	}

	second := s.Up(t).Check(t)
	second.Expect(t, len(second.Steps) == 0, "the next up took %d steps", len(second.Steps))
	second.Expect(t, stateOf(s, crdType).External, "the CRD is managed again")
}

// A new cluster creates every object, then waits on the first
// control-plane node for the CRD before it reads it and applies the Plans.
func TestNewClusterPlansWaitForTheCRD(t *testing.T) {
	w := newWorld()
	s := newStack(w, "dev", nil)
	r := s.Up(t).Check(t)
	created := Names(r.Of("", create))
	for _, object := range []string{cloudmodel.TypeNamespace, cloudmodel.TypeServiceAccount, cloudmodel.TypeConfigMap,
		cloudmodel.TypeClusterRole, cloudmodel.TypeClusterRoleBinding, cloudmodel.TypeRole, cloudmodel.TypeRoleBinding, cloudmodel.TypeDeployment} {
		r.Expect(t, len(r.Of(object, create)) > 0, "no %s created: %v", object, created)
	}
	deployment, deployed := r.Find(create, "system-upgrade-controller")
	wait, ok := r.Find(create, crdWait)
	r.Expect(t, deployed && ok && deployment.End < wait.Begin, "the wait for the CRD did not run after the controller's Deployment")
	r.Expect(t, len(r.Reads) == 1 && r.Reads[0].URN.Type() == crdType && wait.End < r.Reads[0].Begin,
		"the CRD was not read once, after the wait: %v", Names(r.Reads))
	r.Expect(t, len(r.Of(planType, create)) == 2, "%d Plans were applied, want the server and the agent Plan", len(r.Of(planType, create)))
	for _, plan := range r.Of(planType, create) {
		r.Expect(t, wait.End < plan.Begin && r.Reads[0].End < plan.Begin, "Plan %s was applied before the CRD was established and read", plan.Name())
	}
	r.Expect(t, slices.Contains(r.Ran(), "create "+crdWait+"@dev-cp-1"), "the wait did not run on the first control-plane node: %v", r.Ran())
}

// expectAdopted checks that a run deleted, created and replaced no
// Kubernetes object, and created nothing but the wait for the CRD.
func expectAdopted(t *testing.T, r *Run) {
	t.Helper()
	for _, step := range r.Steps {
		k8s := strings.HasPrefix(string(step.URN.Type()), "kubernetes:")
		r.Expect(t, step.Op != del && step.Op != replace && step.Op != deploy.OpDeleteReplaced && step.Op != deploy.OpReadReplacement,
			"%s %s", step.Op, step.URN)
		r.Expect(t, step.Op != create || (!k8s && step.Name() == crdWait), "%s %s", step.Op, step.URN)
	}
}

// toConfigGroupShape rewrites the stack's state into the one the program
// left when a kubernetes:yaml/v2:ConfigGroup applied the release's
// manifests: the component is the ConfigGroup; its children have the names
// pulumi-kubernetes v4.32.0 gave them (provider/pkg/provider/yaml/v2/yaml.go
// register: the group's name, then the object's namespace/name); the CRD
// is one of them, managed, whose ID is its name; there is no wait for it.
func toConfigGroupShape(t *testing.T, s *Stack) {
	t.Helper()
	renamed := map[resource.URN]resource.URN{}
	var kept []*pkgresource.State
	var group resource.URN
	for _, r := range s.snapshot.Resources {
		switch {
		case r.Type == sucComponent:
			group = withType(r.URN, configGroupType, r.URN.Name())
			renamed[r.URN], r.Type = group, configGroupType
		case r.Parent != "" && renamed[r.Parent] == group && group != "":
			if r.Type == "command:remote:Command" {
				renamed[r.URN] = ""
				continue
			}
			renamed[r.URN] = resource.NewURN(r.URN.Stack(), r.URN.Project(), group.QualifiedType(), r.Type, configGroupChild(r))
			if r.Type == crdType {
				r.External, r.ID = false, plansCRD
				r.Inputs = resource.NewPropertyMapFromMap(map[string]any{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
					"metadata": map[string]any{"name": plansCRD}})
			}
		}
		kept = append(kept, r)
	}
	for _, r := range kept {
		r.URN, r.Parent = rename(renamed, r.URN), rename(renamed, r.Parent)
		r.Dependencies = renameAll(renamed, r.Dependencies)
		for key, deps := range r.PropertyDependencies {
			r.PropertyDependencies[key] = renameAll(renamed, deps)
		}
		r.Aliases = nil
	}
	if group == "" {
		t.Fatal("the stack has no system-upgrade-controller to move")
	}
	s.snapshot.Resources = kept
	if err := s.snapshot.VerifyIntegrity(); err != nil {
		t.Fatal(err)
	}
}

// configGroupChild is the name the ConfigGroup gave an object: its own
// name, then the object's namespace/name.
func configGroupChild(r *pkgresource.State) string {
	if r.Type == crdType { // read: the program gives it no metadata
		return "system-upgrade-controller:" + plansCRD
	}
	meta := r.Inputs["metadata"].ObjectValue()
	name := meta["name"].StringValue()
	if ns, ok := meta["namespace"]; ok {
		name = ns.StringValue() + "/" + name
	}
	return "system-upgrade-controller:" + name
}

func withType(urn resource.URN, typ tokens.Type, name string) resource.URN {
	parentType := strings.TrimSuffix(string(urn.QualifiedType()), "$"+string(urn.Type()))
	return resource.NewURN(urn.Stack(), urn.Project(), tokens.Type(parentType), typ, name)
}

func rename(renamed map[resource.URN]resource.URN, urn resource.URN) resource.URN {
	if to, ok := renamed[urn]; ok {
		return to
	}
	return urn
}

// renameAll renames urns, leaving out those of resources removed.
func renameAll(renamed map[resource.URN]resource.URN, urns []resource.URN) []resource.URN {
	var out []resource.URN
	for _, urn := range urns {
		if to := rename(renamed, urn); to != "" {
			out = append(out, to)
		}
	}
	return out
}

// stateOf is the stack's resource of type typ; nil when there is none.
func stateOf(s *Stack, typ tokens.Type) *pkgresource.State {
	for _, r := range s.Resources() {
		if r.Type == typ {
			return r
		}
	}
	return nil
}

package addons

import (
	"embed"
	"reflect"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The system-upgrade-controller release manifests, in the repository so that
// a preview neither reaches GitHub nor depends on what it serves. They are
// built from the release tag as upstream's scripts/package-controller builds
// the release assets:
//   - crd.yaml is `cat pkg/crds/yaml/*/*`;
//   - system-upgrade-controller.yaml is `kustomize build` of the repository
//     root after `kustomize edit set image
//     rancher/system-upgrade-controller=rancher/system-upgrade-controller:<tag>`
//     (here kustomize v5.5.0, as `kubectl kustomize`).
//
// To move to another release: build its two files the same way into
// manifests/system-upgrade-controller/<tag>/, embed that directory, and set
// sucChecksums and config.DefaultSUCVersion (the only version validation
// accepts, and the embedded one) to match.
//
//go:embed manifests/system-upgrade-controller/v0.20.1
var sucManifests embed.FS

const sucVersion = config.DefaultSUCVersion

// sucChecksums are the sha256 of the embedded files, in the order they are
// applied: the CRD, then the controller.
var sucChecksums = []struct{ file, sha256 string }{
	{"crd.yaml", "68a2e6b786dc3a3d47f0ac557b06833d2f773d801f482f43d37c7e819309c656"},
	{"system-upgrade-controller.yaml", "11ba712de8b887b937e521a7278bcd37ba06975c581646903fd8ae8e296f3bfc"},
}

// sucManifest is the YAML of the embedded release, its CRD first.
func sucManifest() (string, error) {
	docs := make([]string, len(sucChecksums))
	for i, f := range sucChecksums {
		data, err := sucManifests.ReadFile(sucPath(f.file))
		if err != nil {
			return "", err
		}
		docs[i] = string(data)
	}
	return strings.Join(docs, "---\n"), nil
}

func sucPath(file string) string {
	return "manifests/system-upgrade-controller/" + sucVersion + "/" + file
}

// configGroup is pulumi-kubernetes' kubernetes:yaml/v2:ConfigGroup, the
// provider's own component that applies a set of YAML documents (CRDs and
// Namespaces first). It is registered here rather than through the SDK's
// yaml/v2 package, which imports all 66 Kubernetes API-group packages of the
// SDK to type the group's children; nothing here reads them.
type configGroup struct {
	pulumi.ResourceState
}

type configGroupArgs struct {
	Yaml string `pulumi:"yaml"`
}

type configGroupInputs struct {
	Yaml pulumi.StringInput
}

func (configGroupInputs) ElementType() reflect.Type {
	return reflect.TypeOf((*configGroupArgs)(nil)).Elem()
}

func newConfigGroup(ctx *pulumi.Context, name string, yaml string, opts ...pulumi.ResourceOption) (*configGroup, error) {
	var group configGroup
	err := ctx.RegisterRemoteComponentResource("kubernetes:yaml/v2:ConfigGroup", name,
		&configGroupInputs{Yaml: pulumi.String(yaml)}, &group, utilities.PkgResourceDefaultOpts(opts)...)
	return &group, err
}

// systemUpgradeController installs the controller from its embedded release
// manifests and the two Plans; a k3sVersion change shows in a preview as a
// change of the Plans' version, and nothing else.
func systemUpgradeController(ctx *pulumi.Context, c config.Cluster, gate pulumi.Resource, opts []pulumi.ResourceOption) error {
	if !c.Addons.SystemUpgradeController.Enabled {
		return nil
	}
	manifest, err := sucManifest()
	if err != nil {
		return err
	}
	controller, err := newConfigGroup(ctx, "system-upgrade-controller", manifest, opts...)
	if err != nil {
		return err
	}
	server, err := plan(ctx, serverPlanName, serverPlan(c), append(opts, pulumi.DependsOn([]pulumi.Resource{controller, gate})))
	if err != nil {
		return err
	}
	_, err = plan(ctx, agentPlanName, agentPlan(c), append(opts, pulumi.DependsOn([]pulumi.Resource{controller, gate, server})))
	return err
}

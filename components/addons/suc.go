package addons

import (
	"slices"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/clusterops"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	apiextensionsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SystemUpgradeController is system-upgrade-controller: its objects, the
// wait for the Plan CRD it registers, and that CRD as read from the cluster.
type SystemUpgradeController struct {
	pulumi.ResourceState
}

const (
	// plansCRD is the CustomResourceDefinition of Plans. The controller
	// registers it each time it starts (v0.20.1 pkg/upgrade/controller.go:147,
	// registerCRD at 184-194, from the CRDs it embeds, pkg/crds), creating
	// or updating it (wrangler v3.7.0-rc.1 pkg/crd/crd.go BatchCreateCRDs,
	// ensureCRD), so the program does not apply it.
	plansCRD = "plans.upgrade.cattle.io"
	// plansCRDTimeout bounds the wait for the controller to register it:
	// its image pulled, its pod started.
	plansCRDTimeout = 5 * time.Minute
	// configGroupType is what installed the controller before: the release's
	// manifests, applied by pulumi-kubernetes' kubernetes:yaml/v2:ConfigGroup.
	configGroupType = "kubernetes:yaml/v2:ConfigGroup"
)

// systemUpgradeController installs the controller, waits on the first
// control-plane node until it has registered the Plan CRD, then applies the
// two Plans; a k3sVersion change shows in a preview as a change of the
// Plans' version, and nothing else.
func systemUpgradeController(ctx *pulumi.Context, args Args, opts []pulumi.ResourceOption) error {
	c := args.Cluster
	if !c.Addons.SystemUpgradeController.Enabled {
		return nil
	}
	suc := &SystemUpgradeController{}
	// The component takes the ConfigGroup's place in the state, and its
	// children the objects the ConfigGroup applied (see objectName).
	err := ctx.RegisterComponentResource(component.Type("SystemUpgradeController"), sucController, suc,
		append(opts, pulumi.Aliases([]pulumi.Alias{{Type: pulumi.String(configGroupType)}}))...)
	if err != nil {
		return err
	}
	inComponent := append(slices.Clone(opts), pulumi.Parent(suc))
	deployment, err := sucObjects(ctx, inComponent)
	if err != nil {
		return err
	}
	crd, err := readPlansCRD(ctx, suc, args.FirstControlPlane, deployment, inComponent)
	if err != nil {
		return err
	}
	server, err := plan(ctx, serverPlanName, serverPlan(c), append(opts, pulumi.DependsOn([]pulumi.Resource{crd, args.UpgradeGate})))
	if err != nil {
		return err
	}
	_, err = plan(ctx, agentPlanName, agentPlan(c), append(opts, pulumi.DependsOn([]pulumi.Resource{crd, args.UpgradeGate, server})))
	if err != nil {
		return err
	}
	return ctx.RegisterResourceOutputs(suc, pulumi.Map{})
}

// readPlansCRD waits, on the first control-plane node, until the controller
// has registered the Plan CRD and the API serves it, then reads it: the
// Plans depend on the read, and a preview lists the CRD.
//
// The read also takes the CRD out of Pulumi's hands in a cluster whose
// ConfigGroup applied it. A read that finds a resource Pulumi manages, with
// the same ID, turns it into an external one: no delete, and no step on it
// but reads from then on (pulumi pkg/v3 v3.274.1
// resource/deploy/step_generator.go GenerateReadSteps, "relinquish"; the ID
// of a cluster-scoped object is its name, pulumi-kubernetes
// provider/pkg/provider/util.go fqName). Deleting it would delete every
// Plan. A read takes no aliases of its own, but its parent's carry over to
// it as to the other objects (see objectName). A new cluster's preview does
// not read: the engine skips a read whose dependency is being created
// (GenerateReadSteps, pulumi#16395); its up reads once the wait has passed.
func readPlansCRD(ctx *pulumi.Context, suc *SystemUpgradeController, firstControlPlane remote.ConnectionInput, deployment pulumi.Resource, opts []pulumi.ResourceOption) (pulumi.Resource, error) {
	timeout := (plansCRDTimeout + 2*time.Minute).String()
	established, err := remote.NewCommand(ctx, "plans-crd-established", &remote.CommandArgs{
		Connection: firstControlPlane,
		Create: pulumi.String(clusterops.CRDEstablishedScript(plansCRD,
			"see 'kubectl -n "+upgradeNamespace+" logs deployment/"+sucController+"'", plansCRDTimeout)),
		Logging: remote.LoggingStdoutAndStderr,
	}, pulumi.Parent(suc), pulumi.DependsOn([]pulumi.Resource{deployment}),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: timeout, Update: timeout}))
	if err != nil {
		return nil, err
	}
	return apiextensionsv1.GetCustomResourceDefinition(ctx, objectName("", plansCRD), pulumi.ID(plansCRD), nil,
		append(opts, pulumi.DependsOn([]pulumi.Resource{established}))...)
}

// objectName is the resource name of one of the controller's objects:
// "system-upgrade-controller:" and the object's namespace/name, the name the
// release's ConfigGroup gave it (pulumi-kubernetes v4.32.0
// provider/pkg/provider/yaml/v2/yaml.go register, 344-352; the prefix is
// the group's name, configgroup.go Construct). With the same names under
// the component that takes the group's place, the component's alias carries
// over to each object (pulumi pkg/v3 v3.274.1 resource/deploy/step_generator.go
// generateAliases, "multiply out any aliases our parent had";
// inheritedChildAlias), so a running cluster's objects are adopted, not
// deleted and created again (which, for the Namespace, would delete the
// Plans and Jobs in it). Renaming them as well would take a second alias on
// each, which the snapshot's URN normalization (resource/deploy/snapshot.go
// NormalizeURNReferences) leaves pointing at a name no resource has
// (TestSUCMovesFromTheConfigGroupKeepingEveryObject fails with "refers to
// missing dependency").
func objectName(namespace, name string) string {
	if namespace != "" {
		name = namespace + "/" + name
	}
	return sucController + ":" + name
}

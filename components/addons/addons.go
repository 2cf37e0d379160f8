// Package addons installs what a Hetzner cluster needs from day one through
// pulumi-kubernetes, one file per add-on: cilium.go (Cilium, when it is the
// cluster's network), hcloud.go (Hetzner's cloud-controller-manager and CSI
// driver, and the Secret they read), suc.go and sucobjects.go (the
// system-upgrade-controller),
// upgradeplans.go (its Plans, which upgrade k3s in place) and autoscaler.go
// (the cluster-autoscaler, for autoscaled pools). A new add-on gets a file
// of its own beside them.
package addons

import (
	"errors"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures the add-ons.
type Args struct {
	Cluster    config.Cluster
	Kubeconfig pulumi.StringInput // secret; available once the cluster is ready
	// Context is the kubeconfig context the provider uses: one the readiness
	// step verified, not necessarily the kubeconfig's default.
	Context     pulumi.StringInput
	HcloudToken pulumi.StringInput // secret; for the CCM and CSI driver
	NetworkID   pulumi.IntInput
	// UpgradeGate must pass before the upgrade Plans change.
	UpgradeGate pulumi.Resource
	// FirstControlPlane reaches the first control-plane node over SSH, where
	// the wait for system-upgrade-controller's CRD runs.
	FirstControlPlane remote.ConnectionInput
	// Autoscaler is what the cluster-autoscaler needs; used only when a
	// pool is autoscaled.
	Autoscaler AutoscalerArgs
}

// Addons are the cluster's add-ons and the Kubernetes provider that manages them.
type Addons struct {
	pulumi.ResourceState

	Provider *kubernetes.Provider
}

const (
	hetznerCharts = "https://charts.hetzner.cloud"
	kubeSystem    = "kube-system"
)

// New registers the add-ons component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Addons, error) {
	a := &Addons{}
	if err := ctx.RegisterComponentResource(component.Type("Addons"), name, a, opts...); err != nil {
		return nil, err
	}
	c := args.Cluster
	var err error
	a.Provider, err = kubernetes.NewProvider(ctx, name, &kubernetes.ProviderArgs{
		Kubeconfig: args.Kubeconfig,
		Context:    args.Context,
		// A new context (a control-plane node added) must not replace the
		// provider, which would replace every add-on with it.
		ClusterIdentifier: pulumi.String(c.Name),
	}, pulumi.Parent(a))
	if err != nil {
		return nil, err
	}
	k8s := []pulumi.ResourceOption{pulumi.Parent(a), pulumi.Provider(a.Provider)}
	if err := errors.Join(
		ciliumChart(ctx, c, k8s),
		hcloudSecret(ctx, args, k8s),
		hetznerChart(ctx, "hcloud-cloud-controller-manager", "hccm", c.Addons.CloudControllerManager, CCMValues(c), k8s),
		hetznerChart(ctx, "hcloud-csi", "hcloud-csi", c.Addons.CSIDriver, CSIValues(), k8s),
		systemUpgradeController(ctx, args, k8s),
		clusterAutoscaler(ctx, args, k8s),
	); err != nil {
		return nil, err
	}
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// hetznerChart installs one of Hetzner's Helm charts into kube-system, pinned.
// helm/v4.Chart renders the chart in the provider and applies its objects as
// Pulumi resources, so a preview lists every one of them and its changes
// (helm/v3.Release, used before, showed one opaque release).
func hetznerChart(ctx *pulumi.Context, chart, release string, addon config.Addon, values map[string]any, opts []pulumi.ResourceOption) error {
	if !addon.Enabled {
		return nil
	}
	_, err := helmv4.NewChart(ctx, chart, &helmv4.ChartArgs{
		Name:           pulumi.String(release),
		Chart:          pulumi.String(chart),
		Version:        pulumi.String(addon.Version),
		Namespace:      pulumi.String(kubeSystem),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(hetznerCharts)},
		Values:         pulumi.ToMap(values),
		// Applied, not awaited: the pods come up on their own, and waiting
		// would put them on the critical path of every first up.
		SkipAwait: pulumi.Bool(true),
	}, opts...)
	return err
}

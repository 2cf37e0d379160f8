// Package addons installs what a Hetzner cluster needs from day one through
// pulumi-kubernetes: the cloud-controller-manager, the CSI driver and the
// system-upgrade-controller with the Plans that upgrade k3s in place.
package addons

import (
	"errors"
	"strconv"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/lifecycle"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
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
		hcloudSecret(ctx, args, k8s),
		hetznerChart(ctx, "hcloud-cloud-controller-manager", "hccm", c.Addons.CloudControllerManager, CCMValues(c), k8s),
		hetznerChart(ctx, "hcloud-csi", "hcloud-csi", c.Addons.CSIDriver, CSIValues(), k8s),
		systemUpgradeController(ctx, c, args.UpgradeGate, k8s),
	); err != nil {
		return nil, err
	}
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// hcloudSecret is the kube-system/hcloud Secret the CCM and CSI driver read.
func hcloudSecret(ctx *pulumi.Context, args Args, opts []pulumi.ResourceOption) error {
	addons := args.Cluster.Addons
	if !addons.CloudControllerManager.Enabled && !addons.CSIDriver.Enabled {
		return nil
	}
	network := args.NetworkID.ToIntOutput().ApplyT(strconv.Itoa).(pulumi.StringOutput)
	_, err := corev1.NewSecret(ctx, "hcloud", &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("hcloud"), Namespace: pulumi.String(kubeSystem)},
		StringData: pulumi.StringMap{
			"token":   pulumi.ToSecret(args.HcloudToken).(pulumi.StringOutput),
			"network": network,
		},
	}, opts...)
	return err
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
	server, err := plan(ctx, lifecycle.ServerPlanName, lifecycle.ServerPlan(c), append(opts, pulumi.DependsOn([]pulumi.Resource{controller, gate})))
	if err != nil {
		return err
	}
	_, err = plan(ctx, lifecycle.AgentPlanName, lifecycle.AgentPlan(c), append(opts, pulumi.DependsOn([]pulumi.Resource{controller, gate, server})))
	return err
}

func plan(ctx *pulumi.Context, name string, planSpec map[string]any, opts []pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("upgrade.cattle.io/v1"),
		Kind:       pulumi.String("Plan"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(lifecycle.UpgradeNamespace)},
		OtherFields: map[string]any{
			"spec": planSpec,
		},
	}, opts...)
}

// CCMValues configures the cloud-controller-manager for the private network:
// node addresses from the network, pod CIDRs matching k3s, and no routes
// (flannel encapsulates pod traffic; routes would also hit the 100-route limit).
// The load balancers it makes for Services reach the nodes over the private
// network: the firewall admits nothing but SSH, the API and ICMP on the public
// interfaces, so NodePorts and health checks on public IPs would be dropped
// (HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP defaults to false, CCM v1.35.0
// docs/reference/load_balancer_envs.md).
func CCMValues(c config.Cluster) map[string]any {
	return map[string]any{
		"networking": map[string]any{"enabled": true, "clusterCIDR": c.K3s.ClusterCIDR.String()},
		"env": map[string]any{
			"HCLOUD_NETWORK_ROUTES_ENABLED":        map[string]any{"value": "false"},
			"HCLOUD_LOAD_BALANCERS_LOCATION":       map[string]any{"value": c.ControlPlane.Nodes[0].Location},
			"HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP": map[string]any{"value": "true"},
		},
	}
}

// CSIValues makes hcloud-volumes the default storage class, and lets the
// CSI controller run on control-plane nodes: they carry CriticalAddonsOnly
// unless schedulable, and with every worker pool tainted the controller
// (which tolerates nothing by default, csi-driver v2.22.1 chart/values.yaml)
// would stay Pending. The CCM (hcloud-cloud-controller-manager v1.35.0
// chart/templates/deployment.yaml) and the CSI node plugin (csi-driver
// v2.22.1 chart/templates/node/daemonset.yaml) tolerate it already.
func CSIValues() map[string]any {
	return map[string]any{
		"storageClasses": []any{map[string]any{
			"name": "hcloud-volumes", "defaultStorageClass": true, "reclaimPolicy": "Delete",
		}},
		"controller": map[string]any{
			"tolerations": []any{map[string]any{"key": config.ControlPlaneTaint.Key, "operator": "Exists"}},
		},
	}
}

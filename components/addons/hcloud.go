package addons

import (
	"strconv"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

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

// CCMValues configures the cloud-controller-manager for the private network:
// node addresses from the network, pod CIDRs matching k3s, and routes only
// when Cilium routes pods' traffic natively: then the CCM adds to the Hetzner
// network a route to each node's pods (one per node, and a network holds at
// most 100 servers). Flannel, and Cilium's tunnel, encapsulate pod traffic
// between the nodes' own addresses, and need none.
// The load balancers it makes for Services reach the nodes over the private
// network: the firewall admits nothing but SSH, the API and ICMP on the public
// interfaces, so NodePorts and health checks on public IPs would be dropped
// (HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP defaults to false, CCM v1.35.0
// docs/reference/load_balancer_envs.md).
func CCMValues(c config.Cluster) map[string]any {
	return map[string]any{
		"networking": map[string]any{"enabled": true, "clusterCIDR": c.K3s.ClusterCIDR.String()},
		"env": map[string]any{
			"HCLOUD_NETWORK_ROUTES_ENABLED":        map[string]any{"value": strconv.FormatBool(routesPods(c))},
			"HCLOUD_LOAD_BALANCERS_LOCATION":       map[string]any{"value": c.ControlPlane.Nodes[0].Location},
			"HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP": map[string]any{"value": "true"},
		},
	}
}

// routesPods tells whether pods' traffic travels through the Hetzner
// network's routes.
func routesPods(c config.Cluster) bool { return c.K3s.Cilium != nil && c.K3s.Cilium.NativeRouting() }

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

package addons

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ciliumCharts is Cilium's Helm repository.
const ciliumCharts = "https://helm.cilium.io"

// ciliumChart installs Cilium, the cluster's network when k3s.cni is cilium,
// from its pinned chart. Unlike the other add-ons it is awaited: its agents
// are what turns the nodes Ready (until a CNI runs, the kubelet reports the
// network as not ready), so the up ends once every agent runs, and a Cilium
// that cannot start fails the up instead of leaving a cluster without a
// network. Nothing before it waits for a Ready node (the readiness step waits
// for the API and for every node to register), so it cannot wait for itself.
// A new chart version, or new values, roll the agents through the chart:
// rollOutCiliumPods restarts them when their configuration changes.
func ciliumChart(ctx *pulumi.Context, c config.Cluster, opts []pulumi.ResourceOption) error {
	if c.K3s.Cilium == nil {
		return nil
	}
	_, err := helmv4.NewChart(ctx, "cilium", &helmv4.ChartArgs{
		Name:           pulumi.String("cilium"),
		Chart:          pulumi.String("cilium"),
		Version:        pulumi.String(c.K3s.Cilium.Version),
		Namespace:      pulumi.String(kubeSystem),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(ciliumCharts)},
		Values:         pulumi.ToMap(CiliumValues(c)),
	}, opts...)
	return err
}

// CiliumValues are the chart's values (names as in cilium's
// install/kubernetes/cilium/values.yaml, checked against charts 1.18 to 1.20).
//   - k8sServiceHost/Port: the agents must reach the API before any Service
//     works, and with kubeProxyReplacement there is no kube-proxy to serve
//     the kubernetes Service at all. 127.0.0.1:6444 answers on every node
//     without one: the server's own kube-apiserver, or the agent's client load
//     balancer over all servers (k3s.LocalAPIPort). It needs neither the API
//     load balancer nor the first control-plane node to be up, so a lost
//     server or a k3s upgrade, which restarts one server at a time, leaves
//     every agent its API.
//   - ipam kubernetes: each node's pods take their addresses from the range
//     k3s's controller-manager gives the Node (node.spec.podCIDR, cut from
//     k3s.clusterCidr), the range the cloud-controller-manager routes to that
//     node when Cilium routes natively (CCMValues). requireIPv4PodCIDR makes
//     an agent wait for it.
//   - MTU: the private interface's 1450 bytes (Hetzner), from which Cilium
//     takes its own overhead for the pods' routes: 50 for VXLAN, 80 for
//     WireGuard (cilium pkg/mtu/mtu.go). Detected, it could be the public
//     interface's 1500.
//   - routingMode: tunnel is VXLAN between the nodes' private addresses;
//     native hands pods' traffic to the Hetzner network, whose routes (the
//     CCM's) lead to each node's pods, for k3s.clusterCidr (ipv4NativeRoutingCIDR:
//     traffic elsewhere is masqueraded). autoDirectNodeRoutes stays off: the
//     nodes do not share a layer-2 segment, they reach each other through the
//     network's gateway.
//   - encryption: WireGuard between the nodes, for pods' traffic.
//   - operator: it tolerates the control plane's CriticalAddonsOnly taint
//     (a CNI is a critical add-on), besides the chart's default tolerations,
//     and runs two replicas where two nodes can take it (its pods keep apart,
//     one per node).
func CiliumValues(c config.Cluster) map[string]any {
	cil := *c.K3s.Cilium
	encryption := map[string]any{"enabled": cil.WireGuard()}
	if cil.WireGuard() {
		encryption["type"] = config.CiliumEncryptionWireGuard
	}
	values := map[string]any{
		"k8sServiceHost":       "127.0.0.1",
		"k8sServicePort":       k3s.LocalAPIPort,
		"kubeProxyReplacement": cil.KubeProxyReplacement,
		"ipam":                 map[string]any{"mode": "kubernetes"},
		"k8s":                  map[string]any{"requireIPv4PodCIDR": true},
		"MTU":                  hetzner.PrivateNetworkMTU,
		"routingMode":          cil.Routing,
		"encryption":           encryption,
		"rollOutCiliumPods":    true,
		"operator": map[string]any{
			"replicas":    ciliumOperatorReplicas(c),
			"rollOutPods": true,
			"tolerations": ciliumOperatorTolerations(),
		},
	}
	if cil.NativeRouting() {
		values["ipv4NativeRoutingCIDR"] = c.K3s.ClusterCIDR.String()
		values["autoDirectNodeRoutes"] = false
	} else {
		values["tunnelProtocol"] = "vxlan"
	}
	return values
}

// ciliumOperatorTolerations are the chart's own (operator.tolerations in
// cilium 1.20.0's values.yaml) and the control plane's taint.
func ciliumOperatorTolerations() []any {
	var tolerations []any
	for _, key := range []string{controlPlaneLabel, "node-role.kubernetes.io/master",
		"node.kubernetes.io/not-ready", "node.cloudprovider.kubernetes.io/uninitialized", config.ControlPlaneTaint.Key} {
		tolerations = append(tolerations, map[string]any{"key": key, "operator": "Exists"})
	}
	return tolerations
}

// ciliumOperatorReplicas is the chart's two, or one when only one node can
// take the operator: each replica needs a node of its own (a required pod
// anti-affinity, operator.affinity), and one left Pending would fail the
// awaited chart. It runs on the control plane and on the nodes of pools
// that taint them with no NoSchedule or NoExecute taint.
func ciliumOperatorReplicas(c config.Cluster) int {
	nodes := len(c.ControlPlane.Nodes)
	for _, pool := range c.WorkerPools {
		if !repels(pool.Taints) {
			nodes += len(pool.Nodes)
		}
	}
	return min(2, max(nodes, 1))
}

func repels(taints []config.Taint) bool {
	for _, t := range taints {
		if t.Effect != "PreferNoSchedule" {
			return true
		}
	}
	return false
}

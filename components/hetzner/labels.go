package hetzner

// The Hetzner labels hcloud-k3s puts on its servers. The firewall and the
// API load balancer select servers by them, and the policy pack's
// hcloud-k3s rules read them.
const (
	LabelCluster = "cluster" // the cluster's name
	LabelRole    = "role"    // RoleControlPlane, RoleWorker, or RoleAPI on the API load balancer
	LabelPool    = "pool"    // the worker pool's name; RoleControlPlane on the control plane

	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
	RoleAPI          = "api"

	// LabelEtcdSnapshots on control-plane servers says where their etcd
	// snapshots go: SnapshotsOffSite when a copy leaves the servers.
	LabelEtcdSnapshots = "etcd-snapshots"
	SnapshotsOffSite   = "s3"
	SnapshotsLocal     = "local"

	// LabelCNI on every server of a cluster whose network is Cilium says so
	// (CNICilium); a server without it runs k3s's flannel.
	// LabelCiliumRouting says how Cilium routes pods' traffic (tunnel or
	// native), and LabelKubeProxy who serves Services: Cilium in place of
	// kube-proxy (KubeProxyCilium), or k3s's kube-proxy (KubeProxyK3s). A
	// running cluster keeps all three: package cluster refuses to change them.
	LabelCNI           = "cni"
	LabelCiliumRouting = "cilium-routing"
	LabelKubeProxy     = "kube-proxy"
	CNICilium          = "cilium"
	KubeProxyCilium    = "cilium"
	KubeProxyK3s       = "k3s"
)

// LabelNodeGroup is the label cluster-autoscaler's Hetzner provider puts on
// every server it creates, set to the node group's name, beside the pool's
// serverLabels, which hcloud-k3s does not set (nodeGroupLabel in
// kubernetes/autoscaler cluster-autoscaler/cloudprovider/hetzner/
// hetzner_cloud_provider.go and createServer in hetzner_node_group.go at
// cluster-autoscaler-1.36.1). It finds them, and so does their cleanup.
const LabelNodeGroup = "hcloud/node-group"

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
)

// LabelNodeGroup is the only label cluster-autoscaler's Hetzner provider puts
// on the servers it creates, set to the node group's name (nodeGroupLabel in
// kubernetes/autoscaler cluster-autoscaler/cloudprovider/hetzner/
// hetzner_cloud_provider.go and createServer in hetzner_node_group.go at
// cluster-autoscaler-1.36.1). It finds them, and so does their cleanup.
const LabelNodeGroup = "hcloud/node-group"

"""The Go program's dev cluster, from Python: one control-plane server and two
workers. `pulumi package add` (docs/component.md) generates the
pulumi_hcloud_k3s SDK this imports."""

import pulumi
import pulumi_hcloud_k3s as hcloud_k3s

config = pulumi.Config()

cluster = hcloud_k3s.Cluster(
    "cluster",
    cluster_name=pulumi.get_stack(),
    control_plane=hcloud_k3s.ControlPlaneArgs(count=1, server_type="cx23", locations=["nbg1"]),
    worker_pools=[hcloud_k3s.WorkerPoolArgs(name="workers", count=2, server_type="cx23", location="nbg1")],
    firewall=hcloud_k3s.FirewallArgs(ssh_allowed_cidrs=[config.require("operatorCidr")]),
)

pulumi.export("kubeconfig", cluster.kubeconfig)  # secret
pulumi.export("apiEndpoint", cluster.api_endpoint)
pulumi.export("controlPlaneIps", cluster.control_plane_ips)
pulumi.export("workerIps", cluster.worker_ips)
pulumi.export("sshPrivateKey", cluster.ssh_private_key)  # secret

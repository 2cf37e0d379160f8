// The Go program's dev cluster, from TypeScript: one control-plane server
// and two workers. `pulumi package add` (docs/component.md) generates the
// @pulumi/hcloud-k3s SDK this imports.
import * as pulumi from "@pulumi/pulumi";
import * as hcloudk3s from "@pulumi/hcloud-k3s";

const config = new pulumi.Config();

const cluster = new hcloudk3s.Cluster("cluster", {
    clusterName: pulumi.getStack(),
    controlPlane: { count: 1, serverType: "cx23", locations: ["nbg1"] },
    workerPools: [{ name: "workers", count: 2, serverType: "cx23", location: "nbg1" }],
    firewall: { sshAllowedCidrs: [config.require("operatorCidr")] },
});

export const kubeconfig = cluster.kubeconfig; // secret
export const apiEndpoint = cluster.apiEndpoint;
export const controlPlaneIps = cluster.controlPlaneIps;
export const workerIps = cluster.workerIps;
export const sshPrivateKey = cluster.sshPrivateKey; // secret

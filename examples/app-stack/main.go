// Command app-stack is an example application stack for hcloud-k3s: it reads
// the cluster stack's outputs through a StackReference and deploys a sample
// application with a Kubernetes provider built from the cluster's kubeconfig.
package main

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(program)
}

func program(ctx *pulumi.Context) error {
	outputs, err := build(ctx)
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return err
}

// build deploys the sample application to the cluster that the clusterStack
// config names and returns the stack outputs.
func build(ctx *pulumi.Context) (pulumi.Map, error) {
	clusterStack := config.New(ctx, "").Get("clusterStack")
	if clusterStack == "" {
		return nil, fmt.Errorf("hcloud-k3s-app:clusterStack is not set: name the cluster stack, " +
			"e.g. pulumi config set clusterStack organization/hcloud-k3s/dev")
	}
	cluster, err := referenceCluster(ctx, clusterStack)
	if err != nil {
		return nil, err
	}
	provider, err := kubernetes.NewProvider(ctx, "cluster", &kubernetes.ProviderArgs{
		Kubeconfig: cluster.kubeconfig,
		// A new kubeconfig for the same cluster (another endpoint, rotated
		// certificates) then updates the provider instead of replacing every object.
		ClusterIdentifier: pulumi.String(clusterStack),
	})
	if err != nil {
		return nil, err
	}
	sample, err := deploySample(ctx, helloApp, provider)
	if err != nil {
		return nil, err
	}
	return pulumi.Map{
		"namespace":   sample.namespace,
		"serviceName": sample.serviceName,
		"apiEndpoint": cluster.apiEndpoint,
	}, nil
}

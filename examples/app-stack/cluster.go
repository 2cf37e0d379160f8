package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// clusterOutputs are the outputs of the cluster stack that the app stack uses.
type clusterOutputs struct {
	kubeconfig  pulumi.StringOutput // always secret
	apiEndpoint pulumi.StringOutput
}

// referenceCluster reads the outputs of the cluster stack named stackName.
func referenceCluster(ctx *pulumi.Context, stackName string) (clusterOutputs, error) {
	ref, err := pulumi.NewStackReference(ctx, "cluster", &pulumi.StackReferenceArgs{Name: pulumi.String(stackName)})
	if err != nil {
		return clusterOutputs{}, err
	}
	kubeconfig, err := requireOutput(ref, stackName, "kubeconfig")
	if err != nil {
		return clusterOutputs{}, err
	}
	apiEndpoint, err := requireOutput(ref, stackName, "apiEndpoint")
	if err != nil {
		return clusterOutputs{}, err
	}
	return clusterOutputs{
		kubeconfig:  pulumi.ToSecret(kubeconfig).(pulumi.StringOutput),
		apiEndpoint: apiEndpoint,
	}, nil
}

// requireOutput returns the output key of the referenced stack, or an error
// naming the stack when it has none. GetStringOutput alone would fail late,
// inside an apply, on `up`, and never on `preview`, where a missing key reads
// as unknown. GetOutputDetails waits for the read (the engine resolves stack
// references in previews too) and gives neither value for a missing key.
func requireOutput(ref *pulumi.StackReference, stackName, key string) (pulumi.StringOutput, error) {
	details, err := ref.GetOutputDetails(key)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("reading output %q of cluster stack %q: %w", key, stackName, err)
	}
	if details.Value == nil && details.SecretValue == nil {
		return pulumi.StringOutput{}, fmt.Errorf("cluster stack %q has no output %q: run pulumi up on it first; "+
			"on a self-managed backend both stacks need the same PULUMI_CONFIG_PASSPHRASE, "+
			"since secret outputs that cannot be decrypted are left out", stackName, key)
	}
	return ref.GetStringOutput(pulumi.String(key)), nil
}

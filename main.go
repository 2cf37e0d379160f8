// Command hcloud-k3s is a Pulumi program that runs a k3s cluster on Hetzner
// Cloud: stack config → validated config → cluster component → stack outputs.
package main

import (
	clusterstack "github.com/hcloud-k3s/hcloud-k3s/components/stack"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(program)
}

// program exports the outputs of the cluster the stack config describes.
func program(ctx *pulumi.Context) error {
	outputs, err := clusterstack.Build(ctx)
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return err
}

// Command pulumi-resource-hcloud-k3s is the plugin of the hcloud-k3s
// component package: the engine starts it to construct
// hcloud-k3s:index:Cluster for programs in any Pulumi language.
package main

import (
	"fmt"
	"os"

	"github.com/hcloud-k3s/hcloud-k3s/components/provider"
)

func main() {
	if err := provider.Serve(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

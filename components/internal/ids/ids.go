// Package ids holds the naming glue every component shares: Hetzner IDs in
// the forms hcloud inputs take, and the type tokens of our components.
package ids

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Int turns a Hetzner resource ID into the integer most hcloud references take.
func Int(id pulumi.IDOutput) pulumi.IntOutput {
	return id.ApplyT(func(v pulumi.ID) (int, error) {
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return 0, fmt.Errorf("hcloud ID %q is not a number: %w", v, err)
		}
		return n, nil
	}).(pulumi.IntOutput)
}

// ComponentType is the type token of an hcloud-k3s component.
func ComponentType(name string) string { return "hcloud-k3s:index:" + name }

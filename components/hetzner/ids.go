package hetzner

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// IntID turns a Hetzner resource's Pulumi ID (a string) into the integer
// most hcloud references take.
func IntID(id pulumi.IDOutput) pulumi.IntOutput {
	return id.ApplyT(func(v pulumi.ID) (int, error) {
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return 0, fmt.Errorf("hcloud ID %q is not a number: %w", v, err)
		}
		return n, nil
	}).(pulumi.IntOutput)
}

// Command hcloud-k3s-policy serves the hcloud-k3s-guardrails policy pack to the Pulumi engine:
// pulumi preview --policy-pack ./policies (or the binary built from this directory).
package main

import (
	"fmt"
	"os"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/hcloud-k3s/hcloud-k3s/policies/rules"
)

var version = semver.MustParse("0.1.0")

func main() {
	if err := policyx.Main(newPack); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// newPack runs in ConfigureStack; the stack's config carries the stack policies' settings.
func newPack(pctx *pulumi.Context) (policyx.PolicyPack, error) {
	policies, err := rules.Policies(pctx.GetConfig)
	if err != nil {
		return nil, err
	}
	// Every policy sets its own level: policyx ignores this pack level (pulumi/pulumi#24650).
	return policyx.NewPolicyPack(rules.PackName, version, policyx.EnforcementLevelAdvisory, policies)
}

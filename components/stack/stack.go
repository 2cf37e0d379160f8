// Package stack is the hcloud-k3s program short of exporting: stack config →
// validated spec → cluster component → stack outputs. main.go exports what
// it returns; tests run it under mocks.
package stack

import (
	"errors"
	"fmt"
	"os"

	"github.com/hcloud-k3s/hcloud-k3s/components/cluster"
	"github.com/hcloud-k3s/hcloud-k3s/components/spec"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Build reads the stack config, validates it, registers the cluster and
// returns the stack outputs: the interface app stacks rely on (see README).
func Build(ctx *pulumi.Context) (pulumi.Map, error) {
	in, err := readConfig(ctx)
	if err != nil {
		return nil, err
	}
	c, err := spec.Resolve(ctx.Stack(), in)
	if err != nil {
		return nil, err
	}
	cl, err := cluster.New(ctx, cluster.Args{Spec: c, HcloudToken: hcloudToken(ctx)})
	if err != nil {
		return nil, err
	}
	return cl.Outputs(), nil
}

// readConfig reads every `hcloud-k3s:` key; an absent key keeps its zero
// value, which spec.Resolve defaults.
func readConfig(ctx *pulumi.Context) (spec.Input, error) {
	cfg := config.New(ctx, "")
	in := spec.Input{
		ClusterName:       cfg.Get("clusterName"),
		K3sVersion:        cfg.Get("k3sVersion"),
		APIServerHostname: cfg.Get("apiServerHostname"),
		DrainTimeout:      cfg.Get("drainTimeout"),
	}
	objects := []struct {
		key    string
		target any
	}{
		{"controlPlane", &in.ControlPlane},
		{"workerPools", &in.WorkerPools},
		{"network", &in.Network},
		{"firewall", &in.Firewall},
		{"apiLoadBalancer", &in.APILoadBalancer},
		{"k3s", &in.K3s},
		{"addons", &in.Addons},
		{"upgrade", &in.Upgrade},
	}
	var errs []error
	for _, o := range objects {
		if err := cfg.TryObject(o.key, o.target); err != nil && !errors.Is(err, config.ErrMissingVar) {
			errs = append(errs, fmt.Errorf("hcloud-k3s:%s: %w", o.key, err))
		}
	}
	// ssh holds the private key: read it without the plain-read warning; it
	// leaves spec only as a Pulumi secret.
	if _, err := cfg.TrySecretObject("ssh", &in.SSH); err != nil && !errors.Is(err, config.ErrMissingVar) {
		errs = append(errs, fmt.Errorf("hcloud-k3s:ssh: %w", err))
	}
	return in, errors.Join(errs...)
}

// hcloudToken is the token the hcloud provider uses (hcloud:token, or the
// HCLOUD_TOKEN environment variable), as a secret; nil when neither is set.
func hcloudToken(ctx *pulumi.Context) pulumi.StringInput {
	token, ok := ctx.GetConfig("hcloud:token")
	if !ok {
		token = os.Getenv("HCLOUD_TOKEN")
	}
	if token == "" {
		return nil
	}
	return pulumi.ToSecret(pulumi.String(token)).(pulumi.StringOutput)
}

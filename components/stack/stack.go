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
	// ssh and etcdSnapshots hold secrets (the private key, the S3 secret
	// key): they are read without the plain-read warning, and leave spec
	// only as Pulumi secrets.
	objects := []struct {
		key    string
		target any
		secret bool
	}{
		{"controlPlane", &in.ControlPlane, false},
		{"workerPools", &in.WorkerPools, false},
		{"network", &in.Network, false},
		{"firewall", &in.Firewall, false},
		{"apiLoadBalancer", &in.APILoadBalancer, false},
		{"k3s", &in.K3s, false},
		{"addons", &in.Addons, false},
		{"upgrade", &in.Upgrade, false},
		{"ssh", &in.SSH, true},
		{"etcdSnapshots", &in.EtcdSnapshots, true},
	}
	var errs []error
	for _, o := range objects {
		var err error
		if o.secret {
			_, err = cfg.TrySecretObject(o.key, o.target)
		} else {
			err = cfg.TryObject(o.key, o.target)
		}
		if err != nil && !errors.Is(err, config.ErrMissingVar) {
			errs = append(errs, fmt.Errorf("hcloud-k3s:%s: %w", o.key, err))
		}
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

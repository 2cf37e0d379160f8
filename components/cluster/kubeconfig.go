package cluster

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/apilb"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// endpointSet is every kubeconfig endpoint and the default among them.
type endpointSet struct {
	all []k3s.Endpoint
	def k3s.Endpoint
}

// provider is the endpoint the add-ons' Kubernetes provider uses, one the
// readiness step verifies: the kubeconfig's default, unless that is
// apiServerHostname, whose DNS record the user may not have pointed yet on
// the first up; then the first control-plane node.
func (s endpointSet) provider(c config.Cluster) k3s.Endpoint {
	if s.def.Host == c.APIServerHostname {
		return s.all[0]
	}
	return s.def
}

// kubeconfigEndpoints resolves the endpoints once the addresses they use are known.
func kubeconfigEndpoints(c config.Cluster, controlPlanePublicIPs pulumi.StringArrayOutput, lb *apilb.LoadBalancer) pulumi.AnyOutput {
	lbAddress := pulumi.String("").ToStringOutput()
	if lb != nil {
		lbAddress = lb.Address
	}
	return pulumi.All(controlPlanePublicIPs, lbAddress).ApplyT(func(v []any) any {
		all, def := k3s.Endpoints(c, v[0].([]string), v[1].(string))
		return endpointSet{all: all, def: def}
	}).(pulumi.AnyOutput)
}

// setKubeconfig fetches the admin kubeconfig from the first control-plane
// node once the cluster is ready, and rewrites it with a context per endpoint.
func (cl *Cluster) setKubeconfig(ctx *pulumi.Context, endpoints pulumi.AnyOutput, ready pulumi.Resource) error {
	first := cl.ControlPlane.Nodes[0]
	fetch, err := remote.NewCommand(ctx, "kubeconfig", &remote.CommandArgs{
		Connection: first.Connection,
		Create:     pulumi.String(k3s.FetchKubeconfigScript),
		Logging:    remote.LoggingNone,
		// A rebuilt first node has a new kubeconfig to fetch.
		Triggers: pulumi.Array{first.Server.ID()},
	}, pulumi.Parent(cl), pulumi.DependsOn([]pulumi.Resource{ready}), pulumi.AdditionalSecretOutputs([]string{"stdout"}))
	if err != nil {
		return err
	}
	c := cl.Config
	cl.APIEndpoint = endpoints.ApplyT(func(v any) string { return v.(endpointSet).def.URL() }).(pulumi.StringOutput)
	kubeconfig := pulumi.All(pulumi.ToSecret(fetch.Stdout), endpoints).ApplyT(func(v []any) (string, error) {
		eps := v[1].(endpointSet)
		return k3s.RewriteKubeconfig(v[0].(string), c.Name, eps.all, eps.def)
	}).(pulumi.StringOutput)
	cl.Kubeconfig = pulumi.ToSecret(kubeconfig).(pulumi.StringOutput)
	return nil
}

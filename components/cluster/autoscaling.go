package cluster

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/clusterops"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/node"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// autoscaledServersRemoval registers, for each autoscaled pool, the step
// whose delete removes every server the autoscaler made for the pool: when
// the pool leaves the config, and on `pulumi destroy`. Its servers are in no
// Pulumi state, and Hetzner would keep them running (and billed) after the
// network (which detaches what is attached) and the firewall are gone. The
// step depends on the network's subnet and the firewall, so it is deleted,
// and runs, before them; the autoscaler depends on it, so it has stopped.
func (cl *Cluster) autoscaledServersRemoval(ctx *pulumi.Context, shared node.Shared, hcloudToken pulumi.StringInput) ([]pulumi.Resource, error) {
	c := cl.Config
	if len(c.AutoscaledPools()) == 0 {
		return nil, nil
	}
	var steps []pulumi.Resource
	_ = ctx.Log.Info(autoscalingNotice, nil)
	for i, pool := range c.WorkerPools {
		if pool.Autoscaling == nil {
			continue
		}
		group := c.NodeGroup(pool)
		step, err := remote.NewCommand(ctx, pool.Name+"-autoscaled-servers", &remote.CommandArgs{
			Connection: cl.ControlPlane.Nodes[0].Connection,
			Create:     pulumi.String(clusterops.AutoscaledServersNote(group)),
			Delete:     pulumi.String(clusterops.AutoscaledServersScript(group, c.DrainTimeout)),
			Stdin:      pulumi.ToSecret(hcloudToken.ToStringOutput().ApplyT(func(t string) string { return t + "\n" })).(pulumi.StringOutput),
			Logging:    remote.LoggingStdoutAndStderr,
		}, pulumi.Parent(cl.WorkerPools[i]), pulumi.DependsOn(shared.ServerAfter))
		if err != nil {
			return nil, err
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// autoscalingNotice says once what a preview cannot know.
const autoscalingNotice = "autoscaled pools: the cluster-autoscaler creates and deletes their servers in the running cluster, " +
	"so no preview lists them, nor their cost; the stack output autoscaledPools gives each pool's bounds"

// autoscaledPoolsOutput is each autoscaled pool's bounds, by pool name.
func autoscaledPoolsOutput(c config.Cluster) pulumi.Map {
	out := pulumi.Map{}
	for _, pool := range c.AutoscaledPools() {
		out[pool.Name] = pulumi.Map{
			"min":        pulumi.Int(pool.Autoscaling.Min),
			"max":        pulumi.Int(pool.Autoscaling.Max),
			"serverType": pulumi.String(pool.ServerType),
			"location":   pulumi.String(pool.Location),
			"nodeGroup":  pulumi.String(c.NodeGroup(pool)),
		}
	}
	return out
}

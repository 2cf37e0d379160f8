package firewall

import (
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args configures the firewall.
type Args struct {
	Name     string // the cluster name
	Firewall config.Firewall
	// Selector picks the servers the firewall applies to, including servers
	// created later, so adding a node needs no firewall change.
	Selector string
	Labels   map[string]string
}

// Firewall is the cluster's Hetzner firewall.
type Firewall struct {
	pulumi.ResourceState

	FirewallID pulumi.IntOutput `pulumi:"firewallId"`
	// Resource is what servers wait for, so they are never up unguarded.
	Resource *hcloud.Firewall
}

// New registers the firewall component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Firewall, error) {
	f := &Firewall{}
	if err := ctx.RegisterComponentResource(component.Type("Firewall"), name, f, opts...); err != nil {
		return nil, err
	}
	var rules hcloud.FirewallRuleArray
	for _, r := range Rules(args.Firewall) {
		rule := hcloud.FirewallRuleArgs{
			Description: pulumi.String(r.Description),
			Direction:   pulumi.String("in"),
			Protocol:    pulumi.String(r.Protocol),
			SourceIps:   pulumi.ToStringArray(r.SourceIPs),
		}
		if r.Port != "" {
			rule.Port = pulumi.String(r.Port)
		}
		rules = append(rules, rule)
	}
	var err error
	f.Resource, err = hcloud.NewFirewall(ctx, name, &hcloud.FirewallArgs{
		Name:     pulumi.String(args.Name),
		Labels:   pulumi.ToStringMap(args.Labels),
		Rules:    rules,
		ApplyTos: hcloud.FirewallApplyToArray{hcloud.FirewallApplyToArgs{LabelSelector: pulumi.String(args.Selector)}},
	}, pulumi.Parent(f))
	if err != nil {
		return nil, err
	}
	f.FirewallID = hetzner.IntID(f.Resource.ID())
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{"firewallId": f.FirewallID})
}

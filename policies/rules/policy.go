// Package rules holds the hcloud-k3s-guardrails policies. Two kinds:
//   - general rules read resources by type token and property name only, so they work for any
//     Pulumi program that manages Hetzner Cloud resources: load-balancer-bypasses-firewall,
//     admin-ports-open-to-world, server-without-firewall, kubernetes-service-public-load-balancer,
//     load-balancer-targets-public-ip and autoscaled-servers-outside-cluster;
//   - hcloud-k3s rules also read the Hetzner labels hcloud-k3s puts on its servers, taken from
//     package hetzner: control-plane-without-offsite-snapshots. On servers other programs made
//     they find nothing to report.
package rules

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// PackName is the policy pack's name and the stack config namespace of stack policy settings.
const PackName = "hcloud-k3s-guardrails"

// Policies returns the pack's policies. lookup reads the stack config that stands in for the
// policy-pack config of stack policies (pulumi/pulumi#24657).
func Policies(lookup ConfigLookup) ([]policyx.Policy, error) {
	rules := []rule{loadBalancerBypass, adminPortsOpen, serverWithoutFirewall, kubernetesServicePublic,
		publicTargets, controlPlaneWithoutOffSiteSnapshots, autoscaledServersOutside}
	policies := make([]policyx.Policy, 0, len(rules))
	for _, r := range rules {
		p, err := r.policy(lookup)
		if err != nil {
			return nil, err
		}
		policies = append(policies, p)
	}
	return policies, nil
}

type rule interface {
	policy(lookup ConfigLookup) (policyx.Policy, error)
}

// violation is one finding; an empty urn means the resource under analysis.
type violation struct {
	urn, message string
}

// resourceRule checks resources of one type one at a time, with their policy-pack config.
type resourceRule struct {
	name, description string
	level             policyx.EnforcementLevel // explicit: the pack level is ignored (pulumi/pulumi#24650)
	schema            *policyx.ConfigSchema
	resourceType      string
	check             func(r *resource, s settings) []violation
}

func (r resourceRule) policy(ConfigLookup) (policyx.Policy, error) {
	return policyx.NewResourceValidationPolicy(r.name, policyx.ResourceValidationPolicyArgs{
		Description:      r.description,
		EnforcementLevel: r.level,
		ConfigSchema:     r.schema,
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			if args.Resource.Type != r.resourceType {
				return nil
			}
			defer reportPanic(args.Manager, r.name)
			report(args.Manager, r.check(&args.Resource, args.Config))
			return nil
		},
	}), nil
}

// stackRule checks the whole stack, with settings read from stack config.
type stackRule struct {
	name, description string
	level             policyx.EnforcementLevel
	schema            *policyx.ConfigSchema
	check             func(st *stack, s settings) []violation
}

func (r stackRule) policy(lookup ConfigLookup) (policyx.Policy, error) {
	s, err := stackSettings(lookup, r.name)
	if err != nil {
		return nil, err
	}
	return policyx.NewStackValidationPolicy(r.name, policyx.StackValidationPolicyArgs{
		Description:      r.description,
		EnforcementLevel: r.level,
		ConfigSchema:     r.schema,
		ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
			defer reportPanic(args.Manager, r.name)
			report(args.Manager, r.check(newStack(args.Resources), s))
			return nil
		},
	}), nil
}

func report(m policyx.PolicyManager, violations []violation) {
	for _, v := range violations {
		m.ReportViolation(v.message, v.urn)
	}
}

// reportPanic turns a panic into a violation: policyx has no recover, so a panic would kill the
// pack process and fail the whole preview (pulumi/pulumi#24654).
func reportPanic(m policyx.PolicyManager, policy string) {
	if p := recover(); p != nil {
		m.ReportViolation(fmt.Sprintf("policy %s could not finish its check (%v); please report this bug", policy, p), "")
	}
}

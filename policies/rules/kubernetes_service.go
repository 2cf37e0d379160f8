package rules

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const disablePublicNetwork = "load-balancer.hetzner.cloud/disable-public-network"

var kubernetesServicePublic = resourceRule{
	name: "kubernetes-service-public-load-balancer",
	description: "A Kubernetes Service of type LoadBalancer must carry the annotation " + disablePublicNetwork +
		`: "true": otherwise the Hetzner cloud controller gives it a public load balancer, which firewalls do not filter.`,
	level:        policyx.EnforcementLevelAdvisory,
	resourceType: typeKubernetesService,
	check:        checkKubernetesService,
}

func checkKubernetesService(svc *resource, _ settings) []violation {
	spec, _ := get(svc.Properties, "spec", asMap)
	kind, _ := get(spec, "type", asString)
	metadata, okMetadata := optional(svc.Properties, "metadata", asMap)
	annotations, okAnnotations := optional(metadata, "annotations", asMap)
	value, okValue := optional(annotations, disablePublicNetwork, asString)
	if kind != "LoadBalancer" || !okMetadata || !okAnnotations || !okValue {
		return nil
	}
	if private, err := strconv.ParseBool(value); err == nil && private {
		return nil
	}
	name, ok := get(metadata, "name", asString)
	if !ok {
		name = svc.Name
	}
	return []violation{{message: fmt.Sprintf(
		"Service %q is of type LoadBalancer without the annotation %s: \"true\", so the Hetzner cloud controller "+
			"creates a public load balancer for it that bypasses the nodes' firewall; add the annotation "+
			"(with load-balancer.hetzner.cloud/use-private-ip: \"true\") or accept the public exposure",
		name, disablePublicNetwork)}}
}

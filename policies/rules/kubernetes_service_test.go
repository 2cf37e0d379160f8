package rules

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func service(serviceType string, annotations any) policyx.AnalyzerResource {
	metadata := map[string]any{"name": "ingress-nginx"}
	if annotations != nil {
		metadata["annotations"] = annotations
	}
	return res(typeKubernetesService, "ingress", map[string]any{
		"apiVersion": "v1", "kind": "Service", "metadata": metadata,
		"spec": map[string]any{"type": serviceType, "ports": []any{map[string]any{"port": 443}}},
	}, nil)
}

func TestKubernetesServicePublicLoadBalancer(t *testing.T) {
	public := func(name string) []reported {
		return []reported{{message: `Service "` + name + `" is of type LoadBalancer without the annotation ` +
			`load-balancer.hetzner.cloud/disable-public-network: "true", so the Hetzner cloud controller creates a public ` +
			`load balancer for it that bypasses the nodes' firewall; add the annotation ` +
			`(with load-balancer.hetzner.cloud/use-private-ip: "true") or accept the public exposure`}}
	}
	tests := []struct {
		name     string
		resource policyx.AnalyzerResource
		want     []reported
	}{
		{name: "LoadBalancer service without annotations", resource: service("LoadBalancer", nil), want: public("ingress-nginx")},
		{name: "LoadBalancer service with other annotations",
			resource: service("LoadBalancer", map[string]any{"load-balancer.hetzner.cloud/location": "fsn1"}), want: public("ingress-nginx")},
		{name: "public network explicitly kept",
			resource: service("LoadBalancer", map[string]any{disablePublicNetwork: "false"}), want: public("ingress-nginx")},
		{name: "public network disabled",
			resource: service("LoadBalancer", map[string]any{disablePublicNetwork: "true"})},
		{name: "public network disabled with another boolean spelling",
			resource: service("LoadBalancer", map[string]any{disablePublicNetwork: "TRUE"})},
		{name: "ClusterIP service", resource: service("ClusterIP", nil)},
		{name: "unknown annotations are left undecided", resource: service("LoadBalancer", computed)},
		{name: "unknown annotation value is left undecided",
			resource: service("LoadBalancer", map[string]any{disablePublicNetwork: computed})},
		{name: "auto-named service is named by its resource name", resource: res(typeKubernetesService, "ingress",
			map[string]any{"spec": map[string]any{"type": "LoadBalancer"}}, nil),
			want: public("ingress")},
		{name: "unknown service type is left undecided", resource: res(typeKubernetesService, "ingress",
			map[string]any{"spec": map[string]any{"type": computed}}, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := validateResource(t, "kubernetes-service-public-load-balancer", tt.resource, nil)
			assertReports(t, got, tt.want)
		})
	}
}

package rules

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// spec is a resource under construction; rows of table tests adjust specs before building them.
type spec struct {
	typ, name string
	props     map[string]any
	deps      map[string][]string
}

type change func([]spec) []spec

// apiCluster is what an hcloud-k3s stack with a public API load balancer looks like in preview:
// IDs are unknown and the links between resources are only known as property dependencies.
func apiCluster() []spec {
	lbDeps := map[string][]string{"loadBalancerId": dep(typeLoadBalancer, "api")}
	return []spec{
		{typ: typeServer, name: "cp-0", props: map[string]any{
			"id":         computed,
			"serverType": "cx23",
			"labels":     map[string]any{"cluster": "c1", "role": "control-plane", "pool": "cp"},
			"publicNets": []any{map[string]any{"ipv4Enabled": true, "ipv6Enabled": true}},
			"networks":   []any{map[string]any{"subnetId": computed, "ip": "10.0.1.10"}},
		}},
		{typ: typeServer, name: "worker-0", props: map[string]any{
			"id":     computed,
			"labels": map[string]any{"cluster": "c1", "role": "worker", "pool": "default"},
		}},
		{typ: typeFirewall, name: "fw", props: map[string]any{
			"id":       computed,
			"applyTos": []any{map[string]any{"labelSelector": "cluster=c1"}},
			"rules": []any{
				tcpIn("22", "198.51.100.7/32"),
				tcpIn("6443", "203.0.113.0/24", "2001:db8::/32"),
				map[string]any{"direction": "in", "protocol": "icmp", "sourceIps": []any{"0.0.0.0/0", "::/0"}},
			},
		}},
		{typ: typeLoadBalancer, name: "api", props: map[string]any{
			"id": computed, "name": "c1-api", "loadBalancerType": "lb11", "location": "fsn1",
		}},
		{typ: typeLoadBalancerNetwork, name: "api-net", deps: lbDeps, props: map[string]any{
			"loadBalancerId": computed, "subnetId": computed, "ip": "10.0.1.2", "enablePublicInterface": true,
		}},
		{typ: typeLoadBalancerService, name: "api-svc", deps: lbDeps, props: map[string]any{
			"loadBalancerId": computed, "protocol": "tcp", "listenPort": 6443, "destinationPort": 6443,
		}},
		{typ: typeLoadBalancerTarget, name: "api-cp", deps: lbDeps, props: map[string]any{
			"loadBalancerId": computed, "type": "label_selector",
			"labelSelector": "cluster=c1,role=control-plane", "usePrivateIp": true,
		}},
	}
}

// tcpIn is an inbound tcp firewall rule.
func tcpIn(port string, sources ...string) map[string]any {
	anySources := make([]any, len(sources))
	for i, s := range sources {
		anySources[i] = s
	}
	return map[string]any{"direction": "in", "protocol": "tcp", "port": port, "sourceIps": anySources}
}

func build(specs []spec, changes ...change) []policyx.AnalyzerResource {
	for _, c := range changes {
		specs = c(specs)
	}
	resources := make([]policyx.AnalyzerResource, 0, len(specs))
	for _, s := range specs {
		resources = append(resources, res(s.typ, s.name, s.props, s.deps))
	}
	return resources
}

// edit applies f to the resource named name.
func edit(name string, f func(*spec)) change {
	return func(specs []spec) []spec {
		for i := range specs {
			if specs[i].name == name {
				f(&specs[i])
			}
		}
		return specs
	}
}

// set sets a property of the resource named name.
func set(name, key string, value any) change {
	return edit(name, func(s *spec) { s.props[key] = value })
}

// unset removes a property, as Pulumi's mocks drop unknown inputs.
func unset(name, key string) change {
	return edit(name, func(s *spec) { delete(s.props, key) })
}

// setDeps replaces the property dependencies of the resource named name.
func setDeps(name string, deps map[string][]string) change {
	return edit(name, func(s *spec) { s.deps = deps })
}

func drop(name string) change {
	return func(specs []spec) []spec {
		return slices.DeleteFunc(specs, func(s spec) bool { return s.name == name })
	}
}

func add(s spec) change {
	return func(specs []spec) []spec { return append(specs, s) }
}

package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const (
	typeDeployment = "kubernetes:apps/v1:Deployment"
	typeNetwork    = hetzner.TypeNetwork
)

// autoscaledServersOutside is a general rule: it reads any cluster-autoscaler Deployment with the
// Hetzner provider by its documented settings (cloudprovider/hetzner/README.md in
// kubernetes/autoscaler), whatever program made it. The autoscaler labels its servers with its
// node-group label and the pool's serverLabels from its cluster config, none of which the
// cluster's own selector-based firewall matches (cluster-autoscaler-1.36.1
// cloudprovider/hetzner/hetzner_node_group.go createServer), and attaches the firewall that
// HCLOUD_FIREWALL names and the network that HCLOUD_NETWORK names (hetzner_manager.go). The rule
// judges by those two settings only: a firewall of the stack whose selector matches the node-group
// label would cover the servers too, which it does not read, and so flags.
var autoscaledServersOutside = stackRule{
	name: "autoscaled-servers-outside-cluster",
	description: "A cluster-autoscaler on Hetzner must put every server it creates behind the cluster's firewall " +
		"(HCLOUD_FIREWALL) and in its private network (HCLOUD_NETWORK); otherwise its servers are open to the " +
		"internet, or cannot reach the cluster, from their first boot.",
	level: policyx.EnforcementLevelMandatory,
	check: checkAutoscaledServers,
}

func checkAutoscaledServers(st *stack, _ settings) []violation {
	var found []violation
	for _, deployment := range st.ofType(typeDeployment) {
		for _, container := range containers(deployment) {
			groups, onHetzner := nodeGroups(container)
			if !onHetzner || len(groups) == 0 {
				continue
			}
			env := environment(container)
			for _, setting := range []struct{ name, typ, what, consequence string }{
				{"HCLOUD_FIREWALL", typeFirewall, "firewall", "open to the internet, unprotected by the cluster's firewall"},
				{"HCLOUD_NETWORK", typeNetwork, "network", "outside the cluster's private network"},
			} {
				if problem := st.settingProblem(deployment, env, setting.name, setting.typ, setting.what); problem != "" {
					found = append(found, violation{urn: deployment.URN, message: fmt.Sprintf(
						"cluster-autoscaler %q %s: the servers it creates for node groups %s would be %s",
						deployment.Name, problem, strings.Join(groups, ", "), setting.consequence)})
				}
			}
		}
	}
	return found
}

// settingProblem says what is wrong with the env var that names the autoscaler's firewall or
// network, or "" when it names one of the stack's (by ID or name, or computed from one, as the
// engine's dependency record of the Deployment's spec says when IDs are not in the analysed
// properties), or one the stack cannot judge (unknown while previewed, or outside a stack
// that manages none of that type).
func (s *stack) settingProblem(deployment *resource, env map[string]envValue, name, typ, what string) string {
	value, set := env[name]
	switch {
	case !set || (value.known && value.value == ""):
		return fmt.Sprintf("has no %s: %s is not set", what, name)
	case !value.known || len(s.ofType(typ)) == 0:
		return ""
	}
	if s.byID(typ, property.New(value.value)) != nil || s.byName(typ, value.value) != nil || len(s.dependencies(deployment, "spec", typ)) > 0 {
		return ""
	}
	return fmt.Sprintf("names %s %q in %s, which is none of the stack's", what, value.value, name)
}

// byName is the resource of type t with the given name property, as the autoscaler also
// accepts a name.
func (s *stack) byName(t, name string) *resource {
	for _, r := range s.ofType(t) {
		if n, ok := get(r.Properties, "name", asString); ok && n == name {
			return r
		}
	}
	return nil
}

// containers are the containers of a Deployment's pod template; none while unknown.
func containers(deployment *resource) []property.Map {
	spec, ok := get(deployment.Properties, "spec", asMap)
	if !ok {
		return nil
	}
	template, _ := get(spec, "template", asMap)
	pod, _ := get(template, "spec", asMap)
	list, _ := get(pod, "containers", asList)
	var out []property.Map
	for _, c := range list {
		if m, ok := asMap(c); ok {
			out = append(out, m)
		}
	}
	return out
}

// nodeGroups are the node groups a container's --nodes flags name, and whether it runs the
// Hetzner provider.
func nodeGroups(container property.Map) (groups []string, onHetzner bool) {
	args, _ := get(container, "args", asList)
	command, _ := get(container, "command", asList)
	for _, v := range slices.Concat(command, args) {
		arg, _ := asString(v)
		if arg == "--cloud-provider=hetzner" {
			onHetzner = true
		}
		if spec, ok := strings.CutPrefix(arg, "--nodes="); ok {
			if fields := strings.Split(spec, ":"); len(fields) == 5 {
				groups = append(groups, fields[4])
			}
		}
	}
	return groups, onHetzner
}

// envValue is one environment variable's value; known is false while it is unknown, or comes
// from a Secret or ConfigMap the rule cannot read.
type envValue struct {
	value string
	known bool
}

func environment(container property.Map) map[string]envValue {
	env := map[string]envValue{}
	list, _ := get(container, "env", asList)
	for _, item := range list {
		m, ok := asMap(item)
		if !ok {
			continue
		}
		name, ok := get(m, "name", asString)
		if !ok {
			continue
		}
		value, known := get(m, "value", asString)
		env[name] = envValue{value: value, known: known && !m.Get("valueFrom").IsMap()}
	}
	return env
}

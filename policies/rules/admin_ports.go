package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

var defaultAdminPorts = []int{22, 6443}

var adminPortsOpen = resourceRule{
	name:         "admin-ports-open-to-world",
	description:  "Firewall rules must not open SSH or the Kubernetes API to the whole internet.",
	level:        policyx.EnforcementLevelAdvisory,
	resourceType: typeFirewall,
	schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
		"ports": {
			"type":        "array",
			"items":       map[string]any{"type": "integer", "minimum": 1, "maximum": 65535},
			"default":     []any{22, 6443},
			"description": "TCP ports that must not be reachable from 0.0.0.0/0 or ::/0.",
		},
	}},
	check: checkAdminPortsOpen,
}

func checkAdminPortsOpen(fw *resource, s settings) []violation {
	ports := s.ints("ports", defaultAdminPorts)
	rules, _ := get(fw.Properties, "rules", asList)
	var found []violation
	for i, item := range rules {
		rule, ok := parseRule(item)
		world := rule.worldSources()
		var open []string
		for _, port := range ports {
			if rule.admitsTCP(port) {
				open = append(open, strconv.Itoa(port))
			}
		}
		if ok && len(world) > 0 && len(open) > 0 {
			found = append(found, violation{message: fmt.Sprintf(
				"rules[%d] (in tcp port %q from %s) opens tcp port %s to the whole internet; "+
					"restrict its sourceIps to the addresses that need access",
				i, rule.port, strings.Join(world, ", "), strings.Join(open, ", "))})
		}
	}
	return found
}

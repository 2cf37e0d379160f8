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
	rules, known := parseRules(fw.Properties)
	if !known {
		return nil // the union of sources is unknown until every rule is
	}
	// Ports opened by the same rules are reported together.
	var order []string
	ports := map[string][]string{}
	for _, port := range s.ints("ports", defaultAdminPorts) {
		access := inboundTCP(rules, port)
		if !access.world {
			continue
		}
		opening := describeRules(rules, access.rules)
		if _, seen := ports[opening]; !seen {
			order = append(order, opening)
		}
		ports[opening] = append(ports[opening], strconv.Itoa(port))
	}
	var found []violation
	for _, opening := range order {
		found = append(found, violation{message: fmt.Sprintf(
			"%s admit every address: tcp port %s is open to the whole internet; restrict the sourceIps to the addresses that need access",
			opening, strings.Join(ports[opening], ", "))})
	}
	return found
}

// describeRules names rules the way a reader finds them: rules[i] (in tcp port "p" from a, b).
func describeRules(rules []firewallRule, indexes []int) string {
	var parts []string
	for _, i := range indexes {
		r := rules[i]
		parts = append(parts, fmt.Sprintf("rules[%d] (in tcp port %q from %s)", i, r.port, strings.Join(r.sources, ", ")))
	}
	return strings.Join(parts, " and ")
}

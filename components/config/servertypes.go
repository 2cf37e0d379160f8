package config

import (
	"fmt"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// Orders tells whether an up would order node's server of serverType from
// Hetzner: the server does not exist yet, or exists with another type or in
// another location.
type Orders func(node Node, serverType string) bool

// CheckOrderable refuses every server type that an up would order where
// Hetzner's catalogue, read at preview, says it cannot be ordered now: a
// name Hetzner does not list, a type deprecated there (with its successor),
// or one not offered or sold out there (with the closest types that are
// orderable). Servers that already run keep their type, whatever the
// catalogue says of it now; an autoscaled pool's type is always checked,
// since the autoscaler orders its servers whenever it scales up.
func CheckOrderable(c Cluster, catalogue hetzner.Catalogue, orders Orders) error {
	var p problems
	checkOrderable(&p, catalogue, orders, "controlPlane.serverType", c.ControlPlane.ServerType, c.ControlPlane.Nodes)
	for i, pool := range c.WorkerPools {
		key := fmt.Sprintf("workerPools[%d].serverType", i)
		if pool.Autoscaling != nil {
			// The autoscaler may order a server of the pool at any time.
			always := func(Node, string) bool { return true }
			checkOrderable(&p, catalogue, always, key, pool.ServerType, []Node{{Location: pool.Location}})
			continue
		}
		checkOrderable(&p, catalogue, orders, key, pool.ServerType, pool.Nodes)
	}
	return p.err()
}

// checkOrderable checks one group's server type, once per location a
// server of it would be ordered in.
func checkOrderable(p *problems, catalogue hetzner.Catalogue, orders Orders, key, serverType string, nodes []Node) {
	checked := map[string]bool{}
	for _, n := range nodes {
		if checked[n.Location] || !orders(n, serverType) {
			continue
		}
		checked[n.Location] = true
		problem, known := catalogue.OrderProblem(serverType, n.Location)
		if !known {
			p.add(key, serverType, "is not a Hetzner Cloud server type; the closest are %s",
				strings.Join(closest(serverType, catalogue.Names(), 3), ", "))
			return
		}
		if problem != "" {
			p.add(key, serverType, "%s", problem)
		}
	}
}

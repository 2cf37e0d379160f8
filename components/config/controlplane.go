package config

import (
	"fmt"
	"net/netip"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// ControlPlaneInput is the `controlPlane` key.
type ControlPlaneInput struct {
	Count       *int     `json:"count"`
	ServerType  string   `json:"serverType"`
	Locations   []string `json:"locations"`
	Image       string   `json:"image"`
	Schedulable bool     `json:"schedulable"`
}

// ControlPlane holds the k3s servers (embedded etcd members).
type ControlPlane struct {
	ServerType  string
	Image       string
	Schedulable bool
	Nodes       []Node
}

// MaxControlPlaneNodes is the largest control plane (etcd members) allowed.
const MaxControlPlaneNodes = 5

func resolveControlPlane(p *problems, in ControlPlaneInput, locations []string) ControlPlane {
	count := valueOr(in.Count, 1)
	if count != 1 && count != 3 && count != 5 {
		p.add("controlPlane.count", count, "is not allowed: use 1, 3 or 5 (embedded etcd needs an odd number of members for quorum)")
		count = 0
	}
	checkLocations(p, "controlPlane.locations", locations)
	cp := ControlPlane{
		ServerType:  or(in.ServerType, DefaultServerType),
		Image:       or(in.Image, DefaultImage),
		Schedulable: in.Schedulable,
	}
	for i := range count {
		cp.Nodes = append(cp.Nodes, Node{Name: fmt.Sprintf("cp-%d", i+1), Location: locations[i%len(locations)]})
	}
	return cp
}

// ControlPlaneAddresses are the private IPs control-plane nodes 1 to 5 get,
// whether or not they exist: scripts that look for members use the full
// list, so it does not change when the control plane grows or shrinks.
func (c Cluster) ControlPlaneAddresses() []netip.Addr {
	addrs := make([]netip.Addr, MaxControlPlaneNodes)
	for i := range addrs {
		addrs[i] = staticAddress(c.Network.CIDR, i+1)
	}
	return addrs
}

// ControlPlaneSelector selects the control-plane servers of this cluster.
func (c Cluster) ControlPlaneSelector() string {
	return fmt.Sprintf("%s=%s,%s=%s", hetzner.LabelCluster, c.Name, hetzner.LabelRole, hetzner.RoleControlPlane)
}

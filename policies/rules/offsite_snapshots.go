package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// controlPlaneWithoutOffSiteSnapshots reads the labels hcloud-k3s puts on its servers
// (package hetzner): a server without them is not part of an hcloud-k3s control plane.
var controlPlaneWithoutOffSiteSnapshots = stackRule{
	name: "control-plane-without-offsite-snapshots",
	description: "An HA control plane (more than one etcd member) should copy its etcd snapshots off the servers " +
		"(hcloud-k3s:etcdSnapshots.s3): snapshots kept only on the servers are lost with them.",
	level: policyx.EnforcementLevelAdvisory,
	check: checkOffSiteSnapshots,
}

func checkOffSiteSnapshots(st *stack, _ settings) []violation {
	clusters := map[string][]*resource{} // cluster → its control-plane servers
	for _, server := range st.ofType(typeServer) {
		labels, ok := get(server.Properties, "labels", asStringMap)
		if ok && labels[hetzner.LabelRole] == hetzner.RoleControlPlane {
			clusters[labels[hetzner.LabelCluster]] = append(clusters[labels[hetzner.LabelCluster]], server)
		}
	}
	var found []violation
	for _, cluster := range slices.Sorted(maps.Keys(clusters)) {
		servers := clusters[cluster]
		if len(servers) < 2 {
			continue
		}
		local := serversWithoutOffSiteSnapshots(servers)
		if len(local) == 0 {
			continue
		}
		found = append(found, violation{urn: local[0].URN, message: fmt.Sprintf(
			"cluster %q has %d control-plane servers (etcd members), and the etcd snapshots of %s stay on them "+
				"(their label %s is not %q): losing the servers loses the cluster; copy the snapshots to object storage "+
				"with hcloud-k3s:etcdSnapshots.s3 (README \"Backups and restore\")",
			cluster, len(servers), names(local), hetzner.LabelEtcdSnapshots, hetzner.SnapshotsOffSite)})
	}
	return found
}

// serversWithoutOffSiteSnapshots lists the servers, sorted by name, whose label says their snapshots stay local.
func serversWithoutOffSiteSnapshots(servers []*resource) []*resource {
	var local []*resource
	for _, server := range servers {
		labels, _ := get(server.Properties, "labels", asStringMap)
		if labels[hetzner.LabelEtcdSnapshots] != hetzner.SnapshotsOffSite {
			local = append(local, server)
		}
	}
	slices.SortFunc(local, func(a, b *resource) int { return strings.Compare(a.Name, b.Name) })
	return local
}

func names(rs []*resource) string {
	quoted := make([]string, len(rs))
	for i, r := range rs {
		quoted[i] = fmt.Sprintf("%q", r.Name)
	}
	return strings.Join(quoted, ", ")
}

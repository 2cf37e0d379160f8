package rules

import (
	"strconv"
	"testing"
)

func TestControlPlaneWithoutOffSiteSnapshots(t *testing.T) {
	controlPlane := func(name, snapshots string) change {
		return add(spec{typ: typeServer, name: name, props: map[string]any{
			"labels": map[string]any{"cluster": "c1", "role": "control-plane", "pool": "control-plane", "etcd-snapshots": snapshots},
		}})
	}
	label := func(name, snapshots string) change {
		return set(name, "labels", map[string]any{"cluster": "c1", "role": "control-plane", "pool": "control-plane", "etcd-snapshots": snapshots})
	}
	local := func(servers string, n int, first string) []reported {
		return []reported{{urn: urnOf(typeServer, first), message: `cluster "c1" has ` + strconv.Itoa(n) +
			` control-plane servers (etcd members), and the etcd snapshots of ` + servers + ` stay on them ` +
			`(their label etcd-snapshots is not "s3"): losing the servers loses the cluster; copy the snapshots ` +
			`to object storage with hcloud-k3s:etcdSnapshots.s3 (README "Backups and restore")`}}
	}
	runStackCases(t, "control-plane-without-offsite-snapshots", []stackCase{
		{name: "one control-plane server can only restore onto itself, and is not flagged"},
		{name: "three members with local snapshots",
			changes: []change{label("cp-0", "local"), controlPlane("cp-2", "local"), controlPlane("cp-1", "local")},
			want:    local(`"cp-0", "cp-1", "cp-2"`, 3, "cp-0")},
		{name: "three members without the label (not made by hcloud-k3s)",
			changes: []change{controlPlane("cp-1", ""), controlPlane("cp-2", "")},
			want:    local(`"cp-0", "cp-1", "cp-2"`, 3, "cp-0")},
		{name: "three members sending snapshots to S3",
			changes: []change{label("cp-0", "s3"), controlPlane("cp-1", "s3"), controlPlane("cp-2", "s3")}},
		{name: "one member left behind while S3 is rolled out",
			changes: []change{label("cp-0", "s3"), controlPlane("cp-1", "local"), controlPlane("cp-2", "s3")},
			want:    local(`"cp-1"`, 3, "cp-1")},
		{name: "a server whose labels are unknown is not judged local",
			changes: []change{set("cp-0", "labels", computed), controlPlane("cp-1", "s3"), controlPlane("cp-2", "s3")}},
		{name: "clusters are told apart by their cluster label",
			changes: []change{controlPlane("cp-1", "s3"), add(spec{typ: typeServer, name: "other-cp", props: map[string]any{
				"labels": map[string]any{"cluster": "c2", "role": "control-plane", "etcd-snapshots": "local"}}})},
			want: local(`"cp-0"`, 2, "cp-0")},
	})
}

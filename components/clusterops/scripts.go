// Package clusterops renders the scripts that operate on the running cluster
// from its first control-plane node, through the Kubernetes API: the
// readiness wait, draining a node that leaves, the labels and taints of
// running Nodes, the version joining nodes install, the upgrade gate, the
// wait for a controller's CRD and the teardown mark. It is pure Go: no Pulumi. What runs on a node itself to
// install or restart k3s is package k3s; the upgrade Plans are add-ons
// (package addons).
package clusterops

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
)

var (
	//go:embed ready.sh
	readyBody string
	//go:embed drain.sh
	drainBody string
	//go:embed upgrade-gate.sh
	upgradeGateBody string
	//go:embed node-labels.sh
	nodeLabelsBody string
	//go:embed server-version.sh
	serverVersionBody string
	//go:embed autoscaled-servers.sh
	autoscaledServersBody string
	//go:embed crd-established.sh
	crdEstablishedBody string
)

// ReadyScript waits until the API answers at each endpoint URL and each
// named node has registered, failing after timeout with the culprit's name.
func ReadyScript(endpoints, nodes []string, timeout time.Duration) string {
	return shell.Script([]shell.Param{
		{Name: "endpoints", Value: strings.Join(endpoints, " ")},
		{Name: "nodes", Value: strings.Join(nodes, " ")},
		{Name: "timeout", Value: strconv.Itoa(int(timeout.Seconds()))},
	}, readyBody)
}

// CRDEstablishedScript waits until crd (plans.upgrade.cattle.io) is
// registered and established, failing after timeout with hint, which says
// where to look (the controller that registers it).
func CRDEstablishedScript(crd, hint string, timeout time.Duration) string {
	return shell.Script([]shell.Param{
		{Name: "crd", Value: crd},
		{Name: "timeout", Value: strconv.Itoa(int(timeout.Seconds()))},
		{Name: "hint", Value: hint},
	}, crdEstablishedBody)
}

// DrainScript drains and removes a node; a control-plane node leaves etcd
// first, so quorum is kept while its server is deleted. Then k3s is stopped
// and disabled on the node, reached at its private IP with the SSH private
// key the script reads on stdin, and the Node is deleted. Nothing is done
// once TeardownScripts has marked the cluster as being destroyed.
func DrainScript(node, nodeIP string, controlPlane bool, timeout time.Duration) string {
	return shell.Script([]shell.Param{
		{Name: "node", Value: node},
		{Name: "node_ip", Value: nodeIP},
		{Name: "control_plane", Value: strconv.FormatBool(controlPlane)},
		{Name: "timeout", Value: fmt.Sprintf("%ds", int(timeout.Seconds()))},
		{Name: "teardown_marker", Value: teardownMarker},
	}, drainBody)
}

// teardownMarker is the file on the first control-plane node that tells the
// drains the whole cluster is being destroyed.
const teardownMarker = "/var/lib/hcloud-k3s/teardown"

// TeardownScripts are the commands of the step that every drain depends
// on, so `pulumi destroy` deletes it, and runs delete, before any drain:
// delete marks the cluster as being destroyed, and the drains then skip
// what only matters to a cluster that stays. create clears the mark, so a
// cluster that is brought up again drains nodes it loses.
func TeardownScripts() (create, delete string) {
	params := []shell.Param{{Name: "teardown_marker", Value: teardownMarker}}
	create = shell.Script(params, `rm -f "$root$teardown_marker"
log "nodes that leave are drained"
`)
	delete = shell.Script(params, `mkdir -p "$(dirname "$root$teardown_marker")"
touch "$root$teardown_marker"
log "the cluster is being destroyed: nodes are not drained"
`)
	return create, delete
}

// UpgradeGateScript refuses a downgrade or a skipped minor release.
func UpgradeGateScript(desired string) string {
	return shell.Script([]shell.Param{{Name: "desired", Value: desired}}, upgradeGateBody)
}

// NodeLabels are the labels and taints hcloud-k3s keeps on a group of Nodes.
type NodeLabels struct {
	Nodes  []string // hostnames
	Labels []string // key=value
	Taints []string // key[=value]:Effect
	// Known are taints (key:Effect) hcloud-k3s may have set on these Nodes
	// before it recorded what it manages; they are removed unless wanted.
	Known []string
}

// Script makes the labels and taints of running Nodes what they should be,
// touching only those hcloud-k3s manages.
func (l NodeLabels) Script() string {
	return shell.Script([]shell.Param{
		{Name: "nodes", Value: strings.Join(l.Nodes, " ")},
		{Name: "labels", Value: strings.Join(l.Labels, " ")},
		{Name: "taints", Value: strings.Join(l.Taints, " ")},
		{Name: "known", Value: strings.Join(l.Known, ",")},
	}, nodeLabelsBody)
}

// ServerVersionScript prints the oldest version the control plane runs, or
// nothing when it cannot tell: new nodes install that one when it is older
// than the pinned one (config.Version.OrOlder). nodes are the cluster's
// hostnames, so adding one reads the versions again.
func ServerVersionScript(nodes []string) string {
	return shell.Script([]shell.Param{
		{Name: "nodes", Value: strings.Join(nodes, " ")},
	}, serverVersionBody)
}

// hetznerAPI is the Hetzner Cloud API's base URL.
const hetznerAPI = "https://api.hetzner.cloud/v1"

// AutoscaledServersScript removes every server of an autoscaler node group,
// found by the label the autoscaler gives them,
// draining their nodes first unless TeardownScripts has marked the cluster
// as being destroyed; it waits until none is left. The Hetzner API token
// comes on stdin.
func AutoscaledServersScript(nodeGroup string, drainTimeout time.Duration) string {
	return shell.Script([]shell.Param{
		{Name: "node_group", Value: nodeGroup},
		{Name: "label", Value: hetzner.LabelNodeGroup},
		{Name: "api", Value: hetznerAPI},
		{Name: "timeout", Value: fmt.Sprintf("%ds", int(drainTimeout.Seconds()))},
		{Name: "teardown_marker", Value: teardownMarker},
	}, autoscaledServersBody)
}

// AutoscaledServersNote is the create step of that removal: it only says
// what the step is for.
func AutoscaledServersNote(nodeGroup string) string {
	return shell.Script([]shell.Param{{Name: "node_group", Value: nodeGroup}},
		`log "servers the autoscaler creates for $node_group are deleted when the pool or the cluster is"
`)
}

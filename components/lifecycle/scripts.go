// Package lifecycle renders the day-two operations of a cluster: the
// readiness wait, draining a node that leaves, the upgrade gate, and the
// system-upgrade-controller Plans. It is pure Go: no Pulumi.
package lifecycle

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
)

var (
	//go:embed ready.sh
	readyBody string
	//go:embed drain.sh
	drainBody string
	//go:embed upgrade-gate.sh
	upgradeGateBody string
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

// DrainScript drains and removes a node; a control-plane node leaves etcd
// first, so quorum is kept while its server is deleted.
func DrainScript(node string, controlPlane bool, timeout time.Duration) string {
	return shell.Script([]shell.Param{
		{Name: "node", Value: node},
		{Name: "control_plane", Value: strconv.FormatBool(controlPlane)},
		{Name: "timeout", Value: fmt.Sprintf("%ds", int(timeout.Seconds()))},
	}, drainBody)
}

// UpgradeGateScript refuses a downgrade or a skipped minor release.
func UpgradeGateScript(desired string) string {
	return shell.Script([]shell.Param{{Name: "desired", Value: desired}}, upgradeGateBody)
}

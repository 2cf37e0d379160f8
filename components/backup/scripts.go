// Package backup takes and restores etcd snapshots of the control plane:
// the node scripts (on-demand snapshot before risky changes, restore from
// S3, re-join after a restore), the node setup that holds the S3 secret key,
// their Pulumi wiring, and restore-cluster.sh, which an operator runs to
// restore a whole control plane over SSH.
package backup

import (
	_ "embed"
	"strconv"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
)

var (
	//go:embed lib.sh
	libBody string
	//go:embed snapshot.sh
	snapshotBody string
	//go:embed restore.sh
	restoreBody string
	//go:embed rejoin.sh
	rejoinBody string
	//go:embed setup.sh
	setupBody string
)

// ToolDir is where the restore tools are installed on control-plane nodes.
const ToolDir = "/usr/local/sbin"

// Consequences that end the scripts' errors.
const (
	nothingChanged = "nothing was changed"
	changeStopped  = "the change does not go ahead"
)

// SnapshotScript takes an on-demand snapshot named name-<node>-<time> and
// fails unless it reached S3, naming the change it guards (reason).
func SnapshotScript(s3 config.S3, name, reason string) string {
	return script(s3, changeStopped, []shell.Param{{Name: "name", Value: name}, {Name: "reason", Value: reason}}, snapshotBody)
}

// RestoreTool is hcloud-k3s-etcd-restore NAME [--check], run on the first
// control-plane node.
func RestoreTool(s3 config.S3) string { return script(s3, nothingChanged, nil, restoreBody) }

// RejoinTool is hcloud-k3s-etcd-rejoin, run on each other control-plane node
// after a restore.
func RejoinTool(s3 config.S3) string { return script(s3, nothingChanged, nil, rejoinBody) }

// SetupScript keeps the node's S3 settings in step: with s3, it writes
// the secret drop-in (its content on stdin, see k3s.S3SecretDropIn) and
// installs the restore tools; with nil, it removes them.
func SetupScript(s3 *config.S3) string {
	params := []shell.Param{
		{Name: "s3", Value: strconv.FormatBool(s3 != nil)},
		{Name: "secret_file", Value: k3s.S3SecretDropInPath},
		{Name: "tool_dir", Value: ToolDir},
		{Name: "restore_tool", Value: ""},
		{Name: "rejoin_tool", Value: ""},
	}
	if s3 != nil {
		// put compares contents without their final newline, as $(cat) reads them.
		params[3].Value = strings.TrimSuffix(RestoreTool(*s3), "\n")
		params[4].Value = strings.TrimSuffix(RejoinTool(*s3), "\n")
	}
	return shell.Script(params, setupBody)
}

// script assembles a script that uses lib.sh, with the S3 settings (never
// the secret key, which the node reads from its drop-in) as parameters.
func script(s3 config.S3, consequence string, params []shell.Param, body string) string {
	return shell.Script(append([]shell.Param{
		{Name: "s3_endpoint", Value: s3.Endpoint},
		{Name: "s3_region", Value: s3.Region},
		{Name: "s3_bucket", Value: s3.Bucket},
		{Name: "s3_folder", Value: s3.Folder},
		{Name: "s3_access_key", Value: s3.AccessKey},
		{Name: "secret_file", Value: k3s.S3SecretDropInPath},
		{Name: "consequence", Value: consequence},
	}, params...), libBody+body)
}

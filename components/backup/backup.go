package backup

import (
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/pulumi/pulumi-command/sdk/go/command/remote"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Labels are the snapshot labels of a control-plane server: where its etcd
// snapshots go. The policy pack reads them (policies/rules/offsite_snapshots.go);
// the secret never goes there.
func Labels(s config.EtcdSnapshots) map[string]string {
	if s.OffSite() {
		return map[string]string{hetzner.LabelEtcdSnapshots: hetzner.SnapshotsOffSite}
	}
	return map[string]string{hetzner.LabelEtcdSnapshots: hetzner.SnapshotsLocal}
}

// snapshotTimeout bounds the on-demand snapshot: the S3 checks, the save
// (k3s's own S3 timeout is 5 minutes: etcd-s3-timeout, k3s pkg/cli/cmds/etcd_snapshot.go at v1.33.5) and the upload check.
const snapshotTimeout = 15 * time.Minute

// snapshotReason names the changes the on-demand snapshot guards: each
// takes a control-plane node down.
const snapshotReason = "a k3s upgrade, a control-plane scale or a control-plane server-type change"

// NewSnapshotBeforeChange registers the on-demand snapshot, taken on the
// first control-plane node, after what `after` lists. Its triggers are the
// k3s version, the control-plane size and its server type, so preview shows
// it replaced, and it runs, whenever one changes: before the upgrade gate
// (which depends on it), before leaving members are drained, since the
// engine deletes removed resources only after every create and update has
// finished (pulumi pkg/resource/deploy/deployment_executor.go,
// performPostSteps), and, for a server-type change, before the first server
// is powered off (its resize waits for it: node.Queue.ResizeAfter). It
// needs S3: a snapshot left on the node does not survive losing it.
func NewSnapshotBeforeChange(ctx *pulumi.Context, c config.Cluster, conn remote.ConnectionInput, after []pulumi.Resource, opts ...pulumi.ResourceOption) (*remote.Command, error) {
	return remote.NewCommand(ctx, "etcd-snapshot", &remote.CommandArgs{
		Connection: conn,
		Create:     pulumi.String(SnapshotScript(*c.EtcdSnapshots.S3, "pre-change", snapshotReason)),
		Triggers: pulumi.Array{
			pulumi.String(c.K3sVersion.String()), pulumi.Int(len(c.ControlPlane.Nodes)), pulumi.String(c.ControlPlane.ServerType),
		},
		Logging: remote.LoggingStdoutAndStderr,
	}, append(opts, pulumi.DependsOn(after),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: snapshotTimeout.String()}))...)
}

// NodeSetup is what a control-plane node's install runs before k3s starts
// (SetupScript), and its input: the secret key, a Pulumi secret that
// follows the cluster token on the install's stdin. Setting, rotating or
// removing the key re-runs the installs, which restart nothing.
func NodeSetup(s config.EtcdSnapshots) (script string, stdin pulumi.StringOutput) {
	stdin = pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput)
	if s.OffSite() {
		stdin = pulumi.ToSecret(pulumi.String(k3s.S3SecretDropIn(s.S3.SecretKey))).(pulumi.StringOutput)
	}
	return SetupScript(s.S3), stdin
}

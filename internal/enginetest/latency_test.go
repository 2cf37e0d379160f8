package enginetest

import (
	"regexp"
	"strings"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
)

// latencyOf is how long an operation takes, in simulated time: the
// registry's figures (internal/cloudmodel).
func latencyOf(op operation) time.Duration {
	switch {
	case op.Type == commandType:
		return cloudmodel.Commands[commandOf(op)]
	case op.Kind == "resize":
		return cloudmodel.ServerResize
	case op.Type == serverType && op.Kind == "delete":
		return cloudmodel.ServerDelete
	case op.Kind != "create":
		return cloudmodel.Change
	}
	c, _ := cloudmodel.CreateOf(string(op.Type))
	return c.Duration()
}

// latency is how long op takes, in simulated time, given what ran before
// it in the same engine operation: an install on a server that has just
// booted waits for what is left of its cloud-init.
func (w *world) latency(op operation) time.Duration {
	if op.Type == commandType && op.Kind == "create" {
		if c := commandOf(op); c == cloudmodel.InitInstall || c == cloudmodel.JoinInstall || c == cloudmodel.AgentInstall {
			return w.installLatency(op, c)
		}
	}
	return latencyOf(op)
}

// installLatency is how long an install that begins at op.Start takes:
// what is left of its server's cloud-init, and of the k3s download when
// cloud-init downloads the version it installs, then the download when it
// does not, then k3s's start.
func (w *world) installLatency(op operation, install cloudmodel.Command) time.Duration {
	w.mu.Lock()
	booted, now := w.booted[op.Node]
	w.mu.Unlock()
	ready, download := booted+cloudmodel.CloudInit, cloudmodel.K3sDownload
	if !w.noDownloadAtBoot && w.cloud.downloadsAtBoot(op.Node, installVersion.FindStringSubmatch(op.Script)[1]) {
		ready, download = ready+download, 0
	}
	wait := ready - op.Start
	if !now || wait < 0 {
		wait = 0 // cloud-init ran long ago, or while the server was attached
	}
	return wait + download + cloudmodel.InstallStart(install)
}

// boot records that a server booted: its actions ran but the attach to the
// network, which runs while cloud-init starts.
func (w *world) boot(server string) {
	at := w.now() - (cloudmodel.Creates[serverTypeName].Duration() - cloudmodel.BootAfter())
	w.mu.Lock()
	defer w.mu.Unlock()
	w.booted[server] = at
}

// commandOf is what a remote command runs: an install is told apart by its
// script, the rest by name. Unknown commands take no time.
func commandOf(op operation) cloudmodel.Command {
	c, _ := cloudmodel.CommandNamed(op.URN.Name())
	switch {
	case c != "" || !strings.HasSuffix(op.URN.Name(), "-install"):
		return c
	case isInit(op.Script):
		return cloudmodel.InitInstall
	case isServerJoin(op.Script):
		return cloudmodel.JoinInstall
	}
	return cloudmodel.AgentInstall
}

// joinLatency is the part of an operation only one at a time may run: a
// control-plane join's time as an etcd learner.
func joinLatency(op operation) time.Duration {
	if op.Type == commandType && op.Kind == "create" && isServerJoin(op.Script) {
		return cloudmodel.LearnerPhase
	}
	return 0
}

// initLine is the config.yaml line of the node that initialises the
// cluster, inside the script's config parameter (install.sh also names it).
var initLine = regexp.MustCompile(`(?m)^(config=')?cluster-init: true$`)

// isInit says whether an install script initialises the cluster.
func isInit(script string) bool { return initLine.MatchString(script) }

// isServerJoin says whether an install script joins a control-plane node
// to a running cluster.
func isServerJoin(script string) bool {
	return strings.Contains(script, "\nrole='server'\n") && !isInit(script)
}

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

package enginetest

import (
	"regexp"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// hcloudLatency is how long each Hetzner create takes as the provider sees
// it: the README's assumed figures (section "Scale and speed").
var hcloudLatency = map[tokens.Type]time.Duration{
	networkType:      2 * time.Second,
	subnetType:       2 * time.Second,
	firewallType:     time.Second,
	sshKeyType:       time.Second,
	placementType:    time.Second,
	serverType:       30 * time.Second,
	loadBalancerType: 10 * time.Second,
	lbNetworkType:    3 * time.Second,
	lbServiceType:    2 * time.Second,
	lbTargetType:     2 * time.Second,
}

// Remote commands, by what they run.
const (
	initInstall    = 60 * time.Second // cloud-init, then k3s server --cluster-init
	joinInstall    = 45 * time.Second // cloud-init, then k3s joins
	learnerPhase   = 10 * time.Second // of a control-plane join: etcd learner added, synced, promoted
	readiness      = 10 * time.Second
	kubeconfigCopy = 2 * time.Second
	otherCommand   = 2 * time.Second // upgrade gate, drain
	serverDelete   = 5 * time.Second
	serverResize   = 60 * time.Second // power off, change type, power on
)

// kubernetesLatency is how long applying each Kubernetes object takes. The
// Helm Charts and the ConfigGroup are components the provider constructs,
// which take no simulated time: they come after the kubeconfig, which is
// what the timing runs measure.
var kubernetesLatency = map[string]time.Duration{
	"Plan":   time.Second,
	"Secret": time.Second,
}

// latencyOf is how long an operation takes, in simulated time.
func latencyOf(op operation) time.Duration {
	switch {
	case op.Type == commandType && op.Kind != "delete":
		return commandLatency(op)
	case op.Type == commandType:
		return otherCommand
	case op.Kind == "resize":
		return serverResize
	case op.Type == serverType && op.Kind == "delete":
		return serverDelete
	case op.Kind != "create":
		return time.Second
	case op.Type.Package() == "hcloud":
		return hcloudLatency[op.Type]
	case op.Type.Package() == "kubernetes":
		return kubernetesLatency[op.Type.Name().String()]
	}
	return 0
}

func commandLatency(op operation) time.Duration {
	switch name := op.URN.Name(); {
	case strings.HasSuffix(name, "-install") && isInit(op.Script):
		return initInstall
	case strings.HasSuffix(name, "-install"):
		return joinInstall
	case name == "ready":
		return readiness
	case name == "kubeconfig":
		return kubeconfigCopy
	}
	return otherCommand
}

// joinLatency is the part of an operation only one at a time may run: a
// control-plane join's time as an etcd learner. etcd admits one learner at
// a time and k3s retries the join until its turn comes (k3s pkg/etcd
// etcd.go:505-509, "too many learners").
func joinLatency(op operation) time.Duration {
	if op.Type == commandType && op.Kind == "create" && isServerJoin(op.Script) {
		return learnerPhase
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

package cloudmodel

import (
	"strings"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// Type tokens of the resources the program creates that are not Hetzner's
// (those are in components/hetzner).
const (
	TypeCommand            = "command:remote:Command"
	TypePrivateKey         = "tls:index/privateKey:PrivateKey"
	TypeRandomPassword     = "random:index/randomPassword:RandomPassword"
	TypeKubernetesProvider = "pulumi:providers:kubernetes"
	TypeSecret             = "kubernetes:core/v1:Secret"
	TypeChart              = "kubernetes:helm.sh/v4:Chart"
	TypePlan               = "kubernetes:upgrade.cattle.io/v1:Plan"
	// system-upgrade-controller's objects, and the CRD it registers (read).
	TypeNamespace          = "kubernetes:core/v1:Namespace"
	TypeServiceAccount     = "kubernetes:core/v1:ServiceAccount"
	TypeConfigMap          = "kubernetes:core/v1:ConfigMap"
	TypeClusterRole        = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
	TypeClusterRoleBinding = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
	TypeRole               = "kubernetes:rbac.authorization.k8s.io/v1:Role"
	TypeRoleBinding        = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
	TypeDeployment         = "kubernetes:apps/v1:Deployment"
	TypeCRD                = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
	TypeStash              = "pulumi:index:Stash"
)

// Create is what creating one resource of a type costs.
type Create struct {
	// Requests are the Hetzner API requests other than polls: the reads,
	// the POST, and the GET every hcloud create ends with (the provider's
	// Read).
	Requests int
	// Actions are the Hetzner actions the provider waits for, one after
	// another, polling each; how long each typically runs.
	Actions []time.Duration
	// Latency is how long a create without Hetzner actions takes.
	Latency time.Duration
}

// Duration is how long the create takes: its actions, one after another,
// or its latency.
func (c Create) Duration() time.Duration {
	d := c.Latency
	for _, a := range c.Actions {
		d += a
	}
	return d
}

const second = time.Second

// Creates are the creates by type token, every type the program creates
// but remote commands (see Commands). An entry without requests, actions or
// latency takes no time and costs nothing: it is listed so that a type
// missing from this table is an unknown type, not a free one.
var Creates = map[string]Create{
	// terraform-provider-hcloud, which pulumi-hcloud wraps.
	hetzner.TypeNetwork:        {Requests: 2},                           // POST /networks: no action
	hetzner.TypePlacementGroup: {Requests: 2},                           // POST /placement_groups: no action
	hetzner.TypeSSHKey:         {Requests: 2},                           // POST /ssh_keys: no action
	hetzner.TypeNetworkSubnet:  {Requests: 2, Actions: ds(2 * second)},  // POST .../actions/add_subnet
	hetzner.TypeFirewall:       {Requests: 2, Actions: ds(second)},      // POST /firewalls; apply_to_resources
	hetzner.TypeLoadBalancer:   {Requests: 2, Actions: ds(10 * second)}, // POST /load_balancers (create_load_balancer)
	// GET the server type, image and placement group; POST /servers
	// (create_server, then start_server); POST .../attach_to_network.
	hetzner.TypeServer:              {Requests: 6, Actions: ds(20*second, second, 3*second)},
	hetzner.TypeLoadBalancerNetwork: {Requests: 2, Actions: ds(3 * second)}, // POST .../attach_to_network
	hetzner.TypeLoadBalancerService: {Requests: 2, Actions: ds(2 * second)}, // POST .../add_service
	hetzner.TypeLoadBalancerTarget:  {Requests: 2, Actions: ds(2 * second)}, // POST .../add_target

	// Made locally, on the machine that runs pulumi.
	TypePrivateKey:         {},
	TypeRandomPassword:     {},
	TypeKubernetesProvider: {},
	TypeStash:              {}, // the version the first node installs, kept in state

	// Kubernetes objects, applied through the API load balancer.
	TypeSecret:             {Latency: second},
	TypePlan:               {Latency: second},
	TypeNamespace:          {Latency: second},
	TypeServiceAccount:     {Latency: second},
	TypeConfigMap:          {Latency: second},
	TypeClusterRole:        {Latency: second},
	TypeClusterRoleBinding: {Latency: second},
	TypeRole:               {Latency: second},
	TypeRoleBinding:        {Latency: second},
	TypeDeployment:         {Latency: 10 * second}, // awaited: its image pulled, its pod running
	TypeCRD:                {Latency: second},      // read: one GET
	// A component the kubernetes provider constructs; it comes after the
	// kubeconfig. The engine tests construct it with no children and take
	// this figure the first time, outside --parallel's slots.
	TypeChart: {Latency: 5 * second}, // skipAwait: applied, its pods not waited for
}

func ds(d ...time.Duration) []time.Duration { return d }

// CreateOf is the create of a type; ok is false for a type the table does
// not know (remote commands included: see Commands).
func CreateOf(typ string) (c Create, ok bool) {
	c, ok = Creates[typ]
	return c, ok
}

// Command is what a remote command runs, which decides how long it takes.
type Command string

// The remote commands, by what they run.
const (
	InitInstall  Command = "init install"    // cloud-init, then k3s server --cluster-init
	JoinInstall  Command = "join install"    // cloud-init, then k3s server joins the cluster
	AgentInstall Command = "agent install"   // cloud-init, then k3s agent joins the cluster
	Readiness    Command = "readiness check" // every node Ready, every endpoint answers
	Kubeconfig   Command = "kubeconfig"      // fetch the admin kubeconfig
	K3sVersion   Command = "k3s version"     // one API call over SSH
	EtcdSnapshot Command = "etcd snapshot"   // an on-demand snapshot, uploaded
	UpgradeGate  Command = "upgrade gate"
	Drain        Command = "drain"
	Rollout      Command = "rollout" // creating it runs nothing: it runs on update only
	Teardown     Command = "teardown"
	NodeLabels   Command = "node labels"
	// CRDEstablished waits until system-upgrade-controller, started, has
	// registered the Plan CRD.
	CRDEstablished Command = "CRD established"
)

// A new server, as its install sees it: cloud-init runs from the server's
// boot (once its create and start actions ran) for CloudInit, then, when
// the server's user data downloads the k3s release (k3s.ServerUserData),
// for K3sDownload more. An install waits for what is left of that, then
// downloads k3s itself when cloud-init did not, then starts k3s
// (InstallStart). Assumed, not measured on Hetzner.
const (
	CloudInit   = 10 * second
	K3sDownload = 10 * second // the installer, the binary (about 70 MB) and its checksums, from GitHub
)

// BootAfter is how long after a server's create begins it boots: its
// actions but the last, the attach to the network.
func BootAfter() time.Duration {
	actions := Creates[hetzner.TypeServer].Actions
	var d time.Duration
	for _, a := range actions[:len(actions)-1] {
		d += a
	}
	return d
}

// InstallStart is the part of an install that starts k3s, after cloud-init
// and the download: the install's figure in Commands is all three, for a
// server that has just booted and downloaded nothing.
func InstallStart(install Command) time.Duration {
	return Commands[install] - CloudInit - K3sDownload
}

// Commands are how long each remote command runs, create, update or delete.
var Commands = map[Command]time.Duration{
	InitInstall:  60 * second,
	JoinInstall:  45 * second,
	AgentInstall: 45 * second,
	Readiness:    10 * second,
	Kubeconfig:   2 * second,
	K3sVersion:   2 * second,
	EtcdSnapshot: 30 * second,
	UpgradeGate:  2 * second,
	Drain:        2 * second,
	Rollout:      2 * second,
	Teardown:     2 * second,
	NodeLabels:   2 * second,
	// The controller's first start: pull its image, start, register.
	CRDEstablished: 5 * second, // the controller registers it as it starts, once its awaited Deployment runs; polled every 5 s
}

// LearnerPhase is the part of a control-plane join only one node at a time
// may run: etcd admits one learner at a time, and k3s retries the join
// until its turn comes (k3s pkg/etcd etcd.go:505-509, "too many
// learners"). It is part of JoinInstall, not added to it.
const LearnerPhase = 10 * second

// Changes other than creates.
const (
	ServerResize = 60 * second // power off, change the type, power on
	ServerDelete = 5 * second
	// Change is any other update or delete of a Hetzner resource or a
	// Kubernetes object.
	Change = second
)

// commandSuffixes name commands by the end of their resource name, one per
// node; the rest are named exactly (see CommandNamed).
var (
	commandSuffixes = map[string]Command{"-drain": Drain, "-rollout": Rollout, "-labels": NodeLabels}
	commandNames    = map[string]Command{"kubeconfig": Kubeconfig, "ready": Readiness, "upgrade-gate": UpgradeGate,
		"teardown": Teardown, "etcd-snapshot": EtcdSnapshot, "k3s-version": K3sVersion,
		"plans-crd-established": CRDEstablished}
)

// CommandNamed is what the remote command with the given resource name
// runs. Installs ("<node>-install") are not told apart by name: ok is true
// and the command is "" for them; the caller knows which install it is.
func CommandNamed(name string) (c Command, ok bool) {
	if c, ok := commandNames[name]; ok {
		return c, true
	}
	for suffix, c := range commandSuffixes {
		if strings.HasSuffix(name, suffix) {
			return c, true
		}
	}
	if strings.HasSuffix(name, "-install") {
		return "", true
	}
	return "", false
}

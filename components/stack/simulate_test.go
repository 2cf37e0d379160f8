package stack_test

// How long `pulumi up` takes to create a cluster, from the recorded
// dependency graph. Creation time is bounded below by network → subnet →
// server → install on the first control-plane node (cloud-init, k3s init) →
// join. These tests allow no other wait but the orderings chosen on purpose,
// and report what each of those costs. The time a run takes at each
// --parallel is measured through the engine (internal/enginetest).

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// roleByType names the part each resource type plays in a cluster; commands
// are told apart by roleOf.
var roleByType = map[string]string{
	hetzner.TypeNetwork:               "network",
	hetzner.TypeNetworkSubnet:         "subnet",
	hetzner.TypeFirewall:              "firewall",
	cloudmodel.TypePrivateKey:         "key pair",
	cloudmodel.TypeRandomPassword:     "token",
	hetzner.TypePlacementGroup:        "placement group",
	hetzner.TypeServer:                "server",
	hetzner.TypeLoadBalancer:          "load balancer",
	hetzner.TypeLoadBalancerNetwork:   "lb network",
	hetzner.TypeLoadBalancerService:   "lb service",
	hetzner.TypeLoadBalancerTarget:    "lb target",
	cloudmodel.TypeKubernetesProvider: "kubernetes provider",
	cloudmodel.TypeSecret:             "kubernetes secret",
	cloudmodel.TypeChart:              "helm chart",
	cloudmodel.TypeNamespace:          "upgrade namespace",
	cloudmodel.TypeServiceAccount:     "controller access",
	cloudmodel.TypeClusterRole:        "controller access",
	cloudmodel.TypeClusterRoleBinding: "controller access",
	cloudmodel.TypeRole:               "controller access",
	cloudmodel.TypeRoleBinding:        "controller access",
	cloudmodel.TypeConfigMap:          "controller settings",
	cloudmodel.TypeDeployment:         "upgrade controller",
	cloudmodel.TypeCRD:                "plan CRD",
	cloudmodel.TypePlan:               "upgrade plan",
	cloudmodel.TypeStash:              "pinned version",
}

// roleOf is the part r plays; a command's is what it runs
// (internal/cloudmodel). The install that initialises the cluster is the
// control-plane install that waits for no other install.
func roleOf(r mockcloud.Resource) string {
	if role, ok := roleByType[r.Type]; ok {
		return role
	}
	if r.Type != cloudmodel.TypeCommand {
		return "component"
	}
	switch c, ok := cloudmodel.CommandNamed(r.Name); {
	case !ok:
		return "command"
	case c != "":
		return string(c)
	case !strings.Contains(string(resource.URN(r.URN).QualifiedType()), "hcloud-k3s:index:ControlPlane$"):
		return string(cloudmodel.AgentInstall)
	case slices.ContainsFunc(r.Dependencies, isInstall):
		return string(cloudmodel.JoinInstall)
	default:
		return string(cloudmodel.InitInstall)
	}
}

func isCommand(urn string) bool { return string(resource.URN(urn).Type()) == cloudmodel.TypeCommand }

func isInstall(urn string) bool {
	u := resource.URN(urn)
	return string(u.Type()) == cloudmodel.TypeCommand && strings.HasSuffix(u.Name(), "-install")
}

// latencyOf is how long creating r takes, from the one registry
// (internal/cloudmodel): a Hetzner create its actions, a command what it
// runs, or nothing when its create runs nothing (a rollout, a drain).
// known is false for a resource the registry has no figure for.
func latencyOf(r mockcloud.Resource) time.Duration {
	d, _ := knownLatency(r)
	return d
}

func knownLatency(r mockcloud.Resource) (d time.Duration, known bool) {
	if r.Type != cloudmodel.TypeCommand {
		c, ok := cloudmodel.CreateOf(r.Type)
		return c.Duration(), ok
	}
	d, known = cloudmodel.Commands[cloudmodel.Command(roleOf(r))]
	if r.Inputs["create"].IsNull() || r.Inputs["create"].StringValue() == "" {
		return 0, known
	}
	return d, known
}

// mayWaitFor is, for each part, what it needs to wait for; any other edge
// could only delay creation. "own server" and "own install" belong to the
// same node. Every resource also waits for its own provider.
var mayWaitFor = map[string][]string{
	"subnet":              {"network"},
	"server":              {"subnet", "firewall", "key pair", "placement group"},                      // cloud-init installs the public key
	"init install":        {"own server", "key pair", "token", "load balancer", "own pinned version"}, // SSH; token and S3 secret on stdin; LB IPs as TLS SANs
	"join install":        {"own server", "key pair", "token", "load balancer", "init install", "k3s version"},
	"k3s version":         {"init install", "server", "key pair"}, // read on the first control-plane server: what joining nodes install
	"etcd snapshot":       {"init install", "server", "key pair"},
	"agent install":       {"own server", "key pair", "token", "init install", "k3s version"},
	"readiness check":     {"init install", "join install", "agent install", "server", "key pair", "load balancer"}, // every node, every endpoint
	"kubeconfig":          {"init install", "server", "key pair"},
	"drain":               {"own install", "own server", "server", "key pair"},                                             // runs on the first control-plane server; replaced with its own
	"upgrade gate":        {"init install", "server", "key pair", "etcd snapshot"},                                         // upgrades wait for a snapshot in S3
	"rollout":             {"own install", "own server", "key pair", "load balancer", "k3s version", "own pinned version"}, // its config digest holds the LB's IPs and the version
	"pinned version":      {"own server"},                                                                                  // replaced with its server, so a rebuilt first node installs the version pinned then
	"teardown":            {"server", "key pair"},
	"node labels":         {"readiness check", "server", "key pair"}, // runs on the first control-plane server once every node is up
	"kubernetes provider": {"kubeconfig", "server", "load balancer"}, // its context is an endpoint the readiness step checked
	"kubernetes secret":   {"network"},                               // holds its ID
	"upgrade plan":        {"plan CRD", "upgrade gate", "upgrade plan"},
	"plan CRD":            {"CRD established"},                                               // read once the controller has registered it
	"CRD established":     {"upgrade controller", "server", "key pair"},                      // runs on the first control-plane server
	"upgrade controller":  {"upgrade namespace", "controller access", "controller settings"}, // starts with its account, rights and settings
	"controller access":   {"upgrade namespace"},
	"controller settings": {"upgrade namespace"},
	"lb network":          {"load balancer", "subnet"},
	"lb service":          {"load balancer"},
	"lb target":           {"load balancer", "lb network"},
}

// deliberate are the orderings chosen on purpose, and why; the tests report
// what each costs.
var deliberate = map[[2]string]string{
	{"drain", "drain"}:                "control-plane nodes leave one at a time",
	{"rollout", "rollout"}:            "restarts after a config change roll, one control-plane node (or a batch of workers) at a time",
	{"teardown", "drain"}:             "pulumi destroy marks the cluster as torn down before any drain runs",
	{"kubeconfig", "join install"}:    "the kubeconfig waits for every control-plane node it names",
	{"kubeconfig", "readiness check"}: "the kubeconfig, and so every add-on, waits for every node",
}

// edgeKind says why `from` waits for `to`: "needed", "deliberate", or
// "extra" (nothing needs it).
func edgeKind(from, to mockcloud.Resource) string {
	switch {
	case deliberate[[2]string{roleOf(from), roleOf(to)}] != "":
		return "deliberate"
	case slices.Contains(mayWaitFor[roleOf(from)], roleSeenFrom(from, to)):
		return "needed"
	default:
		return "extra"
	}
}

// roleSeenFrom is to's role, or "own server" or "own install" when it
// belongs to the same node as from.
func roleSeenFrom(from, to mockcloud.Resource) string {
	role := roleOf(to)
	if from.Parent != to.Parent {
		return role
	}
	switch {
	case role == "server":
		return "own server"
	case strings.HasSuffix(role, " install"):
		return "own install"
	case role == "pinned version":
		return "own pinned version"
	}
	return role
}

// edge is one recorded dependency.
type edge struct{ from, to mockcloud.Resource }

func (e edge) String() string {
	return roleOf(e.from) + " " + e.from.Name + " → " + roleOf(e.to) + " " + e.to.Name
}

// edgesOfKind are the recorded dependencies of one kind.
func edgesOfKind(resources []mockcloud.Resource, kind string) []edge {
	byURN := indexByURN(resources)
	var edges []edge
	for _, r := range resources {
		for _, dep := range r.Dependencies {
			if e := (edge{r, byURN[dep]}); edgeKind(e.from, e.to) == kind {
				edges = append(edges, e)
			}
		}
	}
	return edges
}

func indexByURN(resources []mockcloud.Resource) map[string]mockcloud.Resource {
	byURN := map[string]mockcloud.Resource{}
	for _, r := range resources {
		byURN[r.URN] = r
	}
	return byURN
}

// withoutDeliberate rewires each deliberate edge whose reason is listed (any,
// when none is) from a → b to what a needs among b's own dependencies: the
// graph as if the ordering had not been chosen.
func withoutDeliberate(resources []mockcloud.Resource, reasons ...string) []mockcloud.Resource {
	byURN := indexByURN(resources)
	out := slices.Clone(resources)
	for i, r := range out {
		out[i].Dependencies = rewire(r, r.Dependencies, byURN, reasons, false)
	}
	return out
}

// rewire keeps from's dependencies in deps, replacing a rewired deliberate
// one by what from needs among its dependencies; inherited ones are kept
// only when from needs them.
func rewire(from mockcloud.Resource, deps []string, byURN map[string]mockcloud.Resource, reasons []string, inherited bool) []string {
	var kept []string
	for _, dep := range deps {
		to := byURN[dep]
		reason := deliberate[[2]string{roleOf(from), roleOf(to)}]
		switch kind := edgeKind(from, to); {
		case kind == "deliberate" && (len(reasons) == 0 || slices.Contains(reasons, reason)):
			kept = append(kept, rewire(from, to.Dependencies, byURN, reasons, true)...)
		case kind == "needed" || !inherited:
			kept = append(kept, dep)
		}
	}
	return kept
}

// path is a chain of resources, each waiting for the one before it.
type path struct {
	resources []mockcloud.Resource
	length    time.Duration
}

// longestPath is the least time any schedule needs to create resources.
func longestPath(t *testing.T, resources []mockcloud.Resource) path {
	t.Helper()
	steps := make([]cloudmodel.Step, len(resources))
	for i, r := range resources {
		steps[i] = cloudmodel.Step{URN: r.URN, WaitsFor: cloudmodel.WaitsFor(r.Dependencies, r.Provider), Latency: latencyOf(r)}
	}
	p, err := cloudmodel.LongestPath(steps)
	if err != nil {
		t.Fatal(err)
	}
	byURN := indexByURN(resources)
	out := path{length: p.Length}
	for _, s := range p.Steps {
		out.resources = append(out.resources, byURN[s.URN])
	}
	return out
}

func describe(p path) string {
	var steps []string
	for _, r := range p.resources {
		if d := latencyOf(r); d > 0 {
			steps = append(steps, fmt.Sprintf("%s %s (%v)", roleOf(r), r.Name, d))
		}
	}
	return strings.Join(steps, " → ") + fmt.Sprintf(" = %v", p.length)
}

func TestCriticalPathHasNoExtraEdge(t *testing.T) {
	resources := runProgram(t, scaledConfig(t, 40)).Resources
	for _, e := range edgesOfKind(resources, "extra") {
		t.Errorf("needless wait: %s", e)
	}
	var inits []string
	for _, r := range resources {
		if roleOf(r) == "init install" {
			inits = append(inits, r.Name)
		}
		if _, known := knownLatency(r); !known && r.Custom {
			t.Errorf("%s %s plays no known part: give it a latency and what it may wait for", r.Type, r.Name)
		}
	}
	if len(inits) != 1 {
		t.Fatalf("installs that initialise the cluster: %v, want one", inits)
	}
	program := longestPath(t, resources)
	t.Logf("critical path: %s", describe(program))
	for _, reason := range slices.Sorted(maps.Values(deliberate)) {
		without := longestPath(t, withoutDeliberate(resources, reason))
		t.Logf("%s: costs %v; without it: %s", reason, program.length-without.length, describe(without))
	}
	t.Logf("without any deliberate ordering: %s", describe(longestPath(t, withoutDeliberate(resources))))
}

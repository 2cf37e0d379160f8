package stack_test

// Day-two changes as Hetzner and k3s apply them: what waits for what when a
// running cluster changes, read from the graph the program registers.

import (
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"

	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
)

// stackOn runs the program against a Hetzner project that already holds what
// existing lists.
func stackOn(t *testing.T, name string, overrides map[string]any, existing mockcloud.Existing) (graph, error) {
	t.Helper()
	return runStack(t, name, overrides, mockcloud.Options{Existing: &existing})
}

// prodServers are the servers of the prod stack as Hetzner holds them.
func prodServers(cpType, generalType string) []mockcloud.ExistingServer {
	servers := []mockcloud.ExistingServer{{Name: "prod-arm-1", ServerType: "cax21"}, {Name: "prod-arm-2", ServerType: "cax21"}}
	for _, n := range []string{"1", "2", "3"} {
		servers = append(servers, mockcloud.ExistingServer{Name: "prod-cp-" + n, ServerType: cpType},
			mockcloud.ExistingServer{Name: "prod-general-" + n, ServerType: generalType})
	}
	return servers
}

// runningProd is the prod stack run against the servers it already runs, of
// the types Pulumi.prod.yaml gives them: a change to a running cluster.
func runningProd(t *testing.T, overrides map[string]any) graph {
	t.Helper()
	g, err := stackOn(t, "prod", overrides, mockcloud.Existing{Servers: prodServers("cx33", "cpx32")})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// waitsDirectly reports whether a lists b among its dependencies.
func (g graph) waitsDirectly(a, b mockcloud.Resource) bool {
	return slices.Contains(a.Dependencies, b.URN)
}

func TestRestartsRollOneControlPlaneNodeAndOneWorkerAtATime(t *testing.T) {
	g := runningProd(t, nil)
	rollout := func(name string) mockcloud.Resource { return g.get(command, name+"-rollout") }
	order := []string{"cp-1", "cp-2", "cp-3"}
	workers := []string{"general-1", "general-2", "general-3", "arm-1", "arm-2"} // upgrade.agentConcurrency 1
	for _, chain := range [][]string{order, workers} {
		for i := 1; i < len(chain); i++ {
			if !g.waitsDirectly(rollout(chain[i]), rollout(chain[i-1])) {
				t.Errorf("%s's rollout does not wait for %s's", chain[i], chain[i-1])
			}
		}
	}
	for _, name := range append(order, workers...) {
		r := rollout(name)
		// Nothing runs when the rollout is created, so creation never waits for
		// the chain (TestCriticalPathHasNoExtraEdge); it runs on an update only.
		if _, ok := r.Inputs["create"]; ok || !strings.Contains(r.Inputs["update"].StringValue(), "unit_action restart") {
			t.Errorf("%s rollout: create %v, want only an update that restarts k3s", name, r.Inputs["create"])
		}
		if !g.waitsDirectly(r, g.get(command, name+"-install")) {
			t.Errorf("%s's rollout does not wait for its install, which leaves the restart pending", name)
		}
	}
	if g.dependsOn(rollout("general-1"), rollout("cp-3")) {
		t.Error("workers wait for the control plane's restarts; they need not")
	}
}

func TestAServerFlagRestartsEachServerAndNoWorker(t *testing.T) {
	before := stack(t, "prod", nil)
	after := stack(t, "prod", map[string]any{"k3s": map[string]any{"extraServerArgs": []string{"--kube-apiserver-arg=audit-log-maxage=30"}}})
	changed := diff(before, after).changed
	for _, name := range []string{"cp-1", "cp-2", "cp-3"} {
		if !slices.Equal(changed[command+"/"+name+"-rollout"], []string{"update"}) {
			t.Errorf("%s rollout: changed %v, want its update (the restart, in turn)", name, changed[command+"/"+name+"-rollout"])
		}
	}
	if _, ok := changed[command+"/general-1-rollout"]; ok {
		t.Error("a server-only flag restarts workers")
	}
}

func TestResizesRollThroughTheExistingServers(t *testing.T) {
	// The prod stack asks for cx33 control-plane and cpx32 general servers.
	g, err := stackOn(t, "prod", nil, mockcloud.Existing{Servers: prodServers("cx23", "cpx22")})
	if err != nil {
		t.Fatal(err)
	}
	serverOf := func(name string) mockcloud.Resource { return g.get(server, name) }
	rollout := func(name string) mockcloud.Resource { return g.get(command, name+"-rollout") }
	for _, pair := range [][2]string{{"cp-2", "cp-1"}, {"cp-3", "cp-2"}, {"general-2", "general-1"}, {"general-3", "general-2"}} {
		if !g.waitsDirectly(serverOf(pair[0]), rollout(pair[1])) {
			t.Errorf("server %s is resized before %s is ready again", pair[0], pair[1])
		}
	}
	for _, name := range []string{"cp-1", "general-1", "arm-2"} {
		if slices.ContainsFunc(serverOf(name).Dependencies, isCommand) {
			t.Errorf("server %s waits for a command, but nothing is resized before it", name)
		}
	}
	if r := rollout("cp-1"); !strings.Contains(r.Inputs["update"].StringValue(), "server_type='cx33'") {
		t.Error("a resize does not re-run the rollout that waits until the node is ready again")
	}

	fresh := stack(t, "prod", nil) // a new project: nothing to resize, nothing waits
	for _, name := range fresh.names(server) {
		if slices.ContainsFunc(fresh.get(server, name).Dependencies, isCommand) {
			t.Errorf("creating server %s waits for a command", name)
		}
	}
}

func TestANewNetworkCIDRIsRefusedBeforeAnythingIsRegistered(t *testing.T) {
	existing := mockcloud.Existing{Networks: []mockcloud.ExistingNetwork{{Name: "prod", IPRange: "10.0.0.0/16"}}}
	g, err := stackOn(t, "prod", map[string]any{"network": map[string]any{"cidr": "10.1.0.0/16"}}, existing)
	want := "hcloud-k3s:network.cidr: 10.1.0.0/16 is not allowed: the cluster's network prod has 10.0.0.0/16"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
	if len(g.Resources) != 0 {
		t.Errorf("registered %d resources before refusing", len(g.Resources))
	}
	if _, err := stackOn(t, "prod", nil, existing); err != nil {
		t.Errorf("the same CIDR is refused: %v", err)
	}
}

func TestTeardownIsDeletedBeforeAnyDrain(t *testing.T) {
	g := stack(t, "prod", nil)
	teardown := g.get(command, "teardown")
	for _, name := range g.names(command) {
		if strings.HasSuffix(name, "-drain") && !g.waitsDirectly(teardown, g.get(command, name)) {
			t.Errorf("teardown does not depend on %s: pulumi destroy could run that drain first", name)
		}
	}
	if !strings.Contains(teardown.Inputs["delete"].StringValue(), `touch "$root$teardown_marker"`) {
		t.Error("deleting the teardown step does not mark the cluster as being destroyed")
	}
}

func TestLabelsAndTaintsFollowTheConfigOnRunningNodes(t *testing.T) {
	before := stack(t, "prod", nil)
	after := stack(t, "prod", map[string]any{"workerPools": []any{
		map[string]any{"name": "general", "count": 3, "serverType": "cpx32", "location": "nbg1", "labels": map[string]any{"tier": "web"}},
		map[string]any{"name": "arm", "count": 2, "serverType": "cax21", "location": "fsn1",
			"labels": map[string]any{"hcloud-k3s/pool": "arm"}, "taints": []string{"kubernetes.io/arch=arm64:NoSchedule"}},
	}})
	labels := after.get(command, "general-labels")
	script := labels.Inputs["create"].StringValue()
	if !strings.Contains(script, "labels='tier=web'") || !strings.Contains(script, "nodes='prod-general-1 prod-general-2 prod-general-3'") {
		t.Errorf("general-labels does not apply the new labels to the pool's nodes:\n%s", script)
	}
	changed := diff(before, after).changed
	if !slices.Equal(changed[command+"/general-labels"], []string{"create"}) {
		t.Errorf("general-labels: changed %v, want it to re-run", changed[command+"/general-labels"])
	}
	if _, ok := changed[command+"/arm-labels"]; ok {
		t.Error("the arm pool's labels step re-runs although its labels did not change")
	}
	if !after.waitsDirectly(labels, after.get(command, "ready")) {
		t.Error("labels are applied before every node has registered")
	}

	schedulable := stack(t, "prod", map[string]any{"controlPlane": map[string]any{"count": 3, "serverType": "cx33",
		"locations": []string{"fsn1", "nbg1", "hel1"}, "schedulable": true}})
	cp := schedulable.get(command, "control-plane-labels").Inputs["create"].StringValue()
	if !strings.Contains(cp, "taints=''") || !strings.Contains(cp, "known='CriticalAddonsOnly:NoExecute'") {
		t.Errorf("a schedulable control plane keeps its taint:\n%s", cp)
	}
}

func TestTheAPILoadBalancerIsReplacedOldFirst(t *testing.T) {
	g := stack(t, "prod", nil)
	for _, typ := range []string{lbType, hetzner.TypeLoadBalancerNetwork} {
		if !g.get(typ, "api-lb").DeleteBeforeReplace {
			t.Errorf("%s is created before the old one is deleted: its name or fixed IP would collide", typ)
		}
	}
}

func TestJoiningNodesInstallTheVersionOfTheControlPlane(t *testing.T) {
	g, err := stackOn(t, "prod", nil, mockcloud.Existing{Servers: prodServers("cx33", "cpx32")})
	if err != nil {
		t.Fatal(err)
	}
	version := g.get(command, "k3s-version")
	if !g.waitsDirectly(version, g.get(command, "cp-1-install")) {
		t.Error("the version joining nodes install is not read on the first control-plane node")
	}
	for _, name := range []string{"cp-2", "cp-3", "general-1", "arm-2"} {
		install := g.get(command, name+"-install")
		if !slices.Contains(install.PropertyDependencies["create"], version.URN) {
			t.Errorf("%s installs the pinned version, not the one the control plane runs", name)
		}
		// Nothing of the install is ignored: it never runs with values kept in state.
		if len(install.IgnoreChanges) != 0 {
			t.Errorf("%s ignores changes to %v", name, install.IgnoreChanges)
		}
	}
	if slices.Contains(g.get(command, "cp-1-install").Dependencies, version.URN) {
		t.Error("the first control-plane node's install waits for a step that runs on it")
	}
	// A new cluster's nodes join as soon as the first node is up: it
	// installs the pinned version, which they install too.
	created := stack(t, "prod", nil)
	read := created.get(command, "k3s-version")
	for _, name := range []string{"cp-2", "cp-3", "general-1", "arm-2"} {
		install := created.get(command, name+"-install")
		if slices.Contains(install.PropertyDependencies["create"], read.URN) || slices.Contains(install.Dependencies, read.URN) {
			t.Errorf("new cluster: %s's install waits for the version read", name)
		}
		if !strings.Contains(install.Inputs["create"].StringValue(), "\nversion='"+config.DefaultK3sVersion+"'\n") {
			t.Errorf("new cluster: %s does not install the pinned version", name)
		}
	}
	// The same config registers the same graph whatever already runs: a
	// step that appeared once the cluster existed would be created by the
	// second up, and show every install as changing.
	if !slices.Equal(created.names(command), g.names(command)) {
		t.Error("a new cluster and a running one register different commands")
	}
}

// TestNewNodesTakeNoTurn: a new node's rollout runs nothing when it is
// created, so it waits for its own install only. A new cluster is therefore
// no chain of rollouts, however many workers it has, and nodes added to a
// running cluster do not wait for the running ones.
func TestNewNodesTakeNoTurn(t *testing.T) {
	grown := map[string]any{"workerPools": []any{
		map[string]any{"name": "general", "count": 5, "serverType": "cpx32", "location": "nbg1", "labels": map[string]any{"hcloud-k3s/pool": "general"}},
		map[string]any{"name": "arm", "count": 2, "serverType": "cax21", "location": "fsn1",
			"labels": map[string]any{"hcloud-k3s/pool": "arm"}, "taints": []string{"kubernetes.io/arch=arm64:NoSchedule"}},
	}}
	waitsForRollout := func(g graph, name string) []string {
		var rollouts []string
		for _, dep := range g.get(command, name+"-rollout").Dependencies {
			if d := g.byURN(dep); strings.HasSuffix(d.Name, "-rollout") {
				rollouts = append(rollouts, d.Name)
			}
		}
		return rollouts
	}
	created := stack(t, "prod", grown)
	for _, n := range []string{"cp-1", "cp-2", "cp-3", "general-1", "general-5", "arm-1", "arm-2"} {
		if got := waitsForRollout(created, n); len(got) != 0 {
			t.Errorf("new cluster: %s's rollout waits for %v", n, got)
		}
	}
	running := runningProd(t, grown)
	for n, want := range map[string][]string{"general-2": {"general-1-rollout"}, "arm-1": {"general-3-rollout"}, "general-4": nil, "general-5": nil} {
		if got := waitsForRollout(running, n); !slices.Equal(got, want) {
			t.Errorf("grown cluster: %s's rollout waits for %v, want %v", n, got, want)
		}
	}
}

package enginetest

// Autoscaled pools: the cluster-autoscaler's servers in the simulated
// project, and what up, removing a pool and destroy do with them.

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	hcloudk3s "github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// The autoscaler as the simulated project sees it: the Deployment the
// program registers says which node groups it manages and which network
// and firewall its servers get (HCLOUD_NETWORK, HCLOUD_FIREWALL); while it
// runs, it keeps each group at its minimum (--enforce-node-group-min-size),
// and scaleUp stands for pods it cannot place. It creates servers as
// createServer in cloudprovider/hetzner/hetzner_node_group.go does: named
// <group>-<hex>, labelled only with the node group, in the network and
// behind the firewall from the start.
type autoscalerModel struct {
	mu       sync.Mutex
	running  bool
	network  string
	firewall string
	minimum  map[string]int // by node group
	lastName int
}

const deploymentType = cloudmodel.TypeDeployment

// runAutoscaler starts, or reconfigures, the autoscaler when its Deployment
// is created or updated, and brings every node group to its minimum.
func (w *world) runAutoscaler(urn resource.URN, inputs property.Map) error {
	if string(urn.Type()) != deploymentType || urn.Name() != "cluster-autoscaler" {
		return nil
	}
	container := at(inputs, "spec", "template", "spec", "containers").AsArray().Get(0).AsMap()
	a := &w.autoscaler
	a.mu.Lock()
	a.running, a.minimum = true, map[string]int{}
	for _, arg := range container.Get("args").AsArray().AsSlice() {
		spec, ok := strings.CutPrefix(arg.AsString(), "--nodes=")
		if !ok {
			continue
		}
		fields := strings.Split(spec, ":")
		a.minimum[fields[4]], _ = strconv.Atoi(fields[0])
	}
	for _, env := range container.Get("env").AsArray().AsSlice() {
		switch str(env.AsMap(), "name") {
		case "HCLOUD_NETWORK":
			a.network = str(env.AsMap(), "value")
		case "HCLOUD_FIREWALL":
			a.firewall = str(env.AsMap(), "value")
		}
	}
	a.mu.Unlock()
	for group, min := range a.minimum {
		if missing := min - len(w.cloud.labelled(hcloudk3s.LabelNodeGroup, group)); missing > 0 {
			if err := w.scaleUp(group, missing); err != nil {
				return err
			}
		}
	}
	return nil
}

// stopAutoscaler stops the autoscaler when its Deployment is deleted.
func (w *world) stopAutoscaler(urn resource.URN) {
	if string(urn.Type()) == deploymentType && urn.Name() == "cluster-autoscaler" {
		w.autoscaler.mu.Lock()
		w.autoscaler.running = false
		w.autoscaler.mu.Unlock()
	}
}

// scaleUp has the running autoscaler create n servers in a node group.
func (w *world) scaleUp(group string, n int) error {
	a := &w.autoscaler
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.running {
		return fmt.Errorf("the autoscaler is not running")
	}
	subnet := w.cloud.subnetOf(a.network)
	for range n {
		a.lastName++
		_, _, err := w.cloud.create(serverType, property.NewMap(map[string]property.Value{
			"name":        property.New(fmt.Sprintf("%s-%x", group, 0x5eed0000+a.lastName)),
			"labels":      property.New(map[string]property.Value{hcloudk3s.LabelNodeGroup: property.New(group)}),
			"networks":    property.New([]property.Value{property.New(map[string]property.Value{"subnetId": property.New(subnet)})}),
			"firewallIds": property.New([]property.Value{property.New(a.firewall)}),
		}))
		if err != nil {
			return err
		}
	}
	return nil
}

// removeNodeGroup is the delete of the step that removes a node group's
// servers: it deletes them through the API, as its script does, with the
// token it reads on stdin.
func (w *world) removeNodeGroup(inputs property.Map) error {
	script := str(inputs, "delete")
	group, ok := scriptParam(script, "node_group")
	if !ok || !strings.Contains(script, "\nlabel='"+hcloudk3s.LabelNodeGroup+"'\n") {
		return nil
	}
	if str(inputs, "stdin") != mockcloud.TestToken+"\n" {
		return fmt.Errorf("hcloud-k3s: error: no Hetzner API token on stdin")
	}
	for _, name := range w.cloud.labelled(hcloudk3s.LabelNodeGroup, group) {
		w.cloud.deleteServer(name)
	}
	return nil
}

func scriptParam(script, name string) (string, bool) {
	_, rest, ok := strings.Cut(script, "\n"+name+"='")
	value, _, _ := strings.Cut(rest, "'")
	return value, ok
}

// labelled are the names of the servers whose label key has value.
func (h *hetzner) labelled(key, value string) []string {
	var names []string
	for _, v := range h.list(serverType, key+"="+value) {
		names = append(names, str(v.AsMap(), "name"))
	}
	return names
}

// idOf is the ID of the resource of a type with a name.
func (h *hetzner) idOf(typ tokens.Type, name string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, o := range h.objects {
		if o.typ == typ && o.name() == name {
			return id
		}
	}
	return ""
}

// subnetOf is the ID of a network's subnet, as servers attach by it.
func (h *hetzner) subnetOf(network string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, o := range h.objects {
		if o.typ == subnetType && str(o.state, "networkId") == network {
			return id
		}
	}
	return ""
}

func at(m property.Map, path ...string) property.Value {
	v := property.New(m)
	for _, key := range path {
		v = v.AsMap().Get(key)
	}
	return v
}

// burst is an autoscaled pool of the dev and prod stacks' zone.
func burst(min, max int) map[string]any {
	return map[string]any{"name": "burst", "serverType": "cx33", "location": "nbg1",
		"labels": map[string]any{"tier": "burst"}, "autoscaling": map[string]any{"min": min, "max": max}}
}

// withBurst are a stack's fixed pools (from its Pulumi.<stack>.yaml) and burst.
func withBurst(stack string, min, max int) []any {
	fixed := map[string][]any{
		"dev":  {devWorkers(2)},
		"prod": {map[string]any{"name": "general", "count": 3, "serverType": "cpx32", "location": "nbg1"}},
	}
	return append(fixed[stack], burst(min, max))
}

// upWithBurst brings up a stack with one fixed and one autoscaled pool.
func upWithBurst(t *testing.T, w *world, name string, min, max int) (*Stack, *Run) {
	t.Helper()
	s := newStack(w, name, map[string]any{"workerPools": withBurst(name, min, max)})
	return s, s.Up(t).Check(t)
}

func TestAutoscaledPoolDeploysTheAutoscaler(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld()
			_, r := upWithBurst(t, w, name, 1, 5)
			_, ok := r.Find(create, "cluster-autoscaler")
			r.Expect(t, ok, "cluster-autoscaler was not created")
			r.Expect(t, len(r.Of(serverTypeName, create)) > 0 && !slices.ContainsFunc(r.Of(serverTypeName, create), func(s Step) bool {
				return strings.HasPrefix(s.Name(), "burst")
			}), "the program registered servers for the autoscaled pool")
			servers := w.cloud.labelled(hcloudk3s.LabelNodeGroup, name+"-burst")
			r.Expect(t, len(servers) == 1, "the autoscaler runs %d servers of %s-burst, want its minimum, 1", len(servers), name)
			for _, server := range servers {
				r.Expect(t, strings.HasPrefix(server, name+"-burst-"), "server %s is not named after its node group", server)
			}
			// The model's autoscaler attaches its servers to what it was given.
			network, firewall := w.autoscaler.network, w.autoscaler.firewall
			r.Expect(t, network == w.cloud.idOf(networkType, name) && firewall == w.cloud.idOf(firewallType, name),
				"the autoscaler was given network %s and firewall %s, not the cluster's", network, firewall)
		})
	}
}

func TestChangingBoundsOnlyUpdatesTheAutoscaler(t *testing.T) {
	w := newWorld()
	s, _ := upWithBurst(t, w, "prod", 1, 5)
	s.Set("workerPools", withBurst("prod", 2, 8))
	r := s.Up(t).Check(t)
	r.Expect(t, slices.Equal(Names(r.Steps), []string{"update cluster-autoscaler"}), "steps %v, want only the autoscaler updated", Names(r.Steps))
	r.Expect(t, len(w.cloud.labelled(hcloudk3s.LabelNodeGroup, "prod-burst")) == 2, "the autoscaler did not keep the new minimum")
}

func TestRemovingAnAutoscaledPoolDeletesItsServers(t *testing.T) {
	w := newWorld()
	s, _ := upWithBurst(t, w, "prod", 1, 5)
	if err := w.scaleUp("prod-burst", 2); err != nil {
		t.Fatal(err)
	}
	s.Set("workerPools", withBurst("prod", 0, 0)[:1])
	r := s.Up(t).Check(t)
	left := w.cloud.labelled(hcloudk3s.LabelNodeGroup, "prod-burst")
	r.Expect(t, len(left) == 0, "servers of the removed pool are still running: %v", left)
	removal, ok := r.Find(del, "burst-autoscaled-servers")
	r.Expect(t, ok, "the removal of the pool's servers did not run")
	autoscaler, stopped := r.Find(del, "cluster-autoscaler")
	r.Expect(t, stopped && autoscaler.End < removal.Begin, "the autoscaler was not stopped before the pool's servers were removed")
}

func TestDestroyRemovesTheAutoscalersServersBeforeTheNetwork(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld()
			s, _ := upWithBurst(t, w, name, 1, 5)
			if err := w.scaleUp(name+"-burst", 3); err != nil {
				t.Fatal(err)
			}
			expectDependency(t, s, deploymentType, "cluster-autoscaler", "burst-autoscaled-servers")
			expectDependency(t, s, string(commandType), "burst-autoscaled-servers", "firewall")
			w.scale = time.Millisecond // deletes take their time: only dependencies order them
			r := s.Destroy(t).Check(t)
			removal, ok := r.Find(del, "burst-autoscaled-servers")
			r.Expect(t, ok, "the removal of the autoscaler's servers did not run")
			autoscaler, deleted := r.Find(del, "cluster-autoscaler")
			r.Expect(t, deleted && autoscaler.End < removal.Begin, "the autoscaler still ran while its servers were removed")
			for _, typ := range []tokens.Type{networkType, subnetType, firewallType, placementType, serverType} {
				steps := r.Of(string(typ), del)
				r.Expect(t, len(steps) > 0, "no %s was deleted", typ)
				for _, step := range steps {
					r.Expect(t, removal.End < step.Begin, "%s %s was deleted before the autoscaler's servers were removed", typ.Name(), step.Name())
				}
			}
			r.Expect(t, w.cloud.count() == 0, "the project still holds %d resources: %v", w.cloud.count(), w.cloud.names(serverType))
		})
	}
}

func TestAutoscalingPreviewSaysWhatItCannotKnow(t *testing.T) {
	w := newWorld()
	s := newStack(w, "dev", map[string]any{"workerPools": withBurst("dev", 0, 4)})
	r := s.Preview(t).Check(t)
	r.Expect(t, strings.Count(r.Logged(), "no preview lists them") == 1,
		"the preview did not say once that autoscaled servers are not in it: %q", r.Logged())
	up := s.Up(t).Check(t)
	bounds := stackOutputs(s)["autoscaledPools"]
	up.Expect(t, bounds.IsObject() && bounds.ObjectValue()["burst"].ObjectValue()["max"].NumberValue() == 4,
		"stack output autoscaledPools = %v, want burst's bounds", bounds)
}

// expectDependency checks that the state records that the resource of type
// typ named dependent depends on the one named dependency: a destroy
// deletes dependent first.
func expectDependency(t *testing.T, s *Stack, typ, dependent, dependency string) {
	t.Helper()
	var urns []resource.URN
	for _, res := range s.Resources() {
		if res.URN.Name() == dependency && !strings.HasPrefix(string(res.Type), "hcloud-k3s:") {
			urns = append(urns, res.URN)
		}
	}
	for _, res := range s.Resources() {
		if res.URN.Name() == dependent && string(res.Type) == typ {
			for _, urn := range urns {
				if slices.Contains(res.Dependencies, urn) {
					return
				}
			}
			t.Errorf("%s does not depend on %s: its dependencies are %v", dependent, dependency, res.Dependencies)
			return
		}
	}
	t.Errorf("no resource %s in the state", dependent)
}

func stackOutputs(s *Stack) resource.PropertyMap {
	for _, res := range s.Resources() {
		if res.Type == "pulumi:pulumi:Stack" {
			return res.Outputs
		}
	}
	return nil
}

// The join configuration holds the cluster token, base64-encoded in
// HCLOUD_CLUSTER_CONFIG: the secret scan of every run decodes it.
func TestSecretScanSeesThroughTheAutoscalersConfig(t *testing.T) {
	token := "k3s-cluster-token-0123456789"
	config := base64.StdEncoding.EncodeToString([]byte(`{"nodeConfigs":{"prod-burst":{"cloudInit":"content: ` + token + `"}}}`))
	if containedSecret(config, []string{token}) != token {
		t.Error("the scan missed a token inside a base64 value")
	}
	if containedSecret(base64.StdEncoding.EncodeToString([]byte("no token")), []string{token}) != "" {
		t.Error("the scan found a token where there is none")
	}
}

// The policy pack judges the autoscaler the program deploys as it judges
// any: its servers are behind the cluster's firewall and in its network,
// on the first up (IDs unknown in preview) and the next.
func TestPolicyPackPassesTheAutoscaler(t *testing.T) {
	pack := startPolicyPack(t)
	s := newStack(newWorld(), "dev", map[string]any{"workerPools": withBurst("dev", 0, 3)})
	pack.use(s)
	for range 2 {
		r := s.Up(t).Check(t)
		r.Expect(t, len(r.Violations) == 0, "policy violations: %v", r.Violations)
	}
}

// With two autoscaled pools, removing one reconfigures the autoscaler
// first (it no longer manages that node group), then removes that pool's
// servers only.
func TestRemovingOneOfTwoAutoscaledPoolsKeepsTheOther(t *testing.T) {
	w := newWorld()
	batch := map[string]any{"name": "batch", "serverType": "cx23", "location": "nbg1", "autoscaling": map[string]any{"min": 1, "max": 4}}
	s := newStack(w, "dev", map[string]any{"workerPools": append(withBurst("dev", 1, 5), batch)})
	s.Up(t).Check(t)
	s.Set("workerPools", withBurst("dev", 1, 5))
	r := s.Up(t).Check(t)
	reconfigured, ok := r.Find(update, "cluster-autoscaler")
	removal, removed := r.Find(del, "batch-autoscaled-servers")
	r.Expect(t, ok && removed && reconfigured.End < removal.Begin, "the autoscaler was not reconfigured before batch's servers were removed")
	r.Expect(t, len(w.cloud.labelled(hcloudk3s.LabelNodeGroup, "dev-batch")) == 0, "batch's servers are still running")
	r.Expect(t, len(w.cloud.labelled(hcloudk3s.LabelNodeGroup, "dev-burst")) == 1, "burst's server was removed too")
}

// A k3s upgrade reaches running autoscaled nodes through the agent Plan,
// as every worker, and new ones through the autoscaler's new cloud-init:
// its Secret changes, and the Deployment rolls to read it.
func TestK3sUpgradeReachesAutoscaledNodes(t *testing.T) {
	s, _ := upWithBurst(t, newWorld(), "dev", 1, 5)
	s.Set("k3sVersion", "v1.34.1+k3s1")
	r := s.Up(t).Check(t)
	for _, step := range []string{"k3s-agent", "cluster-autoscaler"} {
		_, ok := r.Find(update, step)
		r.Expect(t, ok, "%s was not updated", step)
	}
	secrets, deployments := 0, 0
	for _, step := range r.Of("", update) {
		switch string(step.URN.Type()) {
		case "kubernetes:core/v1:Secret":
			secrets++
		case deploymentType:
			deployments++
		}
	}
	r.Expect(t, secrets == 1 && deployments == 1, "%d Secrets and %d Deployments updated, want the autoscaler's one each", secrets, deployments)
}

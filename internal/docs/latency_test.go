package docs

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
)

const scaleAndSpeed = "../../docs/scale-and-speed.md"

// latencyRow is one row of docs/scale-and-speed.md's latency table: its
// words, and the registry entries (type tokens, commands) whose figures it
// gives.
type latencyRow struct {
	part string
	of   []any // a type token (string), a cloudmodel.Command or a time.Duration
}

var latencyRows = []latencyRow{
	{"network, placement group (no Hetzner action to wait for)", []any{hetzner.TypeNetwork, hetzner.TypePlacementGroup}},
	{"subnet; firewall", []any{hetzner.TypeNetworkSubnet, hetzner.TypeFirewall}},
	{"server (create, start, attach to the network, as the actions run)", []any{hetzner.TypeServer}},
	{"load balancer; its network, service, target", []any{hetzner.TypeLoadBalancer, hetzner.TypeLoadBalancerNetwork, hetzner.TypeLoadBalancerService, hetzner.TypeLoadBalancerTarget}},
	{"install on the first control-plane node, on a server just booted that downloaded nothing (cloud-init, the k3s download, `k3s server --cluster-init`)", []any{cloudmodel.InitInstall}},
	{"control-plane join, worker join, alike", []any{cloudmodel.JoinInstall, cloudmodel.AgentInstall}},
	{"of those: cloud-init, from the server's boot; the k3s download (by cloud-init, when the user data asks)", []any{cloudmodel.CloudInit, cloudmodel.K3sDownload}},
	{"of a control-plane join, the time as etcd's learner, one node at a time", []any{cloudmodel.LearnerPhase}},
	{"readiness check; kubeconfig fetch", []any{cloudmodel.Readiness, cloudmodel.Kubeconfig}},
	{"other commands (version read, gate, drain, rollout, node labels, teardown)", []any{cloudmodel.K3sVersion,
		cloudmodel.UpgradeGate, cloudmodel.Drain, cloudmodel.Rollout, cloudmodel.NodeLabels, cloudmodel.Teardown}},
	{"on-demand etcd snapshot, before an upgrade", []any{cloudmodel.EtcdSnapshot}},
	{"Plans, the `hcloud` Secret", []any{cloudmodel.TypePlan, cloudmodel.TypeSecret}},
	{"Helm charts (after the kubeconfig)", []any{cloudmodel.TypeChart}},
	{"system-upgrade-controller's Namespace, ServiceAccount, RBAC and ConfigMap; the read of the Plan CRD", []any{
		cloudmodel.TypeNamespace, cloudmodel.TypeServiceAccount, cloudmodel.TypeClusterRole, cloudmodel.TypeClusterRoleBinding,
		cloudmodel.TypeRole, cloudmodel.TypeRoleBinding, cloudmodel.TypeConfigMap, cloudmodel.TypeCRD}},
	{"its Deployment (awaited: the image pulled, the pod running); the wait until it has registered the Plan CRD", []any{
		cloudmodel.TypeDeployment, cloudmodel.CRDEstablished}},
	{"SSH key pair, k3s token, Kubernetes provider, the first node's pinned version (made locally)", []any{cloudmodel.TypePrivateKey, cloudmodel.TypeRandomPassword, cloudmodel.TypeKubernetesProvider, cloudmodel.TypeStash}},
	{"server resize (power off, change type, power on); server delete", []any{cloudmodel.ServerResize, cloudmodel.ServerDelete}},
	{"any other update or delete of a Hetzner resource or a Kubernetes object", []any{cloudmodel.Change}},
}

// latencyHeader begins docs/scale-and-speed.md's latency table.
const latencyHeader = "| part | assumed time |\n|---|---|\n"

// latencyTable renders the table from the registry, and the registry
// entries no row shows.
func latencyTable() (table string, missing []string) {
	shown := map[any]bool{}
	var b strings.Builder
	b.WriteString(latencyHeader)
	for _, row := range latencyRows {
		var figures []time.Duration
		var actions []time.Duration
		for _, key := range row.of {
			shown[key] = true
			switch k := key.(type) {
			case string:
				c := cloudmodel.Creates[k]
				figures = append(figures, c.Duration())
				if len(row.of) == 1 && len(c.Actions) > 1 {
					actions = c.Actions
				}
			case cloudmodel.Command:
				figures = append(figures, cloudmodel.Commands[k])
			case time.Duration:
				figures = append(figures, k)
			}
		}
		fmt.Fprintf(&b, "| %s | %s |\n", row.part, cellOf(figures, actions))
	}
	for typ := range cloudmodel.Creates {
		if !shown[typ] && typ != hetzner.TypeSSHKey { // the program creates no hcloud SSH key
			missing = append(missing, typ)
		}
	}
	for c := range cloudmodel.Commands {
		if !shown[c] {
			missing = append(missing, string(c))
		}
	}
	slices.Sort(missing)
	return b.String(), missing
}

// cellOf writes figures as "none", "2 s", "45 s each", "10, 3, 2, 2 s" or,
// for one create of several actions, "24 s (20 + 1 + 3 s)".
func cellOf(figures, actions []time.Duration) string {
	var secs []string
	for _, d := range figures {
		secs = append(secs, fmt.Sprint(d.Seconds()))
	}
	switch {
	case slices.Max(figures) == 0:
		return "none"
	case len(actions) > 0:
		var parts []string
		for _, a := range actions {
			parts = append(parts, fmt.Sprint(a.Seconds()))
		}
		return fmt.Sprintf("%s s (%s s)", secs[0], strings.Join(parts, " + "))
	case slices.Min(figures) == slices.Max(figures) && len(figures) > 1:
		return secs[0] + " s each"
	}
	return strings.Join(secs, ", ") + " s"
}

// docs/scale-and-speed.md's latency table is the registry's
// (internal/cloudmodel), which the engine tests, the graph tests and the
// mocked cloud read; -update rewrites it.
func TestScaleAndSpeedLatenciesAreTheRegistry(t *testing.T) {
	want, missing := latencyTable()
	if len(missing) > 0 {
		t.Errorf("no row of the latency table shows %v: add them to latencyRows", missing)
	}
	doc := read(t, scaleAndSpeed)
	start := strings.Index(doc, latencyHeader)
	if start < 0 {
		t.Fatalf("%s has no table beginning %q", scaleAndSpeed, latencyHeader)
	}
	end := start + strings.Index(doc[start:], "\n\n") + 1
	if got := doc[start:end]; got != want {
		if *update {
			if err := os.WriteFile(scaleAndSpeed, []byte(doc[:start]+want+doc[end:]), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote %s's latency table", scaleAndSpeed)
			return
		}
		t.Errorf("docs/scale-and-speed.md's latency table differs from internal/cloudmodel (run go test ./internal/docs -update):\nhave\n%swant\n%s", got, want)
	}
}

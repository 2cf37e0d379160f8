package enginetest

// Cilium as the cluster's network, through the engine: the first up ends
// with the network installed after readiness and the kubeconfig, and a
// running cluster's network is never changed.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
)

// Scenario 12: the first up with Cilium ends. Nodes stay NotReady until
// Cilium runs, so nothing before it may wait for a Ready node: the readiness
// step waits for the API and the nodes' registration, the kubeconfig is
// fetched, and only then is the chart applied, through the provider built
// from that kubeconfig. A second up changes nothing.
func TestTheFirstUpWithCiliumEnds(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		for option, opts := range map[string]map[string]any{
			"defaults":              {},
			"native with wireguard": {"routing": "native", "encryption": "wireguard", "kubeProxyReplacement": false},
		} {
			t.Run(name+"/"+option, func(t *testing.T) {
				s := newStack(newWorld(), name, map[string]any{"k3s": mockcloud.CiliumK3s(opts)})
				first := s.Up(t).Check(t)
				ready, okReady := first.Find(create, "ready")
				kubeconfig, okKubeconfig := first.Find(create, "kubeconfig")
				cilium, okCilium := first.Find(create, "cilium")
				first.Expect(t, okReady && okKubeconfig && okCilium, "the first up did not create ready (%v), kubeconfig (%v) and the cilium chart (%v)", okReady, okKubeconfig, okCilium)
				first.Expect(t, ready.End < kubeconfig.Begin, "the kubeconfig was fetched (%d) before the nodes registered (%d)", kubeconfig.Begin, ready.End)
				first.Expect(t, kubeconfig.End < cilium.Begin, "the cilium chart was applied (%d) before the kubeconfig was fetched (%d)", cilium.Begin, kubeconfig.End)
				second := s.Up(t).Check(t)
				second.Expect(t, len(second.Steps) == 0, "the second up took %d steps", len(second.Steps))
			})
		}
	}
}

// Scenario 13: a running cluster's network is not changed: flannel to
// Cilium, Cilium to flannel, and Cilium's routing or its place of
// kube-proxy are refused before any step, naming the key, and Hetzner holds
// what it held.
func TestANetworkChangeOnARunningClusterIsRefused(t *testing.T) {
	tests := []struct {
		name         string
		from, to     map[string]any // the k3s key; nil is the stack's own (flannel)
		key, servers string
	}{
		{"flannel to cilium", nil, mockcloud.CiliumK3s(map[string]any{}), "k3s.cni", "run flannel"},
		{"cilium to flannel", mockcloud.CiliumK3s(map[string]any{}), map[string]any{"flannelBackend": "vxlan", "disable": []any{"traefik", "servicelb"}},
			"k3s.cni", "run cilium"},
		{"tunnel to native", mockcloud.CiliumK3s(map[string]any{}), mockcloud.CiliumK3s(map[string]any{"routing": "native"}), "k3s.cilium.routing", "tunnel routing"},
		{"kube-proxy back", mockcloud.CiliumK3s(map[string]any{}), mockcloud.CiliumK3s(map[string]any{"kubeProxyReplacement": false}),
			"k3s.cilium.kubeProxyReplacement", "Services served by cilium"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			overrides := map[string]any{}
			if tt.from != nil {
				overrides["k3s"] = tt.from
			}
			s := newStack(w, "dev", overrides)
			s.Up(t).Check(t)
			before := w.cloud.snapshot()
			s.Set("k3s", tt.to)
			r := s.Up(t)
			r.Expect(t, r.Err != nil && strings.Contains(r.Err.Error(), "hcloud-k3s:"+tt.key+":") && strings.Contains(r.Err.Error(), tt.servers),
				"the up was not refused naming %s and what the servers run: %v", tt.key, r.Err)
			r.Expect(t, len(r.Steps) == 0 && len(r.Operations) == 0, "%s was refused only after %d steps and %d operations", tt.key, len(r.Steps), len(r.Operations))
			r.Expect(t, maps.Equal(before, w.cloud.snapshot()), "Hetzner's project changed")
		})
	}
}

// Scenario 11, with Cilium: the policy pack holds with Cilium on prod,
// native routing and WireGuard included: nothing beyond prod's own advisory.
func TestPolicyPackHoldsWithCilium(t *testing.T) {
	pack := startPolicyPack(t)
	s := newStack(newWorld(), "prod", map[string]any{"k3s": mockcloud.CiliumK3s(map[string]any{"routing": "native", "encryption": "wireguard"})})
	pack.use(s)
	r := s.Up(t).Check(t)
	var got []string
	for _, v := range r.Violations {
		got = append(got, strings.Join(strings.Fields(v)[:2], " "))
	}
	want := []string{"advisory control-plane-without-offsite-snapshots"}
	r.Expect(t, slices.Equal(slices.Compact(got), want), "policy violations: %v, want only %v", r.Violations, want)
}

// snapshot is what the project holds, each object by ID.
func (h *hetzner) snapshot() map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	for id, o := range h.objects {
		out[id] = fmt.Sprintf("%s %v", o.typ, o.state)
	}
	return out
}

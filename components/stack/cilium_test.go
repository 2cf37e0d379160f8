package stack_test

// Cilium as the cluster's network: what the program registers for each of
// its options, on dev and prod, and what it refuses on a running cluster.

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
)

// ciliumOptions are Cilium's options, one case each, with what the chart's
// values and the nodes' k3s config must then say.
var ciliumOptions = []struct {
	name            string
	opts            map[string]any
	native, wg, kpr bool
}{
	{"defaults", map[string]any{}, false, false, true},
	{"wireguard", map[string]any{"encryption": "wireguard"}, false, true, true},
	{"beside kube-proxy", map[string]any{"kubeProxyReplacement": false}, false, false, false},
	{"native routing", map[string]any{"routing": "native"}, true, false, true},
	{"everything", map[string]any{"routing": "native", "encryption": "wireguard", "kubeProxyReplacement": false}, true, true, false},
}

func TestCiliumStacks(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		for _, o := range ciliumOptions {
			t.Run(name+"/"+o.name, func(t *testing.T) {
				g := stack(t, name, map[string]any{"k3s": mockcloud.CiliumK3s(o.opts)})
				checkCiliumChart(t, g, o.native, o.wg, o.kpr)
				checkCiliumK3sConfig(t, g, o.kpr)
				checkCiliumNetwork(t, g, name, o.native, o.kpr)
			})
		}
	}
}

func checkCiliumChart(t *testing.T, g graph, native, wg, kpr bool) {
	t.Helper()
	cilium := g.get(chart, "cilium").Inputs
	if cilium["version"].StringValue() != config.DefaultCiliumVersion || cilium["chart"].StringValue() != "cilium" ||
		cilium["repositoryOpts"].ObjectValue()["repo"].StringValue() != "https://helm.cilium.io" || cilium["namespace"].StringValue() != "kube-system" {
		t.Errorf("cilium chart = %v", cilium.Mappable())
	}
	if skip, ok := cilium["skipAwait"]; ok && skip.BoolValue() {
		t.Error("the cilium chart is not awaited: the up would end before the nodes have a network")
	}
	values := cilium["values"].Mappable().(map[string]any)
	want := map[string]any{
		"k8sServiceHost": "127.0.0.1", "k8sServicePort": 6444.0, "MTU": 1450.0, "kubeProxyReplacement": kpr,
		"ipam": map[string]any{"mode": "kubernetes"}, "encryption": map[string]any{"enabled": wg},
	}
	if wg {
		want["encryption"] = map[string]any{"enabled": true, "type": "wireguard"}
	}
	if native {
		want["routingMode"], want["ipv4NativeRoutingCIDR"] = "native", "10.42.0.0/16"
	} else {
		want["routingMode"], want["tunnelProtocol"] = "tunnel", "vxlan"
	}
	for key, value := range want {
		if !reflect.DeepEqual(values[key], value) {
			t.Errorf("cilium value %s = %#v, want %#v", key, values[key], value)
		}
	}
	ccm := g.get(chart, "hcloud-cloud-controller-manager").Inputs["values"].Mappable().(map[string]any)
	routes := ccm["env"].(map[string]any)["HCLOUD_NETWORK_ROUTES_ENABLED"]
	if !reflect.DeepEqual(routes, map[string]any{"value": fmt.Sprint(native)}) {
		t.Errorf("CCM routes %v with native routing %v", routes, native)
	}
}

// Servers run k3s without flannel, its network policy controller and, when
// Cilium replaces it, kube-proxy; agents carry none of it: k3s hands the
// server's settings to them.
func checkCiliumK3sConfig(t *testing.T, g graph, kpr bool) {
	t.Helper()
	for _, name := range g.names(server) {
		script := g.get(command, name+"-install").Inputs["create"].StringValue()
		if !strings.HasPrefix(name, "cp-") {
			for _, key := range []string{"flannel-backend", "disable-network-policy", "disable-kube-proxy"} {
				if strings.Contains(script, key) {
					t.Errorf("%s, an agent, sets %s", name, key)
				}
			}
			continue
		}
		for setting, want := range map[string]bool{
			"\nflannel-backend: none\n": true, "\ndisable-network-policy: true\n": true, "\ndisable-kube-proxy: true\n": kpr,
		} {
			if strings.Contains(script, setting) != want {
				t.Errorf("%s's config has %q: %v, want %v", name, strings.TrimSpace(setting), !want, want)
			}
		}
	}
}

// With native routing the Hetzner network spans the pods' range, the subnet
// stays network.cidr; every server says which network its k3s runs; the
// firewall opens nothing new.
func checkCiliumNetwork(t *testing.T, g graph, stackName string, native, kpr bool) {
	t.Helper()
	ipRange := g.get(hetzner.TypeNetwork, "network").Inputs["ipRange"].StringValue()
	subnet := g.get(hetzner.TypeNetworkSubnet, "network").Inputs["ipRange"].StringValue()
	if want := map[bool]string{false: "10.0.0.0/16", true: "10.0.0.0/10"}[native]; ipRange != want || subnet != "10.0.0.0/16" {
		t.Errorf("network %s with subnet %s, want %s with subnet 10.0.0.0/16", ipRange, subnet, want)
	}
	want := map[string]any{"cni": "cilium", "cilium-routing": map[bool]any{false: "tunnel", true: "native"}[native],
		"kube-proxy": map[bool]any{false: "k3s", true: "cilium"}[kpr]}
	for _, name := range g.names(server) {
		labels := g.get(server, name).Inputs["labels"].Mappable().(map[string]any)
		for k, v := range want {
			if labels[k] != v {
				t.Errorf("server %s label %s = %v, want %v", name, k, labels[k], v)
			}
		}
	}
	flannel := stack(t, stackName, nil)
	rules := func(g graph) any {
		return g.get(hetzner.TypeFirewall, "firewall").Inputs["rules"].Mappable()
	}
	if !reflect.DeepEqual(rules(g), rules(flannel)) {
		t.Errorf("Cilium changes the firewall: the private network it uses is not filtered, and nothing may open to the world:\n%v\nwant\n%v", rules(g), rules(flannel))
	}
}

// Flannel stays what it was: no chart, no label on its servers, the
// network spans network.cidr.
func TestFlannelStacksStayAsTheyWere(t *testing.T) {
	g := stack(t, "prod", nil)
	if names := g.names(chart); slices.Contains(names, "cilium") {
		t.Errorf("charts %v with flannel", names)
	}
	for _, name := range g.names(server) {
		labels := g.get(server, name).Inputs["labels"].Mappable().(map[string]any)
		if _, ok := labels["cni"]; ok {
			t.Errorf("%s is labelled %v; running flannel servers have no such label and would all change", name, labels)
		}
	}
	if script := g.get(command, "cp-1-install").Inputs["create"].StringValue(); !strings.Contains(script, "flannel-backend: wireguard-native") ||
		strings.Contains(script, "disable-kube-proxy") || strings.Contains(script, "disable-network-policy") {
		t.Errorf("prod's k3s config changed:\n%s", script)
	}
}

// Cilium is installed once the nodes have registered and the kubeconfig is
// fetched, through the cluster's provider; nothing before it waits for a
// node to be Ready, which only Cilium makes them.
func TestCiliumComesAfterReadinessAndTheKubeconfig(t *testing.T) {
	g := stack(t, "prod", map[string]any{"k3s": mockcloud.CiliumK3s(map[string]any{})})
	provider := g.get(cloudmodel.TypeKubernetesProvider, "addons")
	cilium := g.get(chart, "cilium")
	if !strings.HasPrefix(cilium.Provider, provider.URN+"::") {
		t.Errorf("the cilium chart is applied through %s, not the cluster's provider", cilium.Provider)
	}
	for _, before := range []string{"ready", "kubeconfig"} {
		if !g.dependsOn(provider, g.get(command, before)) {
			t.Errorf("the provider that installs Cilium does not wait for %s", before)
		}
	}
	if script := g.get(command, "ready").Inputs["create"].StringValue(); strings.Contains(script, "condition=Ready") ||
		strings.Contains(script, "wait --for") {
		t.Errorf("the readiness step waits for Ready nodes, which only Cilium makes:\n%s", script)
	}
}

// prodServersLabelled are prod's servers as Hetzner holds them, labelled.
func prodServersLabelled(labels map[string]string) []mockcloud.ExistingServer {
	servers := prodServers("cx33", "cpx32")
	for i := range servers {
		servers[i].Labels = maps.Clone(labels)
	}
	return servers
}

// A running cluster keeps its network, Cilium's routing and who serves
// Services: a change is refused before a single resource is registered,
// naming the key, what the servers run, and what to set back.
func TestANetworkChangeIsRefusedBeforeAnythingIsRegistered(t *testing.T) {
	ciliumLabels := map[string]string{"cni": "cilium", "cilium-routing": "tunnel", "kube-proxy": "cilium"}
	tests := []struct {
		name   string
		k3s    map[string]any
		labels map[string]string
		want   string
	}{
		{"flannel to cilium", mockcloud.CiliumK3s(map[string]any{}), nil,
			"hcloud-k3s:k3s.cni: cilium is not allowed: the cluster's servers (prod-arm-1 among them) run flannel (they have no label cni), " +
				"and a running cluster cannot change its network: pods keep the old one's addresses and routes until their node restarts. " +
				"Set it back to flannel, or build a new cluster in a new stack and move the workloads"},
		{"cilium to flannel", nil, ciliumLabels,
			"hcloud-k3s:k3s.cni: flannel is not allowed: the cluster's servers (prod-arm-1 among them) run cilium (label cni=cilium)"},
		{"tunnel to native", mockcloud.CiliumK3s(map[string]any{"routing": "native"}), ciliumLabels,
			"hcloud-k3s:k3s.cilium.routing: native is not allowed: the cluster's servers (prod-arm-1 among them) route pods' traffic with tunnel routing " +
				"(label cilium-routing=tunnel), and native routing needs a Hetzner network that spans the pods' range: changing it would replace the network and every server. Set it back to tunnel"},
		{"kube-proxy back", mockcloud.CiliumK3s(map[string]any{"kubeProxyReplacement": false}), ciliumLabels,
			"hcloud-k3s:k3s.cilium.kubeProxyReplacement: false is not allowed: the cluster's servers (prod-arm-1 among them) have Services served by cilium " +
				"(label kube-proxy=cilium), and k3s starts or stops kube-proxy on a node only when it restarts, so nodes would serve Services twice or not at all. Set it back to true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			overrides := map[string]any{}
			if tt.k3s != nil {
				overrides["k3s"] = tt.k3s
			}
			g, err := stackOn(t, "prod", overrides, mockcloud.Existing{Servers: prodServersLabelled(tt.labels)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
			if len(g.Resources) != 0 {
				t.Errorf("registered %d resources before refusing", len(g.Resources))
			}
		})
	}
	// What the servers run, kept, is no change; a new Cilium version or
	// encryption rolls through the chart.
	for _, kept := range []struct {
		k3s    map[string]any
		labels map[string]string
	}{
		{nil, nil},
		{mockcloud.CiliumK3s(map[string]any{}), ciliumLabels},
		{mockcloud.CiliumK3s(map[string]any{"encryption": "wireguard", "version": "1.19.6"}), ciliumLabels},
	} {
		overrides := map[string]any{}
		if kept.k3s != nil {
			overrides["k3s"] = kept.k3s
		}
		if _, err := stackOn(t, "prod", overrides, mockcloud.Existing{Servers: prodServersLabelled(kept.labels)}); err != nil {
			t.Errorf("%v on servers labelled %v is refused: %v", kept.k3s, kept.labels, err)
		}
	}
}

// A native-routing cluster's network spans the pods' range; the refusal of a
// new network.cidr compares that range, so the same config is no change.
func TestANativeRoutingNetworkIsNoChange(t *testing.T) {
	k3s := mockcloud.CiliumK3s(map[string]any{"routing": "native"})
	labels := map[string]string{"cni": "cilium", "cilium-routing": "native", "kube-proxy": "cilium"}
	existing := mockcloud.Existing{Servers: prodServersLabelled(labels), Networks: []mockcloud.ExistingNetwork{{Name: "prod", IPRange: "10.0.0.0/10"}}}
	if _, err := stackOn(t, "prod", map[string]any{"k3s": k3s}, existing); err != nil {
		t.Errorf("the same native-routing config is refused: %v", err)
	}
	_, err := stackOn(t, "prod", map[string]any{"k3s": k3s, "network": map[string]any{"cidr": "10.64.0.0/16"}}, existing)
	if want := "hcloud-k3s:network.cidr: 10.64.0.0/16 is not allowed: the cluster's network prod has 10.0.0.0/10"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to contain %q", err, want)
	}
}

// A new Cilium version, or encryption, changes the chart's inputs and
// nothing else: it rolls through the chart. A k3s upgrade leaves Cilium
// alone: its agents keep running while the Plans upgrade k3s.
func TestCiliumChangesRollThroughTheChartAndK3sUpgradesLeaveIt(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		before := stack(t, name, map[string]any{"k3s": mockcloud.CiliumK3s(map[string]any{})})
		for change, opts := range map[string]map[string]any{
			"version":    {"version": "1.20.1"},
			"encryption": {"encryption": "wireguard"},
		} {
			after := stack(t, name, map[string]any{"k3s": mockcloud.CiliumK3s(opts)})
			assertChange(t, diff(before, after), nil, nil, map[string][]string{chart + "/cilium": {map[string]string{"version": "version", "encryption": "values"}[change]}})
		}
		upgraded := stack(t, name, map[string]any{"k3s": mockcloud.CiliumK3s(map[string]any{}), "k3sVersion": "v1.37.0+k3s1"})
		if changed := diff(before, upgraded).changed; slices.Contains(slices.Collect(maps.Keys(changed)), chart+"/cilium") {
			t.Errorf("%s: a k3s upgrade changes the cilium chart: %v", name, changed)
		}
	}
}

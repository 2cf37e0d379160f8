package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/spec"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// operatorAllowlist is what the README has a user set before the first up.
var operatorAllowlist = map[string]any{"sshAllowedCidrs": []string{"198.51.100.7/32"}}

// stack runs the real program on a stack file plus overrides.
func stack(t *testing.T, name string, overrides map[string]any) graph {
	t.Helper()
	return stackWith(t, name, overrides, false)
}

func stackWith(t *testing.T, name string, overrides map[string]any, preview bool) graph {
	t.Helper()
	if _, ok := overrides["firewall"]; !ok {
		overrides = withOverride(overrides, "firewall", operatorAllowlist)
	}
	cfg, err := mockcloud.StackConfig(".", name, overrides)
	if err != nil {
		t.Fatal(err)
	}
	res, err := mockcloud.Run(build, mockcloud.Options{Stack: name, Config: cfg, Preview: preview})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return graph{t: t, Result: res}
}

func withOverride(m map[string]any, key string, value any) map[string]any {
	out := map[string]any{key: value}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

type graph struct {
	t *testing.T
	*mockcloud.Result
}

func (g graph) get(typ, name string) mockcloud.Resource {
	g.t.Helper()
	for _, r := range g.Resources {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	g.t.Fatalf("no %s named %s", typ, name)
	return mockcloud.Resource{}
}

func (g graph) names(typ string) []string {
	var names []string
	for _, r := range g.Resources {
		if r.Type == typ {
			names = append(names, r.Name)
		}
	}
	slices.Sort(names)
	return names
}

func (g graph) byURN(urn string) mockcloud.Resource {
	for _, r := range g.Resources {
		if r.URN == urn {
			return r
		}
	}
	return mockcloud.Resource{}
}

// dependsOn reports whether a waits for b, directly or through other resources.
func (g graph) dependsOn(a, b mockcloud.Resource) bool {
	seen := map[string]bool{}
	var walk func(r mockcloud.Resource) bool
	walk = func(r mockcloud.Resource) bool {
		for _, dep := range r.Dependencies {
			if dep == b.URN {
				return true
			}
			if !seen[dep] {
				seen[dep] = true
				if walk(g.byURN(dep)) {
					return true
				}
			}
		}
		return false
	}
	return walk(a)
}

const (
	server  = "hcloud:index/server:Server"
	command = "command:remote:Command"
	lbType  = "hcloud:index/loadBalancer:LoadBalancer"
)

func TestDevStackResources(t *testing.T) {
	g := stack(t, "dev", nil)
	want := map[string][]string{
		"hcloud:index/network:Network":               {"network"},
		"hcloud:index/networkSubnet:NetworkSubnet":   {"network"},
		"hcloud:index/firewall:Firewall":             {"firewall"},
		"hcloud:index/sshKey:SshKey":                 {"ssh-key"},
		"tls:index/privateKey:PrivateKey":            {"ssh-key"},
		"random:index/randomPassword:RandomPassword": {"k3s-token"},
		"hcloud:index/placementGroup:PlacementGroup": {"control-plane", "workers-pg-1"},
		server:  {"cp-1", "workers-1", "workers-2"},
		command: {"cp-1-install", "kubeconfig", "workers-1-install", "workers-2-install"},
		lbType:  nil,
	}
	for typ, names := range want {
		if got := g.names(typ); !slices.Equal(got, names) {
			t.Errorf("%s: got %v, want %v", typ, got, names)
		}
	}
	if out := g.Outputs["apiEndpoint"]; out.Value != "https://"+g.get(server, "cp-1").State["ipv4Address"].StringValue()+":6443" {
		t.Errorf("dev apiEndpoint = %v, want the first control-plane node's public IP", out.Value)
	}
	if _, ok := g.Outputs["loadBalancerIp"]; ok {
		t.Error("dev exports loadBalancerIp without a load balancer")
	}
}

func TestProdStackResources(t *testing.T) {
	g := stack(t, "prod", nil)
	if got := g.names(server); !slices.Equal(got, []string{"arm-1", "arm-2", "cp-1", "cp-2", "cp-3", "general-1", "general-2", "general-3"}) {
		t.Errorf("servers: %v", got)
	}
	locations := []string{}
	for _, name := range []string{"cp-1", "cp-2", "cp-3"} {
		locations = append(locations, g.get(server, name).Inputs["location"].StringValue())
	}
	if !slices.Equal(locations, []string{"fsn1", "nbg1", "hel1"}) {
		t.Errorf("control plane spread over %v", locations)
	}
	if got := g.names(lbType); !slices.Equal(got, []string{"api-lb"}) {
		t.Errorf("load balancers: %v", got)
	}
}

func TestComponentTree(t *testing.T) {
	g := stack(t, "prod", nil)
	chain := []string{}
	for r := g.get(server, "cp-2"); r.URN != ""; r = g.byURN(r.Parent) {
		chain = append(chain, r.Type+"/"+r.Name)
	}
	want := []string{server + "/cp-2", "hcloud-k3s:index:Node/cp-2", "hcloud-k3s:index:ControlPlane/control-plane", "hcloud-k3s:index:Cluster/prod"}
	if !slices.Equal(chain, want) {
		t.Errorf("parent chain of cp-2:\n got %v\nwant %v", chain, want)
	}
	if p := g.byURN(g.get(command, "general-2-install").Parent); p.Name != "general-2" || p.Type != "hcloud-k3s:index:Node" {
		t.Errorf("general-2-install parent = %s %s", p.Type, p.Name)
	}
}

func TestInstallOrder(t *testing.T) {
	g := stack(t, "prod", nil)
	install := func(name string) mockcloud.Resource { return g.get(command, name+"-install") }
	waits := []struct {
		a, b string
		want bool
	}{
		{"cp-2", "cp-1", true},      // joins wait for the init
		{"cp-3", "cp-2", true},      // etcd admits one learner at a time
		{"general-1", "cp-1", true}, // agents join as soon as the init is up
		{"general-1", "cp-2", false},
		{"general-1", "cp-3", false},
		{"arm-2", "general-1", false},
	}
	for _, w := range waits {
		if got := g.dependsOn(install(w.a), install(w.b)); got != w.want {
			t.Errorf("%s install waits for %s install: %v, want %v", w.a, w.b, got, w.want)
		}
	}
	unrelated := []string{"cp-2", "cp-3", "general-2", "arm-1"}
	for _, other := range unrelated {
		if g.dependsOn(install("general-1"), g.get(server, other)) {
			t.Errorf("general-1 install waits for the unrelated server %s", other)
		}
	}
	if !g.dependsOn(install("general-1"), g.get(server, "general-1")) {
		t.Error("general-1 install does not wait for its own server")
	}
	for _, name := range []string{"cp-1", "cp-2", "cp-3"} {
		if !g.dependsOn(g.get(command, "kubeconfig"), install(name)) {
			t.Errorf("kubeconfig is fetched before %s has joined", name)
		}
	}
}

func TestServers(t *testing.T) {
	g := stack(t, "prod", nil)
	subnet := g.get("hcloud:index/networkSubnet:NetworkSubnet", "network")
	firewall := g.get("hcloud:index/firewall:Firewall", "firewall")
	for _, name := range g.names(server) {
		s := g.get(server, name)
		if !g.dependsOn(s, subnet) || !g.dependsOn(s, firewall) {
			t.Errorf("%s is created before its subnet or firewall", name)
		}
		if !slices.Equal(s.IgnoreChanges, []string{"userData", "image", "sshKeys"}) {
			t.Errorf("%s ignoreChanges = %v", name, s.IgnoreChanges)
		}
	}
	labels := g.get(server, "general-2").Inputs["labels"].Mappable()
	if !reflect.DeepEqual(labels, map[string]any{"cluster": "prod", "role": "worker", "pool": "general"}) {
		t.Errorf("worker labels = %v", labels)
	}
	cp := g.get(server, "cp-3")
	if got := cp.Inputs["labels"].ObjectValue()["role"].StringValue(); got != "control-plane" {
		t.Errorf("cp-3 role label = %q", got)
	}
	if ip := cp.Inputs["networks"].ArrayValue()[0].ObjectValue()["ip"].StringValue(); ip != "10.0.255.251" {
		t.Errorf("cp-3 private IP = %q, want the fixed 10.0.255.251", ip)
	}
	if name := cp.Inputs["name"].StringValue(); name != "prod-cp-3" {
		t.Errorf("cp-3 server name = %q", name)
	}
}

func TestFirewall(t *testing.T) {
	g := stack(t, "dev", map[string]any{"firewall": map[string]any{
		"sshAllowedCidrs": []string{"198.51.100.7/32"},
		"apiAllowedCidrs": []string{"198.51.100.0/24", "2001:db8::/48"},
	}})
	fw := g.get("hcloud:index/firewall:Firewall", "firewall").Inputs
	want := []any{
		map[string]any{"description": "ICMP", "direction": "in", "protocol": "icmp", "sourceIps": []any{"0.0.0.0/0", "::/0"}},
		map[string]any{"description": "SSH from the SSH allowlist", "direction": "in", "protocol": "tcp", "port": "22", "sourceIps": []any{"198.51.100.7/32"}},
		map[string]any{"description": "Kubernetes API from the API allowlist", "direction": "in", "protocol": "tcp", "port": "6443", "sourceIps": []any{"198.51.100.0/24", "2001:db8::/48"}},
	}
	if got := fw["rules"].Mappable(); !reflect.DeepEqual(got, want) {
		t.Errorf("rules:\n got %v\nwant %v", got, want)
	}
	if got := fw["applyTos"].Mappable(); !reflect.DeepEqual(got, []any{map[string]any{"labelSelector": "cluster=dev"}}) {
		t.Errorf("applyTos = %v", got)
	}
}

func TestAPILoadBalancer(t *testing.T) {
	g := stack(t, "prod", nil)
	attach := g.get("hcloud:index/loadBalancerNetwork:LoadBalancerNetwork", "api-lb")
	if attach.Inputs["enablePublicInterface"].BoolValue() || attach.Inputs["ip"].StringValue() != "10.0.255.254" {
		t.Errorf("network attachment = %v", attach.Inputs.Mappable())
	}
	svc := g.get("hcloud:index/loadBalancerService:LoadBalancerService", "api-lb").Inputs.Mappable()
	if svc["protocol"] != "tcp" || svc["listenPort"] != 6443.0 || svc["destinationPort"] != 6443.0 ||
		svc["healthCheck"].(map[string]any)["protocol"] != "tcp" {
		t.Errorf("service = %v", svc)
	}
	target := g.get("hcloud:index/loadBalancerTarget:LoadBalancerTarget", "api-lb")
	if target.Inputs["type"].StringValue() != "label_selector" ||
		target.Inputs["labelSelector"].StringValue() != "cluster=prod,role=control-plane" ||
		!target.Inputs["usePrivateIp"].BoolValue() {
		t.Errorf("target = %v", target.Inputs.Mappable())
	}
	if !g.dependsOn(target, attach) {
		t.Error("the private-IP target does not wait for the network attachment")
	}
	script := g.get(command, "cp-1-install").Inputs["create"].StringValue()
	lbIP := g.get(lbType, "api-lb").State["ipv4"].StringValue()
	for _, san := range []string{"- " + lbIP, "- 10.0.255.254", "- 10.0.255.253"} {
		if !strings.Contains(script, san) {
			t.Errorf("cp-1 TLS SANs lack %s:\n%s", san, script)
		}
	}
	if g.Outputs["loadBalancerIp"].Value != "10.0.255.254" || g.Outputs["internalApiEndpoint"].Value != "https://10.0.255.254:6443" {
		t.Errorf("private LB outputs: %v %v", g.Outputs["loadBalancerIp"], g.Outputs["internalApiEndpoint"])
	}
}

func TestPublicLoadBalancerIsTheDefaultEndpoint(t *testing.T) {
	g := stack(t, "prod", map[string]any{"apiLoadBalancer": map[string]any{"enabled": true, "publicInterface": true}})
	lbIP := g.get(lbType, "api-lb").State["ipv4"].StringValue()
	if got := g.Outputs["apiEndpoint"].Value; got != "https://"+lbIP+":6443" {
		t.Errorf("apiEndpoint = %v, want the public load balancer", got)
	}
	kubeconfig := g.Outputs["kubeconfig"].Value.(string)
	if !strings.Contains(kubeconfig, "current-context: prod-lb") || !strings.Contains(kubeconfig, "server: https://"+lbIP+":6443") {
		t.Errorf("kubeconfig does not default to the load balancer:\n%s", kubeconfig)
	}
}

func TestOutputs(t *testing.T) {
	g := stack(t, "prod", nil)
	secret := map[string]bool{"kubeconfig": true, "sshPrivateKey": true}
	want := []string{"apiEndpoint", "clusterName", "controlPlaneIps", "internalApiEndpoint", "k3sVersion",
		"kubeconfig", "loadBalancerIp", "networkId", "sshPrivateKey", "workerIps"}
	var got []string
	for name, out := range g.Outputs {
		got = append(got, name)
		if out.Secret != secret[name] {
			t.Errorf("output %s secret = %v", name, out.Secret)
		}
		if !out.Known {
			t.Errorf("output %s is unknown after up", name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("outputs: %v", got)
	}
	kubeconfig := g.Outputs["kubeconfig"].Value.(string)
	for i, ip := range g.Outputs["controlPlaneIps"].Value.([]string) {
		ctx := []string{"prod-cp-1", "prod-cp-2", "prod-cp-3"}[i]
		if !strings.Contains(kubeconfig, "name: "+ctx) || !strings.Contains(kubeconfig, "server: https://"+ip+":6443") {
			t.Errorf("kubeconfig lacks context %s for %s", ctx, ip)
		}
	}
	if !strings.Contains(kubeconfig, "current-context: prod-cp-1") || !strings.Contains(kubeconfig, "name: prod-lb") {
		t.Errorf("kubeconfig contexts:\n%s", kubeconfig)
	}
	workers := g.Outputs["workerIps"].Value.(map[string][]string)
	if len(workers["general"]) != 3 || len(workers["arm"]) != 2 {
		t.Errorf("workerIps = %v", workers)
	}
}

func TestSecretsStaySecret(t *testing.T) {
	g := stack(t, "prod", nil)
	token := g.get("random:index/randomPassword:RandomPassword", "k3s-token").State["result"].StringValue()
	key := g.get("tls:index/privateKey:PrivateKey", "ssh-key").State["privateKeyOpenssh"].StringValue()
	for _, r := range g.Resources {
		for _, plain := range plainStrings(resource.NewObjectProperty(r.Inputs)) {
			if strings.Contains(plain, token) || strings.Contains(plain, strings.Split(key, "\n")[1]) {
				t.Errorf("%s %s carries the token or SSH key in a plain input", r.Type, r.Name)
			}
		}
		if r.Type == command && !r.Inputs["connection"].IsSecret() {
			t.Errorf("%s connection is not secret", r.Name)
		}
		if r.Type == command && strings.HasSuffix(r.Name, "-install") && (!r.Inputs["stdin"].IsSecret() || !slices.Equal(r.IgnoreChanges, []string{"stdin"})) {
			t.Errorf("%s stdin: secret=%v ignoreChanges=%v", r.Name, r.Inputs["stdin"].IsSecret(), r.IgnoreChanges)
		}
	}
	if fetch := g.get(command, "kubeconfig"); !slices.Contains(fetch.AdditionalSecretOutputs, "stdout") || fetch.Inputs["logging"].StringValue() != "none" {
		t.Errorf("kubeconfig fetch may leak: secret outputs %v, logging %v", fetch.AdditionalSecretOutputs, fetch.Inputs["logging"])
	}
}

// plainStrings lists every string in v that is not inside a secret.
func plainStrings(v resource.PropertyValue) []string {
	switch {
	case v.IsSecret():
		return nil
	case v.IsString():
		return []string{v.StringValue()}
	case v.IsArray():
		var out []string
		for _, e := range v.ArrayValue() {
			out = append(out, plainStrings(e)...)
		}
		return out
	case v.IsObject():
		var out []string
		for _, e := range v.ObjectValue() {
			out = append(out, plainStrings(e)...)
		}
		return out
	}
	return nil
}

func TestUserKeyIsNotExported(t *testing.T) {
	key := stack(t, "dev", nil).get("tls:index/privateKey:PrivateKey", "ssh-key").State["privateKeyOpenssh"].StringValue()
	g := stack(t, "dev", map[string]any{"ssh": map[string]any{"privateKey": key}})
	if names := g.names("tls:index/privateKey:PrivateKey"); len(names) != 0 {
		t.Errorf("a key pair was generated although the user gave one")
	}
	if _, ok := g.Outputs["sshPrivateKey"]; ok {
		t.Error("the user's own private key is exported")
	}
	if pub := g.get("hcloud:index/sshKey:SshKey", "ssh-key").Inputs["publicKey"].StringValue(); !strings.HasPrefix(pub, "ssh-ed25519 ") {
		t.Errorf("public key derived from the user's key = %q", pub)
	}
}

func TestSameConfigSameResources(t *testing.T) {
	first, second := stack(t, "prod", nil), stack(t, "prod", nil)
	inputs := func(g graph) map[string]resource.PropertyMap {
		m := map[string]resource.PropertyMap{}
		for _, r := range g.Resources {
			m[r.URN] = r.Inputs
		}
		return m
	}
	a, b := inputs(first), inputs(second)
	if len(a) != len(b) {
		t.Fatalf("%d vs %d resources", len(a), len(b))
	}
	for urn, in := range a {
		if !reflect.DeepEqual(in.Mappable(), b[urn].Mappable()) {
			t.Errorf("%s registered different inputs on a second run", urn)
		}
	}
}

func TestAddingAWorkerTouchesNothingElse(t *testing.T) {
	before := stack(t, "dev", nil)
	after := stack(t, "dev", map[string]any{"workerPools": []any{map[string]any{"name": "workers", "count": 3, "serverType": "cx23", "location": "nbg1"}}})
	old := map[string]resource.PropertyMap{}
	for _, r := range before.Resources {
		old[r.URN] = r.Inputs
	}
	var added []string
	for _, r := range after.Resources {
		in, existed := old[r.URN]
		if !existed {
			added = append(added, r.Type+"/"+r.Name)
		} else if !reflect.DeepEqual(in.Mappable(), r.Inputs.Mappable()) {
			t.Errorf("%s changed", r.URN)
		}
	}
	slices.Sort(added)
	want := []string{command + "/workers-3-install", "hcloud-k3s:index:Node/workers-3", server + "/workers-3"}
	if !slices.Equal(added, want) {
		t.Errorf("added %v, want %v", added, want)
	}
}

func TestPreviewWithUnknownValues(t *testing.T) {
	g := stackWith(t, "prod", nil, true)
	if out := g.Outputs["kubeconfig"]; out.Known || !out.Secret {
		t.Errorf("preview kubeconfig known=%v secret=%v", out.Known, out.Secret)
	}
	if len(g.names(server)) != 8 {
		t.Errorf("preview registers %d servers", len(g.names(server)))
	}
}

func TestBadConfigRegistersNothing(t *testing.T) {
	cfg, err := mockcloud.StackConfig(".", "prod", map[string]any{
		"firewall":     operatorAllowlist,
		"controlPlane": map[string]any{"count": 2, "locations": []string{"fsn1", "ash"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := mockcloud.Run(build, mockcloud.Options{Stack: "prod", Config: cfg})
	for _, want := range []string{"hcloud-k3s:controlPlane.count: 2 is not allowed", `hcloud-k3s:controlPlane.locations: ["fsn1" "ash"] span several network zones`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if len(res.Resources) != 0 {
		t.Errorf("%d resources registered despite bad config", len(res.Resources))
	}
}

func TestMalformedConfigObject(t *testing.T) {
	res, err := mockcloud.Run(build, mockcloud.Options{Stack: "dev", Config: map[string]string{"hcloud-k3s:controlPlane": `{"count":"three"}`}})
	if err == nil || !strings.Contains(err.Error(), "hcloud-k3s:controlPlane:") {
		t.Errorf("error = %v", err)
	}
	if len(res.Resources) != 0 {
		t.Errorf("%d resources registered", len(res.Resources))
	}
}

// The defaults Pulumi.yaml documents are the ones the program applies.
func TestPulumiYAMLDefaultsMatchTheProgram(t *testing.T) {
	cfg, err := mockcloud.StackConfig(".", "dev", map[string]any{"firewall": operatorAllowlist, "workerPools": []any{map[string]any{"name": "w"}}})
	if err != nil {
		t.Fatal(err)
	}
	var documented spec.Input
	for key, target := range map[string]any{"controlPlane": &documented.ControlPlane, "network": &documented.Network, "apiLoadBalancer": &documented.APILoadBalancer, "k3s": &documented.K3s} {
		if err := json.Unmarshal([]byte(cfg["hcloud-k3s:"+key]), target); err != nil {
			t.Fatal(key, err)
		}
	}
	documented.K3sVersion = cfg["hcloud-k3s:k3sVersion"]
	bare := spec.Input{Firewall: spec.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}}, WorkerPools: []spec.WorkerPoolInput{{Name: "w"}}}
	documented.Firewall, documented.WorkerPools = bare.Firewall, bare.WorkerPools
	a, errA := spec.Resolve("dev", documented)
	b, errB := spec.Resolve("dev", bare)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Pulumi.yaml defaults differ from the program's:\n yaml %+v\n   go %+v", a, b)
	}
}

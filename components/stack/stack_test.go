package stack_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	clusterstack "github.com/hcloud-k3s/hcloud-k3s/components/stack"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// root is the repository root: Pulumi.yaml and the stack files.
const root = "../.."

// stack runs the real program on a stack file plus overrides.
func stack(t *testing.T, name string, overrides map[string]any) graph {
	t.Helper()
	return stackWith(t, name, overrides, false)
}

func stackWith(t *testing.T, name string, overrides map[string]any, preview bool) graph {
	t.Helper()
	g, err := runStack(t, name, overrides, mockcloud.Options{Preview: preview})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return g
}

// stackConfig is the config the Pulumi CLI gives the program for a stack
// file plus overrides.
func stackConfig(tb testing.TB, name string, overrides map[string]any) map[string]string {
	tb.Helper()
	cfg, err := mockcloud.StackConfig(root, name, overrides)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// runStack runs the real program under mocks: every graph test runs it
// here. The config is the stack file's plus overrides, unless opts.Config
// gives the config the CLI passes (a test that edits it); opts holds the
// rest. The program's error is the caller's.
func runStack(tb testing.TB, name string, overrides map[string]any, opts mockcloud.Options) (graph, error) {
	tb.Helper()
	if opts.Config == nil {
		opts.Config = stackConfig(tb, name, overrides)
	}
	opts.Stack = name
	res, err := mockcloud.Run(clusterstack.Build, opts)
	return graph{t: tb, Result: res}, err
}

type graph struct {
	t testing.TB
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

// The type tokens the tests look up most (components/hetzner,
// internal/cloudmodel).
const (
	server  = hetzner.TypeServer
	command = cloudmodel.TypeCommand
	lbType  = hetzner.TypeLoadBalancer
	chart   = cloudmodel.TypeChart
)

func TestDevStackResources(t *testing.T) {
	g := stack(t, "dev", nil)
	want := map[string][]string{
		hetzner.TypeNetwork:           {"network"},
		hetzner.TypeNetworkSubnet:     {"network"},
		hetzner.TypeFirewall:          {"firewall"},
		hetzner.TypeSSHKey:            nil, // the key reaches servers through cloud-init
		cloudmodel.TypePrivateKey:     {"ssh-key"},
		cloudmodel.TypeRandomPassword: {"k3s-token"},
		hetzner.TypePlacementGroup:    {"control-plane", "workers-pg-1"},
		server:                        {"cp-1", "workers-1", "workers-2"},
		command: {"control-plane-labels", "cp-1-install", "cp-1-rollout", "k3s-version", "kubeconfig", "plans-crd-established", "ready", "teardown", "upgrade-gate",
			"workers-1-drain", "workers-1-install", "workers-1-rollout", "workers-2-drain", "workers-2-install", "workers-2-rollout", "workers-labels"},
		lbType: nil,
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
		{"cp-2", "cp-1", true}, // joins wait for the init
		{"cp-3", "cp-1", true}, // and nothing else: k3s retries until etcd admits the learner
		{"cp-3", "cp-2", false},
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
	subnet := g.get(hetzner.TypeNetworkSubnet, "network")
	firewall := g.get(hetzner.TypeFirewall, "firewall")
	for _, name := range g.names(server) {
		s := g.get(server, name)
		if !g.dependsOn(s, subnet) || !g.dependsOn(s, firewall) {
			t.Errorf("%s is created before its subnet or firewall", name)
		}
		if !slices.Equal(s.IgnoreChanges, []string{"userData", "image", "sshKeys"}) {
			t.Errorf("%s ignoreChanges = %v", name, s.IgnoreChanges)
		}
		if !s.DeleteBeforeReplace {
			t.Errorf("%s would be replaced by a server of the same name before the old one is gone", name)
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
	fw := g.get(hetzner.TypeFirewall, "firewall").Inputs
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
	attach := g.get(hetzner.TypeLoadBalancerNetwork, "api-lb")
	if attach.Inputs["enablePublicInterface"].BoolValue() || attach.Inputs["ip"].StringValue() != "10.0.255.254" {
		t.Errorf("network attachment = %v", attach.Inputs.Mappable())
	}
	svc := g.get(hetzner.TypeLoadBalancerService, "api-lb").Inputs.Mappable()
	if svc["protocol"] != "tcp" || svc["listenPort"] != 6443.0 || svc["destinationPort"] != 6443.0 ||
		svc["healthCheck"].(map[string]any)["protocol"] != "tcp" {
		t.Errorf("service = %v", svc)
	}
	target := g.get(hetzner.TypeLoadBalancerTarget, "api-lb")
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

// The add-ons' provider must reach the API where the readiness step found it:
// apiServerHostname is the kubeconfig's default without a public load
// balancer, but its DNS record may not point anywhere yet on the first up.
func TestAddonsProviderUsesAnEndpointTheReadinessStepChecked(t *testing.T) {
	hostname := "k8s.example.com"
	tests := []struct {
		name, stack, context string
		overrides            map[string]any
	}{
		{"no hostname, no load balancer", "dev", "dev-cp-1", nil},
		{"hostname, no load balancer", "dev", "dev-cp-1", map[string]any{"apiServerHostname": hostname}},
		{"hostname, private load balancer", "prod", "prod-cp-1", map[string]any{"apiServerHostname": hostname}},
		{"hostname, public load balancer", "prod", "prod-lb", map[string]any{"apiServerHostname": hostname,
			"apiLoadBalancer": map[string]any{"enabled": true, "publicInterface": true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := stack(t, tt.stack, tt.overrides)
			if got := g.get(cloudmodel.TypeKubernetesProvider, "addons").Inputs["context"].StringValue(); got != tt.context {
				t.Fatalf("provider context = %q, want %q", got, tt.context)
			}
			host := g.get(server, "cp-1").State["ipv4Address"].StringValue()
			if tt.context == tt.stack+"-lb" {
				host = g.get(lbType, "api-lb").State["ipv4"].StringValue()
			}
			script := g.get(command, "ready").Inputs["create"].StringValue()
			if !strings.Contains(script, "https://"+host+":6443") || strings.Contains(script, hostname) {
				t.Errorf("the readiness step does not check the provider's endpoint %s (or checks the DNS name):\n%s", host, script)
			}
		})
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

// No secret reaches a plain input or output of any resource, scripts
// included: the k3s token, the hcloud token, the SSH private key, both
// generated and the user's own, and the S3 secret key of etcd snapshots.
func TestSecretsStaySecret(t *testing.T) {
	generated := stack(t, "prod", nil)
	userKey := generated.get(cloudmodel.TypePrivateKey, "ssh-key").State["privateKeyOpenssh"].StringValue()
	for name, g := range map[string]graph{
		"generated key": generated,
		"user's key":    stack(t, "prod", map[string]any{"ssh": map[string]any{"privateKey": userKey}}),
		"S3 snapshots":  stack(t, "prod", s3Snapshots(nil)),
	} {
		token := g.get(cloudmodel.TypeRandomPassword, "k3s-token").State["result"].StringValue()
		secrets := map[string]string{
			"k3s token":       token,
			"SSH private key": strings.Split(userKey, "\n")[1],
			"hcloud token":    mockcloud.TestToken,
			"S3 secret key":   testS3SecretKey,
		}
		for _, r := range g.Resources {
			plain := plainStrings(resource.NewObjectProperty(r.Inputs))
			for what, secret := range secrets {
				if slices.ContainsFunc(plain, func(s string) bool { return strings.Contains(s, secret) }) {
					t.Errorf("%s: %s %s carries the %s in plain text", name, r.Type, r.Name, what)
				}
			}
			if r.Type == command && !r.Inputs["connection"].IsSecret() {
				t.Errorf("%s: %s connection is not secret", name, r.Name)
			}
			// The token on an install's stdin, the SSH key on a drain's.
			if r.Type == command && (strings.HasSuffix(r.Name, "-install") || strings.HasSuffix(r.Name, "-drain")) && !r.Inputs["stdin"].IsSecret() {
				t.Errorf("%s: %s stdin is not secret", name, r.Name)
			}
		}
		for output, value := range g.Outputs {
			for what, secret := range secrets {
				if !value.Secret && strings.Contains(fmt.Sprint(value.Value), secret) {
					t.Errorf("%s: output %s carries the %s in plain text", name, output, what)
				}
			}
		}
	}
	if fetch := generated.get(command, "kubeconfig"); !slices.Contains(fetch.AdditionalSecretOutputs, "stdout") || fetch.Inputs["logging"].StringValue() != "none" {
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
	key := stack(t, "dev", nil).get(cloudmodel.TypePrivateKey, "ssh-key").State["privateKeyOpenssh"].StringValue()
	g := stack(t, "dev", map[string]any{"ssh": map[string]any{"privateKey": key}})
	if names := g.names(cloudmodel.TypePrivateKey); len(names) != 0 {
		t.Errorf("a key pair was generated although the user gave one")
	}
	if _, ok := g.Outputs["sshPrivateKey"]; ok {
		t.Error("the user's own private key is exported")
	}
	if userData := g.get(server, "cp-1").Inputs["userData"].StringValue(); !strings.Contains(userData, "ssh_authorized_keys:\n- ssh-ed25519 ") {
		t.Errorf("the public key derived from the user's key does not reach the servers: %q", userData)
	}
}

func TestAuthorizedKeysReachEveryServer(t *testing.T) {
	cluster := strings.TrimSpace(stack(t, "dev", nil).get(cloudmodel.TypePrivateKey, "ssh-key").State["publicKeyOpenssh"].StringValue())
	human := cluster + " ops@example.com"
	g := stack(t, "dev", map[string]any{"ssh": map[string]any{"authorizedKeys": []string{human}}})
	// The cluster's own key comes first: it reaches servers through cloud-init
	// too, never as a Hetzner SSH key, whose fingerprint must be unique in a
	// project (so dev and prod could not share ssh.privateKey).
	// While the server boots, cloud-init downloads the pinned release.
	want, err := k3s.ServerUserData([]string{cluster, human}, config.DefaultK3sVersion)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range g.names(server) {
		if got := g.get(server, name).Inputs["userData"].StringValue(); got != want {
			t.Errorf("%s userData = %q, want %q", name, got, want)
		}
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

// change compares two runs, before and after a config change, as a preview would.
type change struct {
	added, removed []string            // type/name
	changed        map[string][]string // type/name → changed input keys that Pulumi acts on
}

func diff(before, after graph) change {
	key := func(r mockcloud.Resource) string { return r.Type + "/" + r.Name }
	old := map[string]mockcloud.Resource{}
	for _, r := range before.Resources {
		old[r.URN] = r
	}
	c := change{changed: map[string][]string{}}
	for _, r := range after.Resources {
		prev, existed := old[r.URN]
		delete(old, r.URN)
		if !existed {
			c.added = append(c.added, key(r))
			continue
		}
		for k, v := range r.Inputs {
			if !slices.Contains(r.IgnoreChanges, string(k)) && !reflect.DeepEqual(v.Mappable(), prev.Inputs[k].Mappable()) {
				c.changed[key(r)] = append(c.changed[key(r)], string(k))
			}
		}
	}
	for _, r := range old {
		c.removed = append(c.removed, key(r))
	}
	slices.Sort(c.added)
	slices.Sort(c.removed)
	return c
}

func pool(name string, count int) map[string]any {
	return map[string]any{"name": name, "count": count, "serverType": "cx23", "location": "nbg1"}
}

func assertChange(t *testing.T, got change, added, removed []string, changed map[string][]string) {
	t.Helper()
	slices.Sort(added)
	slices.Sort(removed)
	if !slices.Equal(got.added, added) {
		t.Errorf("added:\n got %v\nwant %v", got.added, added)
	}
	if !slices.Equal(got.removed, removed) {
		t.Errorf("removed:\n got %v\nwant %v", got.removed, removed)
	}
	for k := range got.changed {
		slices.Sort(got.changed[k])
	}
	if !reflect.DeepEqual(got.changed, changed) {
		t.Errorf("changed:\n got %v\nwant %v", got.changed, changed)
	}
}

// A worker's drain runs on the first control-plane node, before its install
// and server are deleted, and is replaced, first, with its server. The
// story of removing workers is internal/enginetest's
// TestRemovingWorkersDrainsFirst.
func TestADrainIsReplacedWithItsServer(t *testing.T) {
	g := stack(t, "dev", map[string]any{"workerPools": []any{pool("workers", 3)}})
	drain := g.get(command, "workers-3-drain")
	// Deleting runs in reverse dependency order: the drain before the install and the server.
	if !g.dependsOn(drain, g.get(command, "workers-3-install")) || !g.dependsOn(drain, g.get(server, "workers-3")) {
		t.Error("the drain would not run before the node's install and server are deleted")
	}
	if triggers := drain.Inputs["triggers"].Mappable(); !reflect.DeepEqual(triggers, []any{g.get(server, "workers-3").ID}) || !drain.DeleteBeforeReplace {
		t.Errorf("a replaced server would not be drained first: triggers %v, deleteBeforeReplace %v", triggers, drain.DeleteBeforeReplace)
	}
}

func TestEverythingThatTalksToTheAPIWaitsForReadiness(t *testing.T) {
	g := stack(t, "prod", nil)
	ready := g.get(command, "ready")
	for _, name := range g.names(server) {
		if !g.dependsOn(ready, g.get(command, name+"-install")) {
			t.Errorf("readiness does not wait for %s", name)
		}
	}
	script := ready.Inputs["create"].StringValue()
	for _, want := range []string{"prod-cp-1 prod-cp-2 prod-cp-3 prod-general-1 prod-general-2 prod-general-3 prod-arm-1 prod-arm-2", "https://10.0.255.254:6443"} {
		if !strings.Contains(script, want) {
			t.Errorf("readiness script lacks %q", want)
		}
	}
	provider := g.get(cloudmodel.TypeKubernetesProvider, "addons")
	if !g.dependsOn(provider, ready) {
		t.Error("the Kubernetes provider does not wait for readiness")
	}
	if !provider.Inputs["kubeconfig"].IsSecret() || provider.Inputs["clusterIdentifier"].StringValue() != "prod" {
		t.Errorf("provider kubeconfig secret=%v clusterIdentifier=%v", provider.Inputs["kubeconfig"].IsSecret(), provider.Inputs["clusterIdentifier"])
	}
	for _, r := range g.Resources {
		if strings.HasPrefix(r.Type, "kubernetes:") && !strings.HasPrefix(r.Provider, provider.URN+"::") {
			t.Errorf("%s %s is not managed through the cluster's provider (%s)", r.Type, r.Name, r.Provider)
		}
	}
}

func TestAddons(t *testing.T) {
	g := stack(t, "prod", nil)
	data := g.get(cloudmodel.TypeSecret, "hcloud").Inputs["stringData"]
	if !data.IsSecret() || !slices.Contains(plainStrings(data.SecretValue().Element), mockcloud.TestToken) {
		t.Fatal("the hcloud Secret does not carry the token as a Pulumi secret")
	}
	secret := data.SecretValue().Element.ObjectValue()
	if secret["network"].StringValue() != g.get(hetzner.TypeNetwork, "network").ID {
		t.Errorf("the hcloud Secret's network = %v", secret["network"])
	}
	ccm := g.get(chart, "hcloud-cloud-controller-manager").Inputs
	if ccm["version"].StringValue() != config.DefaultCCMVersion || ccm["values"].ObjectValue()["networking"].ObjectValue()["clusterCIDR"].StringValue() != "10.42.0.0/16" {
		t.Errorf("CCM chart = %v", ccm.Mappable())
	}
	if v := g.get(chart, "hcloud-csi").Inputs["version"].StringValue(); v != config.DefaultCSIVersion {
		t.Errorf("CSI version = %s", v)
	}
	if !strings.Contains(g.get(command, "cp-1-install").Inputs["create"].StringValue(), "disable-cloud-controller: true") {
		t.Error("k3s keeps its embedded cloud controller although the Hetzner CCM runs")
	}
}

// system-upgrade-controller is the program's own objects, at the pinned
// release; the Plans wait for the CRD the controller registers, read once a
// step on the first control-plane node has seen it established.
func TestSystemUpgradeController(t *testing.T) {
	g := stack(t, "prod", nil)
	// Named as the ConfigGroup that applied them before named them, which
	// a running cluster's move to these objects relies on.
	object := func(typ, namespacedName string) mockcloud.Resource {
		return g.get(typ, "system-upgrade-controller:"+namespacedName)
	}
	deployment := object(cloudmodel.TypeDeployment, "system-upgrade/system-upgrade-controller")
	container := deployment.Inputs["spec"].ObjectValue()["template"].ObjectValue()["spec"].ObjectValue()["containers"].ArrayValue()[0].ObjectValue()
	if image := container["image"].StringValue(); image != "rancher/system-upgrade-controller:"+config.DefaultSUCVersion {
		t.Errorf("controller image %s", image)
	}
	for _, o := range []struct{ typ, name string }{
		{cloudmodel.TypeNamespace, "system-upgrade"}, {cloudmodel.TypeServiceAccount, "system-upgrade/system-upgrade"},
		{cloudmodel.TypeConfigMap, "system-upgrade/default-controller-env"}, {cloudmodel.TypeClusterRole, "system-upgrade-controller"},
		{cloudmodel.TypeClusterRole, "system-upgrade-controller-drainer"}, {cloudmodel.TypeClusterRoleBinding, "system-upgrade"},
		{cloudmodel.TypeClusterRoleBinding, "system-upgrade-drainer"}, {cloudmodel.TypeRole, "system-upgrade/system-upgrade-controller"},
		{cloudmodel.TypeRoleBinding, "system-upgrade/system-upgrade"},
	} {
		if !g.dependsOn(deployment, object(o.typ, o.name)) {
			t.Errorf("the controller starts before %s %s", o.typ, o.name)
		}
	}
	crds := g.names(cloudmodel.TypeCRD)
	if len(crds) != 1 || !g.get(cloudmodel.TypeCRD, crds[0]).Read {
		t.Fatalf("the Plan CRD is %v, want one read: the controller registers it", crds)
	}
	crd := g.get(cloudmodel.TypeCRD, crds[0])
	established := g.get(command, "plans-crd-established")
	if !g.waitsDirectly(crd, established) || !g.waitsDirectly(established, deployment) {
		t.Error("the CRD is read before the step that waits for the controller to register it, after the controller")
	}
	if script := established.Inputs["create"].StringValue(); !strings.Contains(script, "crd='plans.upgrade.cattle.io'") {
		t.Errorf("the wait does not wait for the Plan CRD:\n%s", script)
	}
	for _, p := range g.names(cloudmodel.TypePlan) {
		if !g.waitsDirectly(g.get(cloudmodel.TypePlan, p), crd) {
			t.Errorf("Plan %s does not wait for the CRD", p)
		}
	}
}

func TestDisablingTheCCMKeepsK3sCloudController(t *testing.T) {
	g := stack(t, "dev", map[string]any{"addons": map[string]any{
		"cloudControllerManager": map[string]any{"enabled": false},
		"csiDriver":              map[string]any{"enabled": false},
	}})
	for _, typ := range []string{chart, cloudmodel.TypeSecret} {
		if names := g.names(typ); len(names) != 0 {
			t.Errorf("%s registered: %v", typ, names)
		}
	}
	script := g.get(command, "cp-1-install").Inputs["create"].StringValue()
	if strings.Contains(script, "disable-cloud-controller") || strings.Contains(script, "cloud-provider=external") {
		t.Errorf("without the CCM, nodes would stay uninitialized:\n%s", script)
	}
}

func TestMissingHcloudTokenForAddons(t *testing.T) {
	cfg := stackConfig(t, "dev", nil)
	delete(cfg, mockcloud.TokenKey)
	t.Setenv("HCLOUD_TOKEN", "")
	res, err := runStack(t, "dev", nil, mockcloud.Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "hcloud:token is not set") {
		t.Errorf("error = %v", err)
	}
	if len(res.Resources) != 0 {
		t.Errorf("%d resources registered without a token", len(res.Resources))
	}
}

func TestPreviewWithUnknownValues(t *testing.T) {
	g := stackWith(t, "prod", nil, true)
	if id := g.get(server, "cp-1").ID; id != "" {
		t.Errorf("server ID known in a preview: %q", id)
	}
	if _, known := g.get(hetzner.TypeLoadBalancerTarget, "api-lb").Inputs["loadBalancerId"]; known {
		t.Error("the load balancer's ID is known before it exists")
	}
	if out := g.Outputs["kubeconfig"]; !out.Secret {
		t.Error("preview kubeconfig is not secret")
	}
	if len(g.names(server)) != 8 {
		t.Errorf("preview registers %d servers", len(g.names(server)))
	}
}

func TestBadConfigRegistersNothing(t *testing.T) {
	res, err := runStack(t, "prod", map[string]any{
		"controlPlane": map[string]any{"count": 2, "locations": []string{"fsn1", "ash"}},
	}, mockcloud.Options{})
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
	res, err := runStack(t, "dev", nil, mockcloud.Options{Config: map[string]string{"hcloud-k3s:controlPlane": `{"count":"three"}`}})
	if err == nil || !strings.Contains(err.Error(), "hcloud-k3s:controlPlane:") {
		t.Errorf("error = %v", err)
	}
	if len(res.Resources) != 0 {
		t.Errorf("%d resources registered", len(res.Resources))
	}
}

// A misspelt key, which the SDK would never look up, is found in the config
// the CLI passes (PULUMI_CONFIG) and refused before any resource.
func TestMisspeltKeyRegistersNothing(t *testing.T) {
	cfg := stackConfig(t, "dev", map[string]any{"workerPool": []any{pool("w", 1)}})
	env, _ := json.Marshal(cfg)
	t.Setenv(pulumi.EnvConfig, string(env))
	res, err := runStack(t, "dev", nil, mockcloud.Options{Config: cfg})
	want := "hcloud-k3s:workerPool: is not an hcloud-k3s setting; did you mean workerPools?"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to contain %q", err, want)
	}
	if len(res.Resources) != 0 {
		t.Errorf("%d resources registered despite a misspelt key", len(res.Resources))
	}
}

// The defaults Pulumi.yaml documents are the ones the program applies.
func TestPulumiYAMLDefaultsMatchTheProgram(t *testing.T) {
	cfg := stackConfig(t, "dev", map[string]any{"workerPools": []any{map[string]any{"name": "w"}}})
	var documented config.Input
	objects := map[string]any{
		"controlPlane": &documented.ControlPlane, "network": &documented.Network, "apiLoadBalancer": &documented.APILoadBalancer,
		"k3s": &documented.K3s, "addons": &documented.Addons, "upgrade": &documented.Upgrade,
		"etcdSnapshots": &documented.EtcdSnapshots,
	}
	for key, target := range objects {
		if err := json.Unmarshal([]byte(cfg["hcloud-k3s:"+key]), target); err != nil {
			t.Fatal(key, err)
		}
	}
	documented.K3sVersion = cfg["hcloud-k3s:k3sVersion"]
	documented.DrainTimeout = cfg["hcloud-k3s:drainTimeout"]
	bare := config.Input{Firewall: config.FirewallInput{SSHAllowedCIDRs: []string{mockcloud.OperatorCIDR}}, WorkerPools: []config.WorkerPoolInput{{Name: "w"}}}
	documented.Firewall, documented.WorkerPools = bare.Firewall, bare.WorkerPools
	a, errA := config.Resolve("dev", documented)
	b, errB := config.Resolve("dev", bare)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Pulumi.yaml defaults differ from the program's:\n yaml %+v\n   go %+v", a, b)
	}
}

// The first control-plane node's install lists every address a member may
// have, whatever the control plane's size, so a rebuilt first server finds
// the survivors (internal/enginetest's TestFirstControlPlaneServerRebuilt),
// and the kubeconfig is fetched again from a new server.
func TestFirstInstallListsEveryPossibleMember(t *testing.T) {
	const peers = "join_peers='10.0.255.252 10.0.255.251 10.0.255.250 10.0.255.249'"
	for _, count := range []int{1, 3, 5} {
		g := stack(t, "prod", map[string]any{"controlPlane": map[string]any{"count": count, "serverType": "cx33", "locations": []string{"fsn1", "nbg1", "hel1"}}})
		script := g.get(command, "cp-1-install").Inputs["create"].StringValue()
		if !strings.Contains(script, peers) || !strings.Contains(script, "cluster-init: true") {
			t.Errorf("%d control-plane nodes: cp-1 would not look for survivors before initialising", count)
		}
		triggers := g.get(command, "kubeconfig").Inputs["triggers"].Mappable()
		if !reflect.DeepEqual(triggers, []any{g.get(server, "cp-1").ID}) {
			t.Errorf("kubeconfig triggers = %v, want the first server's ID", triggers)
		}
	}
}

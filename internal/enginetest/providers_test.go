package enginetest

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/blang/semver"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/crypto/ssh"
)

// Provider versions are those the SDKs in go.mod ask the engine for (their
// pulumi-plugin.json): the plugin host loads only an exact match.
var providerVersions = map[tokens.Package]string{
	"hcloud":     "1.41.0",
	"command":    "1.2.1",
	"random":     "4.19.0",
	"tls":        "5.2.0",
	"kubernetes": "4.32.0",
}

// providers are the in-process providers a stack's operations use; they
// act on the world, which outlives each operation.
func (w *world) providers(stack string) []*deploytest.ProviderLoader {
	factories := map[tokens.Package]func() *deploytest.Provider{
		"hcloud":     w.hcloudProvider,
		"command":    func() *deploytest.Provider { return w.commandProvider(stack) },
		"random":     w.randomProvider,
		"tls":        w.tlsProvider,
		"kubernetes": w.kubernetesProvider,
	}
	var loaders []*deploytest.ProviderLoader
	for pkg, version := range providerVersions {
		newProvider := factories[pkg]
		loaders = append(loaders, deploytest.NewProviderLoader(pkg, semver.MustParse(version), func() (plugin.Provider, error) {
			return newProvider(), nil
		}))
	}
	return loaders
}

// resourceProvider is the behaviour every provider here shares: a diff that
// replaces on the given keys, creates and updates that take their time and
// record themselves, and a preview that leaves what the provider computes
// unknown.
type resourceProvider struct {
	// replaces says which changed inputs force a replacement.
	replaces func(typ tokens.Type, key string) bool
	// create makes the resource; preview is answered from computed.
	create func(req plugin.CreateRequest) (resource.ID, property.Map, error)
	// computed are the outputs the provider fills in on create.
	computed func(typ tokens.Type) []string
	update   func(req plugin.UpdateRequest) (property.Map, error)
	delete   func(req plugin.DeleteRequest) error
	read     func(req plugin.ReadRequest) (property.Map, bool)
}

func (p resourceProvider) build() *deploytest.Provider {
	return &deploytest.Provider{
		DiffF: func(_ context.Context, req plugin.DiffRequest) (plugin.DiffResult, error) {
			return diffInputs(req.Type, req.OldInputs, req.NewInputs, p.replaces), nil
		},
		CreateF: func(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
			if req.Preview {
				return plugin.CreateResponse{Properties: withUnknown(req.Properties, p.computed(req.Type))}, nil
			}
			id, outputs, err := p.create(req)
			if err != nil {
				return plugin.CreateResponse{}, err
			}
			return plugin.CreateResponse{ID: id, Properties: outputs, Status: resource.StatusOK}, nil
		},
		UpdateF: func(_ context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
			if req.Preview {
				return plugin.UpdateResponse{Properties: keepComputed(req.NewInputs, req.OldOutputs, p.computed(req.Type))}, nil
			}
			outputs, err := p.update(req)
			if err != nil {
				return plugin.UpdateResponse{}, err
			}
			return plugin.UpdateResponse{Properties: outputs, Status: resource.StatusOK}, nil
		},
		DeleteF: func(_ context.Context, req plugin.DeleteRequest) (plugin.DeleteResponse, error) {
			if err := p.delete(req); err != nil {
				return plugin.DeleteResponse{}, err
			}
			return plugin.DeleteResponse{Status: resource.StatusOK}, nil
		},
		ReadF: func(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
			state, ok := p.read(req)
			if !ok {
				return plugin.ReadResponse{Status: resource.StatusOK}, nil // gone
			}
			return plugin.ReadResponse{
				ReadResult: plugin.ReadResult{ID: req.ID, Inputs: &req.Inputs, Outputs: &state},
				Status:     resource.StatusOK,
			}, nil
		},
	}
}

// diffInputs compares old and new inputs: a change to a key that replaces
// is a replacement, any other change an update; an unknown new value counts
// as a change.
func diffInputs(typ tokens.Type, olds, news property.Map, replaces func(tokens.Type, string) bool) plugin.DiffResult {
	oldMap, newMap := resource.ToResourcePropertyMap(olds), resource.ToResourcePropertyMap(news)
	diff := oldMap.Diff(newMap)
	if diff == nil {
		return plugin.DiffResult{Changes: plugin.DiffNone}
	}
	detailed := plugin.NewDetailedDiffFromObjectDiff(diff, true)
	result := plugin.DiffResult{Changes: plugin.DiffSome, DetailedDiff: map[string]plugin.PropertyDiff{}}
	for _, key := range diff.ChangedKeys() {
		result.ChangedKeys = append(result.ChangedKeys, key)
		if replaces(typ, string(key)) {
			result.ReplaceKeys = append(result.ReplaceKeys, key)
		}
	}
	for path, d := range detailed {
		top, _, _ := strings.Cut(strings.SplitN(path, "[", 2)[0], ".")
		if replaces(typ, top) {
			d = d.ToReplace()
		}
		result.DetailedDiff[path] = d
	}
	return result
}

// withUnknown is what a provider answers in preview: the inputs, and
// unknown where it would compute a value.
func withUnknown(inputs property.Map, computed []string) property.Map {
	for _, key := range computed {
		if v, ok := inputs.GetOk(key); !ok || !v.IsString() || v.AsString() == "" {
			inputs = inputs.Set(key, property.New(property.Computed))
		}
	}
	return inputs
}

// keepComputed previews an update: the new inputs, with the values the
// provider computed before.
func keepComputed(news, olds property.Map, computed []string) property.Map {
	for _, key := range computed {
		if _, set := news.GetOk(key); !set {
			if v, ok := olds.GetOk(key); ok {
				news = news.Set(key, v)
			}
		}
	}
	return news
}

// hcloudProvider acts on the simulated project, with the latencies of
// Hetzner's actions.
func (w *world) hcloudProvider() *deploytest.Provider {
	p := resourceProvider{
		replaces: func(typ tokens.Type, key string) bool {
			return slices.Contains(replaceKeys[typ], key)
		},
		computed: func(typ tokens.Type) []string { return hcloudComputed[typ] },
		create: func(req plugin.CreateRequest) (resource.ID, property.Map, error) {
			var id string
			var state property.Map
			err := w.do(operation{Kind: "create", Type: req.Type, URN: req.URN}, func() (err error) {
				id, state, err = w.cloud.create(req.Type, req.Properties)
				if err == nil && req.Type == serverType {
					w.boot(str(req.Properties, "name"))
				}
				return err
			})
			return resource.ID(id), state, err
		},
		update: func(req plugin.UpdateRequest) (property.Map, error) {
			op := operation{Kind: "update", Type: req.Type, URN: req.URN}
			if req.Type == serverType && str(req.OldInputs, "serverType") != str(req.NewInputs, "serverType") {
				op.Kind = "resize" // power off, change type, power on (resource.go:587-610)
			}
			var state property.Map
			err := w.do(op, func() (err error) {
				state, err = w.cloud.update(req.Type, string(req.ID), req.NewInputs)
				return err
			})
			return state, err
		},
		delete: func(req plugin.DeleteRequest) error {
			return w.do(operation{Kind: "delete", Type: req.Type, URN: req.URN}, func() error {
				w.cloud.delete(string(req.ID))
				return nil
			})
		},
		read: func(req plugin.ReadRequest) (property.Map, bool) { return w.cloud.read(string(req.ID)) },
	}.build()
	p.InvokeF = func(ctx context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
		w.recordRead(str(p.Config, "token"))
		return w.hcloudInvoke(ctx, req)
	}
	return p
}

// hcloudLists are the list data sources the program reads, with the type
// each lists and the key of its result.
var hcloudLists = map[tokens.ModuleMember]struct {
	typ tokens.Type
	key string
}{
	"hcloud:index/getServers:getServers":   {serverType, "servers"},
	"hcloud:index/getNetworks:getNetworks": {networkType, "networks"},
}

// hcloudInvoke answers the list data sources from the project, and the
// server types from the world's catalogue; every read fails while Hetzner's
// API is unreachable.
func (w *world) hcloudInvoke(_ context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
	if w.unreachable {
		return plugin.InvokeResponse{}, errors.New("Get \"https://api.hetzner.cloud/v1/servers\": dial tcp: lookup api.hetzner.cloud: no such host")
	}
	if req.Tok == "hcloud:index/getServerTypes:getServerTypes" {
		return plugin.InvokeResponse{Properties: resource.FromResourcePropertyMap(mockcloud.ServerTypesResult(w.catalogue))}, nil
	}
	list, ok := hcloudLists[req.Tok]
	if !ok {
		return plugin.InvokeResponse{}, fmt.Errorf("hcloud: no data source %s", req.Tok)
	}
	selector := str(req.Args, "withSelector")
	return plugin.InvokeResponse{Properties: property.NewMap(map[string]property.Value{
		"id":           property.New(selector),
		"withSelector": property.New(selector),
		list.key:       property.New(property.NewArray(w.cloud.list(list.typ, selector))),
	})}, nil
}

// hcloudComputed are the outputs Hetzner assigns.
var hcloudComputed = map[tokens.Type][]string{
	serverType:       {"ipv4Address", "ipv6Address", "status", "networks"},
	subnetType:       {"gateway"},
	sshKeyType:       {"fingerprint"},
	loadBalancerType: {"ipv4", "ipv6"},
	lbNetworkType:    {"ip"},
}

// commandProvider runs remote commands on the simulated servers: each
// create, update and delete is recorded with the server it ran on and its
// script, and fails, as SSH would, when no server has the address.
func (w *world) commandProvider(stack string) *deploytest.Provider {
	run := func(kind string, urn resource.URN, inputs property.Map, script string) error {
		host := str(inputs.Get("connection").AsMap(), "host")
		node, ok := w.cloud.serverAt(host)
		if !ok {
			return fmt.Errorf("ssh: dial tcp %s:22: connect: no route to host", host)
		}
		op := operation{Kind: kind, Type: commandType, URN: urn, Node: node, Script: script, stack: stack}
		return w.do(op, func() error {
			w.recordInstall(urn, node, script)
			return nil
		})
	}
	outputs := func(inputs property.Map, script string) property.Map {
		stdout := mockcloud.CommandStdout(resource.NewProperty(script))
		if strings.Contains(script, "nodeInfo.kubeletVersion") { // the version read (clusterops.ServerVersionScript)
			stdout = w.oldestControlPlaneVersion(stack) + "\n"
		}
		w.keepKubeconfigSecret(stdout)
		return inputs.Set("stdout", property.New(stdout)).Set("stderr", property.New(""))
	}
	return resourceProvider{
		replaces: func(tokens.Type, string) bool { return false }, // the SDK asks to replace on triggers
		computed: func(tokens.Type) []string { return []string{"stdout", "stderr"} },
		create: func(req plugin.CreateRequest) (resource.ID, property.Map, error) {
			script := str(req.Properties, "create")
			if script == "" { // a rollout: pulumi-command runs nothing (provider/pkg/provider/remote/commandController.go at v1.2.1, Create == nil)
				return resource.ID(w.newCommandID(req.URN)), outputs(req.Properties, script), nil
			}
			if err := run("create", req.URN, req.Properties, script); err != nil {
				return "", property.Map{}, err
			}
			return resource.ID(w.newCommandID(req.URN)), outputs(req.Properties, script), nil
		},
		update: func(req plugin.UpdateRequest) (property.Map, error) {
			script := cmp.Or(str(req.NewInputs, "update"), str(req.NewInputs, "create"))
			if err := run("update", req.URN, req.NewInputs, script); err != nil {
				return property.Map{}, err
			}
			return outputs(req.NewInputs, script), nil
		},
		delete: func(req plugin.DeleteRequest) error {
			script := str(req.Inputs, "delete")
			if script == "" {
				return nil // nothing to run, no connection made
			}
			if err := run("delete", req.URN, req.Inputs, script); err != nil {
				return err
			}
			return w.removeNodeGroup(req.Inputs)
		},
		read: func(req plugin.ReadRequest) (property.Map, bool) { return req.State, true },
	}.build()
}

const commandType tokens.Type = cloudmodel.TypeCommand

// randomProvider makes the k3s token; any change to its inputs replaces it.
func (w *world) randomProvider() *deploytest.Provider {
	return w.localProvider([]string{"result"}, func(property.Map) property.Map {
		token := (rand.Text() + rand.Text())[:48] // length 48, no specials, as the program asks
		w.keepSecret(token)
		return property.NewMap(map[string]property.Value{"result": property.New(token)})
	})
}

// tlsProvider generates the SSH key pair.
func (w *world) tlsProvider() *deploytest.Provider {
	return w.localProvider([]string{"privateKeyOpenssh", "privateKeyPem", "publicKeyOpenssh"}, func(property.Map) property.Map {
		private, public := newKeyPair()
		w.keepSecret(private)
		return property.NewMap(map[string]property.Value{
			"privateKeyOpenssh": property.New(private),
			"privateKeyPem":     property.New(private),
			"publicKeyOpenssh":  property.New(public),
		})
	})
}

// localProvider is a provider that computes its outputs on this machine and
// replaces its resource on any change, like random and tls.
func (w *world) localProvider(computed []string, generate func(property.Map) property.Map) *deploytest.Provider {
	return resourceProvider{
		replaces: func(tokens.Type, string) bool { return true },
		computed: func(tokens.Type) []string { return computed },
		create: func(req plugin.CreateRequest) (resource.ID, property.Map, error) {
			outputs := req.Properties
			for k, v := range generate(req.Properties).All {
				outputs = outputs.Set(k, v)
			}
			return resource.ID(w.newCommandID(req.URN)), outputs, nil
		},
		update: func(req plugin.UpdateRequest) (property.Map, error) { return req.NewInputs, nil },
		delete: func(plugin.DeleteRequest) error { return nil },
		read:   func(req plugin.ReadRequest) (property.Map, bool) { return req.State, true },
	}.build()
}

func newKeyPair() (private, public string) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		panic(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(block)), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
}

// kubernetesProvider applies any Kubernetes object by its inputs, reads one
// as the program describes it, and constructs component resources (Helm
// charts) with no children, taking the registry's time to apply them the
// first time. It fails, as the real one does, when the cluster it is
// configured for has no reachable API.
func (w *world) kubernetesProvider() *deploytest.Provider {
	p := resourceProvider{
		replaces: func(_ tokens.Type, key string) bool {
			return key == "metadata" || key == "name" || key == "namespace" // a new object name is a new object
		},
		computed: func(tokens.Type) []string { return nil },
		create: func(req plugin.CreateRequest) (resource.ID, property.Map, error) {
			err := w.do(operation{Kind: "create", Type: req.Type, URN: req.URN}, func() error { return w.runAutoscaler(req.URN, req.Properties) })
			return resource.ID(w.newCommandID(req.URN)), req.Properties, err
		},
		update: func(req plugin.UpdateRequest) (property.Map, error) {
			err := w.do(operation{Kind: "update", Type: req.Type, URN: req.URN}, func() error { return w.runAutoscaler(req.URN, req.NewInputs) })
			return req.NewInputs, err
		},
		delete: func(req plugin.DeleteRequest) error {
			return w.do(operation{Kind: "delete", Type: req.Type, URN: req.URN}, func() error { w.stopAutoscaler(req.URN); return nil })
		},
		read: func(req plugin.ReadRequest) (property.Map, bool) { return req.State, true },
	}.build()
	// A changed cluster identity replaces the provider, and with it every
	// object (pulumi-kubernetes provider.go DiffConfig); a changed
	// kubeconfig alone updates it.
	p.DiffConfigF = func(_ context.Context, req plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
		return diffInputs("", req.OldInputs, req.NewInputs, func(_ tokens.Type, key string) bool { return key == "clusterIdentifier" }), nil
	}
	p.ConstructF = func(_ context.Context, req plugin.ConstructRequest, monitor *deploytest.ResourceMonitor) (plugin.ConstructResponse, error) {
		resp, err := monitor.RegisterResource(req.Type, req.Name, false, deploytest.ResourceOptions{Parent: req.Parent})
		if err != nil {
			return plugin.ConstructResponse{}, err
		}
		if !req.Info.DryRun && w.firstConstruct(resp.URN) {
			if err := w.do(operation{Kind: "create", Type: req.Type, URN: resp.URN}, func() error { return nil }); err != nil {
				return plugin.ConstructResponse{}, err
			}
		}
		if err := monitor.RegisterResourceOutputs(resp.URN, resource.PropertyMap{}); err != nil {
			return plugin.ConstructResponse{}, err
		}
		return plugin.ConstructResponse{URN: resp.URN}, nil
	}
	return p
}

// firstConstruct says whether the component urn is constructed for the
// first time: later ups find its objects applied (a changed chart's update
// is not modelled).
func (w *world) firstConstruct(urn resource.URN) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	first := !w.constructed[urn]
	w.constructed[urn] = true
	return first
}

// isComponent says whether op applied a component the kubernetes provider
// constructs, not a step of the engine.
func isComponent(op operation) bool {
	return op.Type == cloudmodel.TypeChart
}

// keepKubeconfigSecret marks the admin credentials in a fetched kubeconfig
// as a secret: they must never be stored in the clear.
func (w *world) keepKubeconfigSecret(stdout string) {
	for _, line := range strings.Split(stdout, "\n") {
		if _, key, ok := strings.Cut(line, "client-key-data: "); ok {
			w.keepSecret(strings.TrimSpace(key))
		}
	}
}

// installVersion finds the version an install script installs.
var installVersion = regexp.MustCompile(`(?m)^version='(v[^']+)'$`)

// recordInstall notes the k3s version a node's install put on it: the
// version the node runs until the upgrade Plans (not modelled) change it.
func (w *world) recordInstall(urn resource.URN, node, script string) {
	m := installVersion.FindStringSubmatch(script)
	if !strings.HasSuffix(urn.Name(), "-install") || m == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running[node] = m[1]
}

// olderRelease orders k3s releases as the program does (config.Version.Less,
// which counts the +k3sN build that semver ignores).
func olderRelease(a, b string) bool {
	va, errA := config.ParseVersion(a)
	vb, errB := config.ParseVersion(b)
	return errA == nil && errB == nil && va.Less(vb)
}

// oldestControlPlaneVersion is what the version read prints: the oldest
// version a control-plane node of the stack runs.
func (w *world) oldestControlPlaneVersion(stack string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	oldest := ""
	for node, version := range w.running {
		if strings.HasPrefix(node, stack+"-cp-") && (oldest == "" || olderRelease(version, oldest)) {
			oldest = version
		}
	}
	return oldest
}

// Package mockcloud runs a Pulumi program against an in-memory Hetzner Cloud:
// every resource registration is answered with realistic outputs and
// recorded, so tests can assert the whole resource graph without a network.
package mockcloud

import (
	"cmp"
	"crypto/ed25519"
	_ "embed"
	"encoding/pem"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"golang.org/x/crypto/ssh"
)

// Project is the Pulumi project name of hcloud-k3s, the default of Options.Project.
const Project = "hcloud-k3s"

// Program is a Pulumi program that returns its stack outputs.
type Program func(ctx *pulumi.Context) (pulumi.Map, error)

// Resource is one registration the program made.
type Resource struct {
	Type, Name, URN, Parent, ID string
	Custom                      bool
	Inputs                      resource.PropertyMap
	State                       resource.PropertyMap // what the mock cloud answered
	Dependencies                []string             // URNs, explicit and from inputs
	PropertyDependencies        map[string][]string  // input property → URNs
	IgnoreChanges               []string
	DeleteBeforeReplace         bool
	AdditionalSecretOutputs     []string
	Provider                    string
	Read                        bool // a read of an existing resource (a StackReference, a CRD), not a registration
}

// Output is one stack output, resolved.
type Output struct {
	Value  any
	Known  bool
	Secret bool
}

// Result is everything a run registered and exported.
type Result struct {
	Resources []Resource // in registration order
	Outputs   map[string]Output
}

// Options tune a run.
type Options struct {
	Project    string // "" means Project
	Stack      string
	Config     map[string]string // full keys, e.g. "hcloud-k3s:controlPlane" → JSON
	SecretKeys []string          // config keys that are secrets
	Preview    bool              // answer like `pulumi preview`: cloud-assigned values unknown
	// Stacks are the outputs of the stacks a StackReference may read, by
	// fully qualified name; reading any other stack fails.
	Stacks map[string]resource.PropertyMap
	// Existing are what Hetzner Cloud already holds: the servers and
	// networks its getServers and getNetworks invokes list (and every
	// label selector matches). nil is a new project.
	Existing *Existing
	// ServerTypes is what getServerTypes lists; nil is Catalogue().
	ServerTypes hetzner.Catalogue
}

// Existing is what a Hetzner project holds before a run.
type Existing struct {
	Servers  []ExistingServer
	Networks []ExistingNetwork
}

// ExistingServer is a server that exists, as getServers lists it.
type ExistingServer struct {
	Name, ServerType, Location, IPv4 string
	Labels                           map[string]string
}

// ExistingNetwork is a network that exists, as getNetworks lists it.
type ExistingNetwork struct{ Name, IPRange string }

// Run runs program under mocks and returns what it registered and exported.
func Run(program Program, opts Options) (*Result, error) {
	project := cmp.Or(opts.Project, Project)
	mocks := &cloud{preview: opts.Preview, project: project, stack: opts.Stack, stacks: opts.Stacks}
	if opts.Existing != nil {
		mocks.existing = *opts.Existing
	}
	mocks.serverTypes = opts.ServerTypes
	if mocks.serverTypes == nil {
		mocks.serverTypes = Catalogue()
	}
	result := &Result{Outputs: map[string]Output{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		outputs, err := program(ctx)
		if err != nil {
			return err
		}
		for _, key := range slices.Sorted(maps.Keys(outputs)) {
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(outputs[key]))
			if err != nil {
				return fmt.Errorf("output %s: %w", key, err)
			}
			result.Outputs[key] = Output{Value: r.Value, Known: r.Known, Secret: r.Secret}
		}
		return nil
	}, pulumi.WithMocks(project, opts.Stack, mocks), func(ri *pulumi.RunInfo) {
		ri.Config = opts.Config
		ri.ConfigSecretKeys = append(slices.Clone(opts.SecretKeys), TokenKey)
		ri.DryRun = opts.Preview
	})
	result.Resources = mocks.recorded()
	return result, err
}

// cloud answers registrations like Hetzner Cloud and the other providers would.
type cloud struct {
	preview  bool
	project  string
	stack    string
	stacks   map[string]resource.PropertyMap
	existing Existing
	// serverTypes is the catalogue getServerTypes lists.
	serverTypes hetzner.Catalogue
	mu          sync.Mutex
	resources   []Resource
}

func (c *cloud) recorded() []Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.resources)
}

func (c *cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "hcloud:index/getServers:getServers":
		var servers []any
		for _, s := range c.existing.Servers {
			labels := map[string]any{}
			for k, v := range s.Labels {
				labels[k] = v
			}
			servers = append(servers, map[string]any{"name": s.Name, "serverType": s.ServerType, "location": s.Location, "ipv4Address": s.IPv4, "labels": labels})
		}
		return resource.NewPropertyMapFromMap(map[string]any{"id": "servers", "servers": servers}), nil
	case "hcloud:index/getNetworks:getNetworks":
		var networks []any
		for _, n := range c.existing.Networks {
			networks = append(networks, map[string]any{"name": n.Name, "ipRange": n.IPRange})
		}
		return resource.NewPropertyMapFromMap(map[string]any{"id": "networks", "networks": networks}), nil
	case "hcloud:index/getServerTypes:getServerTypes":
		return ServerTypesResult(c.serverTypes), nil
	}
	return nil, fmt.Errorf("mockcloud: unexpected invoke %s", args.Token)
}

func (c *cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id, state := "", args.Inputs.Copy()
	var err error
	switch {
	case args.TypeToken == "pulumi:pulumi:StackReference":
		id, state, err = c.readStack(args.ID)
	case args.Custom:
		id, state = c.answer(args)
	}
	r := Resource{
		Type: args.TypeToken, Name: args.Name, ID: id, Custom: args.Custom,
		Inputs: args.Inputs, State: state, Provider: args.Provider, Read: args.ReadRPC != nil,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.URN = urn(c.project, c.stack, args, rpc.GetParent())
		r.Parent = rpc.GetParent()
		r.Dependencies = rpc.GetDependencies()
		r.PropertyDependencies = map[string][]string{}
		for prop, deps := range rpc.GetPropertyDependencies() {
			r.PropertyDependencies[prop] = deps.GetUrns()
		}
		r.IgnoreChanges = rpc.GetIgnoreChanges()
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		r.AdditionalSecretOutputs = rpc.GetAdditionalSecretOutputs()
	}
	if rpc := args.ReadRPC; rpc != nil && rpc.GetParent() != "" {
		r.URN = urn(c.project, c.stack, args, rpc.GetParent())
		r.Parent = rpc.GetParent()
		r.Dependencies = rpc.GetDependencies()
	}
	c.mu.Lock()
	c.resources = append(c.resources, r)
	c.mu.Unlock()
	return id, state, err
}

// readStack answers a StackReference read with the outputs of that stack.
func (c *cloud) readStack(name string) (string, resource.PropertyMap, error) {
	outputs, ok := c.stacks[name]
	if !ok {
		return "", nil, fmt.Errorf("mockcloud: stack %q not found", name)
	}
	return name, resource.PropertyMap{
		"name":    resource.NewStringProperty(name),
		"outputs": resource.NewObjectProperty(outputs),
	}, nil
}

// urn computes the URN the engine (and the SDK's mock monitor) gives.
func urn(project, stack string, args pulumi.MockResourceArgs, parent string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType, tokens.Type(args.TypeToken), args.Name))
}

// answer returns the ID and state a provider would return for a resource.
func (c *cloud) answer(args pulumi.MockResourceArgs) (string, resource.PropertyMap) {
	state := args.Inputs.Copy()
	n := number(args.TypeToken + "/" + args.Name)
	id := fmt.Sprint(n)
	set := func(key string, v any) { state[resource.PropertyKey(key)] = resource.NewPropertyValue(v) }
	// The SDK's mock monitor cannot unmarshal an unknown value inside a secret
	// (it drops KeepUnknowns), so a preview answers what flows into secrets —
	// the key pair, the token, server addresses in SSH connections, command
	// output, the network's ID and the API load balancer's IP — as if
	// known, and leaves IDs and every other cloud-assigned value unknown.
	switch args.TypeToken {
	case "random:index/randomPassword:RandomPassword":
		set("result", fmt.Sprintf("mock-k3s-token-%032d", n))
		return id, state
	case "tls:index/privateKey:PrivateKey":
		private, public := keyPair(n)
		set("privateKeyOpenssh", private)
		set("publicKeyOpenssh", public)
		return id, state
	case "hcloud:index/server:Server":
		set("ipv4Address", publicIPv4(n))
	case "hcloud:index/loadBalancer:LoadBalancer": // its IP goes into the kubeconfig
		set("ipv4", publicIPv4(n))
	case "command:remote:Command": // the kubeconfig, secret, feeds the Kubernetes provider
		set("stdout", CommandStdout(args.Inputs["create"]))
		set("stderr", "")
	case "hcloud:index/network:Network": // its ID goes into the CCM's Secret
		return id, state
	case "pulumi:index:Stash": // a new stash keeps its input (pulumi pkg/resource/deploy/builtins.go Create)
		state["output"] = args.Inputs["input"]
		return id, state
	}
	if c.preview {
		return "", state
	}
	switch args.TypeToken {
	case "hcloud:index/server:Server":
		set("ipv6Address", fmt.Sprintf("2a01:4f8:c0c:%x::1", n%0xffff))
		set("status", "running")
		state["networks"] = serverNetworks(args.Inputs, n)
	case "hcloud:index/networkSubnet:NetworkSubnet":
		id = fmt.Sprintf("%v-%v", args.Inputs["networkId"].V, args.Inputs["ipRange"].StringValue())
		set("gateway", "10.0.0.1")
	case "hcloud:index/loadBalancer:LoadBalancer":
		set("ipv6", fmt.Sprintf("2a01:4f8:c01e:%x::1", n%0xffff))
	case "hcloud:index/sshKey:SshKey":
		set("fingerprint", "b7:2f:30:a0:2f:6c:58:6c:21:04:58:61:ba:06:3b:2f")
	}
	return id, state
}

// number is a stable numeric ID: the same resource always gets the same one.
func number(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32()%9_000_000) + 1_000_000
}

func publicIPv4(n int) string {
	return fmt.Sprintf("203.0.%d.%d", 113+n%2, 2+n%250)
}

func serverNetworks(inputs resource.PropertyMap, n int) resource.PropertyValue {
	var out []resource.PropertyValue
	if nets, ok := inputs["networks"]; ok && nets.IsArray() {
		for _, attachment := range nets.ArrayValue() {
			m := attachment.ObjectValue().Copy()
			if ip, ok := m["ip"]; !ok || !ip.IsString() || ip.StringValue() == "" {
				m["ip"] = resource.NewStringProperty(fmt.Sprintf("10.0.%d.%d", n%200, 2+n%250))
			}
			out = append(out, resource.NewObjectProperty(m))
		}
	}
	return resource.NewArrayProperty(out)
}

// keyPairs caches generated keys: OpenSSH encoding adds a random check
// value, and the same resource must get the same key every time.
var keyPairs sync.Map

func keyPair(n int) (string, string) {
	if cached, ok := keyPairs.Load(n); ok {
		pair := cached.([2]string)
		return pair[0], pair[1]
	}
	private, public := newKeyPair(n)
	keyPairs.Store(n, [2]string{private, public})
	return private, public
}

func newKeyPair(n int) (string, string) {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, fmt.Sprint(n))
	key := ed25519.NewKeyFromSeed(seed)
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		panic(err)
	}
	public, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(block)), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(public)))
}

//go:embed testdata/k3s.yaml
var k3sKubeconfig string

// CommandStdout answers like a remote command whose script is create would
// on a healthy node: the kubeconfig fetch prints a k3s.yaml, and the version
// read (clusterops.ServerVersionScript) the version the modelled control
// plane runs, the default one.
func CommandStdout(create resource.PropertyValue) string {
	switch {
	case !create.IsString():
	case create.StringValue() == k3s.FetchKubeconfigScript:
		return k3sKubeconfig
	case strings.Contains(create.StringValue(), "nodeInfo.kubeletVersion"):
		return RunningK3sVersion + "\n"
	}
	return "hcloud-k3s: k3s is ready\n"
}

// RunningK3sVersion is the k3s version the modelled control plane runs.
const RunningK3sVersion = config.DefaultK3sVersion

package enginetest

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/provider"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	sdkprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"sigs.k8s.io/yaml"
)

const clusterType = "hcloud-k3s:index:Cluster"

// consumer is a program in another language that uses the component
// package: under its stack, it registers one remote hcloud-k3s:index:Cluster
// with its inputs, as an SDK from `pulumi package add` (or a YAML program)
// does, keeps what it gets back and exports the Cluster's outputs. Its
// plugin is pulumi-resource-hcloud-k3s's gRPC service, served in-process.
type consumer struct {
	name    string
	inputs  resource.PropertyMap
	plugin  *deploytest.ProviderLoader
	outputs resource.PropertyMap
	// hcloudProvider, when set, are the inputs of an explicit hcloud
	// provider the program gives the Cluster in its providers option.
	hcloudProvider resource.PropertyMap
}

func newConsumer(t *testing.T, name string, inputs resource.PropertyMap) *consumer {
	return &consumer{name: name, inputs: inputs, plugin: deploytest.NewProviderLoaderWithHost("hcloud-k3s",
		semver.MustParse(provider.Version), func(host plugin.Host) (plugin.Provider, error) {
			return servePlugin(t, host)
		})}
}

func (c *consumer) run(info plugin.RunInfo, monitor *deploytest.ResourceMonitor) error {
	stack, err := monitor.RegisterResource("pulumi:pulumi:Stack", info.Project+"-"+info.Stack, false)
	if err != nil {
		return err
	}
	options := deploytest.ResourceOptions{Parent: stack.URN, Remote: true, Inputs: c.inputs}
	if c.hcloudProvider != nil {
		p, err := monitor.RegisterResource("pulumi:providers:hcloud", "hetzner", true, deploytest.ResourceOptions{
			Parent: stack.URN, Inputs: c.hcloudProvider, Version: providerVersions["hcloud"],
		})
		if err != nil {
			return err
		}
		options.Providers = map[string]string{"hcloud": string(p.URN) + "::" + string(p.ID)}
	}
	cluster, err := monitor.RegisterResource(clusterType, c.name, false, options)
	if err != nil {
		return err
	}
	c.outputs = cluster.Outputs
	return exportOutputs(info, stack.URN, cluster.Outputs)
}

// exportOutputs sets the stack's outputs, secrets kept as an SDK keeps them
// (deploytest's RegisterResourceOutputs drops them).
func exportOutputs(info plugin.RunInfo, stack resource.URN, outputs resource.PropertyMap) error {
	conn, err := grpc.NewClient(info.MonitorAddress, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	marshalled, err := plugin.MarshalProperties(outputs, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		return err
	}
	_, err = pulumirpc.NewResourceMonitorClient(conn).RegisterResourceOutputs(context.Background(),
		&pulumirpc.RegisterResourceOutputsRequest{Urn: string(stack), Outputs: marshalled})
	return err
}

// servePlugin serves the plugin's service as the binary does, connected to
// the engine of host, and is the engine's client of it.
func servePlugin(t *testing.T, host plugin.Host) (plugin.Provider, error) {
	engine, err := sdkprovider.NewHostClient(host.ServerAddr())
	if err != nil {
		return nil, err
	}
	service, err := provider.NewServer(engine)
	if err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	server := grpc.NewServer()
	pulumirpc.RegisterResourceProviderServer(server, service)
	go func() { _ = server.Serve(listener) }()
	conn, err := grpc.NewClient(listener.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		_ = conn.Close()
		server.Stop()
		_ = engine.Close()
	})
	return plugin.NewProviderWithClient(nil, pulumirpc.NewResourceProviderClient(conn), false), nil
}

// stackFileInputs are the Cluster's inputs a consumer writes for the
// cluster of Pulumi.<stack>.yaml: that file's settings and the operator's
// address, leaving every default to the component.
func stackFileInputs(t *testing.T, stack string) resource.PropertyMap {
	t.Helper()
	data, err := os.ReadFile("../../Pulumi." + stack + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Config map[string]any `json:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]any{"firewall": map[string]any{"sshAllowedCidrs": []any{mockcloud.OperatorCIDR}}}
	for key, value := range file.Config {
		inputs[strings.TrimPrefix(key, config.ConfigNamespace)] = value
	}
	return resource.NewPropertyMapFromMap(inputs)
}

// The cluster a consumer builds through the component package is the one
// the Go program builds from the same settings: the same resources with the
// same types, parents, providers, dependencies and inputs, the same
// outputs, and the secret ones secret on arrival in the consumer's program.
func TestComponentBuildsTheProgramsCluster(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			program := newStack(newWorld(), name, nil)
			program.Up(t).Check(t)

			c := newConsumer(t, name, stackFileInputs(t, name))
			component := newStack(newWorld(), name, nil)
			component.consumer = c
			component.Up(t).Check(t)

			want, got := graph(program.Resources()), graph(component.Resources())
			for _, urn := range slices.Sorted(maps.Keys(want)) {
				if !reflect.DeepEqual(got[urn], want[urn]) {
					t.Errorf("%s\n through the component: %+v\n from the program:      %+v", urn, got[urn], want[urn])
				}
			}
			for _, urn := range slices.Sorted(maps.Keys(got)) {
				if _, ok := want[urn]; !ok {
					t.Errorf("only through the component: %s", urn)
				}
			}
			for _, secret := range []resource.PropertyKey{"kubeconfig", "sshPrivateKey"} {
				if !c.outputs[secret].IsSecret() {
					t.Errorf("output %s reaches the consumer as %v, not as a secret", secret, c.outputs[secret].TypeString())
				}
			}
		})
	}
}

// A bad input is refused with config.Resolve's message, the program's,
// before the component registers anything.
func TestComponentRefusesABadInputAsTheProgramDoes(t *testing.T) {
	controlPlane := map[string]any{"count": 2, "serverType": "cx23", "locations": []any{"nbg1"}}
	firewall := map[string]any{"sshAllowedCidrs": []any{"203.0.113.7/33"}}

	inputs := stackFileInputs(t, "dev")
	inputs["controlPlane"] = resource.NewProperty(resource.NewPropertyMapFromMap(controlPlane))
	inputs["firewall"] = resource.NewProperty(resource.NewPropertyMapFromMap(firewall))
	component := newStack(newWorld(), "dev", nil)
	component.consumer = newConsumer(t, "dev", inputs)
	refused := component.Up(t)

	program := newStack(newWorld(), "dev", map[string]any{"controlPlane": controlPlane, "firewall": firewall})
	programRefused := program.Up(t)

	if refused.Err == nil || programRefused.Err == nil {
		t.Fatalf("not refused: through the component %v, by the program %v", refused.Err, programRefused.Err)
	}
	message := validationMessage(t, programRefused.Err)
	for _, problem := range []string{"hcloud-k3s:controlPlane.count: 2", "hcloud-k3s:firewall.sshAllowedCidrs[0]"} {
		if !strings.Contains(message, problem) {
			t.Errorf("the program's refusal does not name %s:\n%s", problem, message)
		}
	}
	if !slices.ContainsFunc(refused.Errors, func(e string) bool { return strings.Contains(e, message) }) {
		t.Errorf("the component refused with\n%v\nnot with the program's\n%s", refused.Errors, message)
	}
	refused.Expect(t, len(component.Resources()) == 0 && len(refused.Of(serverTypeName)) == 0, "resources were registered")
}

// validationMessage is the config.ValidationError an engine error carries.
func validationMessage(t *testing.T, err error) string {
	t.Helper()
	text := err.Error()
	start := strings.Index(text, "invalid stack configuration")
	if start < 0 {
		t.Fatalf("no validation error in %v", err)
	}
	var problems []string
	for line := range strings.SplitSeq(text[start:], "\n") {
		if strings.HasPrefix(line, "  - ") {
			problems = append(problems, strings.TrimPrefix(line, "  - "))
		}
	}
	return (&config.ValidationError{Problems: problems}).Error()
}

// node is what a resource is in a graph, leaving out what changes from one
// deployment to the next (IDs, addresses, generated keys): its type,
// parent, provider, dependencies and the inputs that depend on no other
// resource; for a component, its outputs and whether each is secret.
type node struct {
	Type, Parent, Provider string
	Dependencies           []resource.URN
	Inputs                 map[string]any
	Outputs                map[string]bool
}

// graph is a stack's resources by URN, without the component package's own
// provider.
func graph(resources []*pkgresource.State) map[resource.URN]node {
	nodes := map[resource.URN]node{}
	for _, r := range resources {
		if r.Type == "pulumi:providers:hcloud-k3s" {
			continue
		}
		n := node{Type: string(r.Type), Parent: string(r.Parent), Dependencies: slices.Sorted(slices.Values(r.Dependencies))}
		if i := strings.LastIndex(r.Provider, "::"); i >= 0 {
			n.Provider = r.Provider[:i]
		}
		n.Inputs = map[string]any{}
		for key, value := range r.Inputs {
			if len(r.PropertyDependencies[key]) == 0 {
				n.Inputs[string(key)] = fmt.Sprint(value.Mappable())
			}
		}
		if !r.Custom {
			n.Outputs = map[string]bool{}
			for key, value := range r.Outputs {
				n.Outputs[string(key)] = value.IsSecret()
			}
		}
		nodes[r.URN] = n
	}
	return nodes
}

// A program that gives the Cluster an explicit hcloud provider gets every
// Hetzner resource of the cluster made by it and the reads of the project
// before registering made through it, and the token it passes as
// hcloudToken in the add-ons' Secret, kept secret.
func TestComponentUsesAnExplicitHcloudProvider(t *testing.T) {
	const token = "explicit-hetzner-token-0123456789abcdef0123456789abcdef0123456789abcdef0123"
	w := newWorld()
	w.keepSecret(token)
	inputs := stackFileInputs(t, "dev")
	inputs[provider.HcloudTokenInput] = resource.MakeSecret(resource.NewProperty(token))
	s := newStack(w, "dev", nil)
	s.consumer = newConsumer(t, "dev", inputs)
	s.consumer.hcloudProvider = resource.PropertyMap{"token": resource.MakeSecret(resource.NewProperty(token))}
	s.Up(t).Check(t)
	var explicit string
	hetzner, secrets := 0, 0
	for _, r := range s.Resources() {
		switch {
		case r.Type == "pulumi:providers:hcloud" && r.URN.Name() == "hetzner":
			explicit = string(r.URN)
		case strings.HasPrefix(string(r.Type), "hcloud:"):
			hetzner++
			if !strings.HasPrefix(r.Provider, explicit+"::") || explicit == "" {
				t.Errorf("%s is made by %s, not the explicit provider", r.URN, r.Provider)
			}
		case r.Type == "kubernetes:core/v1:Secret" && r.URN.Name() == "hcloud":
			secrets++
			// Check fails the run on a token stored in the clear.
			if got := fmt.Sprint(r.Inputs["stringData"].Mappable()); !strings.Contains(got, token) {
				t.Errorf("the add-ons' Secret holds %s, not the hcloudToken input", got)
			}
		}
	}
	if hetzner == 0 || secrets != 1 {
		t.Errorf("%d Hetzner resources and %d add-on Secrets in the state", hetzner, secrets)
	}
	if len(w.readTokens) == 0 || slices.ContainsFunc(w.readTokens, func(used string) bool { return used != token }) {
		t.Errorf("the reads before registering went through providers with tokens %q, not only the explicit one", w.readTokens)
	}
}

// The policy pack works unchanged on a stack that uses the component from
// another language: the same resource types are underneath, so a public
// API load balancer is refused at preview, before Hetzner holds it.
func TestPolicyPackOnAComponentStack(t *testing.T) {
	pack := startPolicyPack(t)
	inputs := stackFileInputs(t, "prod")
	inputs["apiLoadBalancer"] = resource.NewProperty(resource.NewPropertyMapFromMap(prodLoadBalancer(map[string]any{"publicInterface": true})))
	w := newWorld()
	s := newStack(w, "prod", nil)
	s.consumer = newConsumer(t, "prod", inputs)
	pack.use(s)
	r := s.Up(t)
	r.Expect(t, r.Err != nil, "the up succeeded")
	r.Expect(t, len(r.Violations) > 0 && strings.HasPrefix(r.Violations[0], "mandatory load-balancer-bypasses-firewall"),
		"violations: %v", r.Violations)
	r.Expect(t, w.cloud.count() == 0, "the project holds %d resources", w.cloud.count())
}

package main

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

const (
	project      = "hcloud-k3s-app"
	stack        = "dev"
	clusterStack = "organization/hcloud-k3s/dev"
	kubeconfig   = "apiVersion: v1\nkind: Config\nclusters: [{name: dev, cluster: {server: https://203.0.113.10:6443}}]\n"
	apiEndpoint  = "https://203.0.113.10:6443"
	// providerURN is the URN of the Kubernetes provider that build registers.
	providerURN = "urn:pulumi:dev::hcloud-k3s-app::pulumi:providers:kubernetes::cluster"
)

// clusterStackOutputs are the outputs of a deployed cluster stack, kubeconfig secret as main.go exports it.
func clusterStackOutputs() resource.PropertyMap {
	return resource.PropertyMap{
		"kubeconfig":  resource.MakeSecret(resource.NewStringProperty(kubeconfig)),
		"apiEndpoint": resource.NewStringProperty(apiEndpoint),
		"clusterName": resource.NewStringProperty("dev"),
	}
}

var devConfig = map[string]string{project + ":clusterStack": clusterStack}

// deploy runs the app stack under the mock cloud, where clusterStack has outputs.
func deploy(config map[string]string, preview bool, outputs resource.PropertyMap) (*mockcloud.Result, error) {
	return mockcloud.Run(build, mockcloud.Options{
		Project: project, Stack: stack, Config: config, Preview: preview,
		Stacks: map[string]resource.PropertyMap{clusterStack: outputs},
	})
}

// deployDev deploys the app stack onto the dev cluster stack.
func deployDev(t *testing.T) *mockcloud.Result {
	t.Helper()
	res, err := deploy(devConfig, false, clusterStackOutputs())
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	return res
}

// ofType returns the resources of type typeToken.
func ofType(res *mockcloud.Result, typeToken string) []mockcloud.Resource {
	var found []mockcloud.Resource
	for _, r := range res.Resources {
		if r.Type == typeToken {
			found = append(found, r)
		}
	}
	return found
}

// only returns the single resource of type typeToken.
func only(t *testing.T, res *mockcloud.Result, typeToken string) mockcloud.Resource {
	t.Helper()
	found := ofType(res, typeToken)
	if len(found) != 1 {
		t.Fatalf("%d registrations of %s, want 1", len(found), typeToken)
	}
	return found[0]
}

func TestReadsTheConfiguredClusterStack(t *testing.T) {
	ref := only(t, deployDev(t), "pulumi:pulumi:StackReference")
	if ref.ID != clusterStack || !ref.Read {
		t.Errorf("stack reference read %q (a read: %v), want a read of %q", ref.ID, ref.Read, clusterStack)
	}
}

func TestStackOutputs(t *testing.T) {
	outputs := deployDev(t).Outputs
	want := map[string]mockcloud.Output{
		"namespace":   {Value: "hello", Known: true},
		"serviceName": {Value: "hello", Known: true},
		"apiEndpoint": {Value: apiEndpoint, Known: true},
	}
	if !maps.Equal(outputs, want) {
		t.Errorf("outputs %+v, want exactly %+v", outputs, want)
	}
}

func TestProviderGetsTheKubeconfigAsSecret(t *testing.T) {
	tests := []struct {
		name     string
		exported resource.PropertyValue // the cluster stack's kubeconfig output
	}{
		{"secret output", resource.MakeSecret(resource.NewStringProperty(kubeconfig))},
		{"plain output from an older cluster stack", resource.NewStringProperty(kubeconfig)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outputs := clusterStackOutputs()
			outputs["kubeconfig"] = tt.exported
			res, err := deploy(devConfig, false, outputs)
			if err != nil {
				t.Fatalf("deploy: %v", err)
			}
			input := only(t, res, "pulumi:providers:kubernetes").Inputs["kubeconfig"]
			if !input.IsSecret() || input.SecretValue().Element.StringValue() != kubeconfig {
				t.Errorf("provider kubeconfig = %v, want the secret %q", input, kubeconfig)
			}
		})
	}
}

func TestProviderIdentifiesTheClusterByItsStack(t *testing.T) {
	got := only(t, deployDev(t), "pulumi:providers:kubernetes").Inputs["clusterIdentifier"]
	if !got.IsString() || got.StringValue() != clusterStack {
		t.Errorf("clusterIdentifier = %v, want %q", got, clusterStack)
	}
}

func TestEveryKubernetesObjectUsesTheClusterProvider(t *testing.T) {
	var types []string
	for _, r := range deployDev(t).Resources {
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		types = append(types, r.Type)
		if !strings.HasPrefix(r.Provider, providerURN+"::") {
			t.Errorf("%s %s has provider %q, want %s", r.Type, r.Name, r.Provider, providerURN)
		}
	}
	slices.Sort(types) // registrations run concurrently
	want := []string{"kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Namespace", "kubernetes:core/v1:Service"}
	if !slices.Equal(types, want) {
		t.Errorf("Kubernetes objects %v, want %v", types, want)
	}
}

func TestSampleObjects(t *testing.T) {
	const (
		namespace  = "kubernetes:core/v1:Namespace"
		deployment = "kubernetes:apps/v1:Deployment"
		service    = "kubernetes:core/v1:Service"
		pod        = "spec.template.spec."
		container  = pod + "containers[0]."
	)
	tests := []struct {
		name, typeToken, path string
		want                  any
	}{
		{"namespace name", namespace, "metadata.name", "hello"},
		{"namespace enforces the restricted pod security standard", namespace,
			`metadata.labels["pod-security.kubernetes.io/enforce"]`, "restricted"},
		{"deployment in the namespace", deployment, "metadata.namespace", "hello"},
		{"two replicas", deployment, "spec.replicas", 2.0},
		{"selector matches the pod labels", deployment,
			`spec.selector.matchLabels["app.kubernetes.io/name"]`, "hello"},
		{"pod labels", deployment, `spec.template.metadata.labels["app.kubernetes.io/name"]`, "hello"},
		{"pinned image", deployment, container + "image", "nginxinc/nginx-unprivileged:1.28-alpine"},
		{"named HTTP port", deployment, container + "ports[0].name", "http"},
		{"HTTP port number", deployment, container + "ports[0].containerPort", 8080.0},
		{"CPU request", deployment, container + "resources.requests.cpu", "50m"},
		{"memory request", deployment, container + "resources.requests.memory", "32Mi"},
		{"memory limit", deployment, container + "resources.limits.memory", "64Mi"},
		{"readiness probe path", deployment, container + "readinessProbe.httpGet.path", "/"},
		{"readiness probe port", deployment, container + "readinessProbe.httpGet.port", "http"},
		{"pod runs as non-root", deployment, pod + "securityContext.runAsNonRoot", true},
		{"pod user", deployment, pod + "securityContext.runAsUser", 101.0},
		{"pod seccomp profile", deployment, pod + "securityContext.seccompProfile.type", "RuntimeDefault"},
		{"no privilege escalation", deployment, container + "securityContext.allowPrivilegeEscalation", false},
		{"read-only root filesystem", deployment, container + "securityContext.readOnlyRootFilesystem", true},
		{"all capabilities dropped", deployment, container + "securityContext.capabilities.drop[0]", "ALL"},
		{"writable /tmp", deployment, container + "volumeMounts[0].mountPath", "/tmp"},
		{"/tmp mounts the tmp volume", deployment, container + "volumeMounts[0].name", "tmp"},
		{"the tmp volume", deployment, pod + "volumes[0].name", "tmp"},
		{"/tmp is an emptyDir", deployment, pod + "volumes[0].emptyDir", map[string]any{}},
		{"service in the namespace", service, "metadata.namespace", "hello"},
		{"service is cluster-internal", service, "spec.type", "ClusterIP"},
		{"service selects the pods", service, `spec.selector["app.kubernetes.io/name"]`, "hello"},
		{"service port", service, "spec.ports[0].port", 80.0},
		{"service targets the named port", service, "spec.ports[0].targetPort", "http"},
	}
	res := deployDev(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inputAt(t, only(t, res, tt.typeToken), tt.path); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s %s = %#v, want %#v", tt.typeToken, tt.path, got, tt.want)
			}
		})
	}
}

// inputAt returns the plain value at path in r's inputs, nil when absent.
func inputAt(t *testing.T, r mockcloud.Resource, path string) any {
	t.Helper()
	p, err := resource.ParsePropertyPath(path)
	if err != nil {
		t.Fatalf("path %s: %v", path, err)
	}
	v, ok := p.Get(resource.NewObjectProperty(r.Inputs))
	if !ok {
		return nil
	}
	return v.Mappable()
}

// TestNoPublicLoadBalancer holds every Service to the rule of the policy pack's
// kubernetes-service-public-load-balancer: a public Hetzner load balancer
// bypasses the firewall.
func TestNoPublicLoadBalancer(t *testing.T) {
	services := ofType(deployDev(t), "kubernetes:core/v1:Service")
	if len(services) == 0 {
		t.Fatal("no Service registered")
	}
	for _, svc := range services {
		private := inputAt(t, svc, `metadata.annotations["load-balancer.hetzner.cloud/disable-public-network"]`)
		if inputAt(t, svc, "spec.type") == "LoadBalancer" && private != "true" {
			t.Errorf("Service %s is a public LoadBalancer", svc.Name)
		}
	}
}

func TestMissingClusterOutputFailsNamingTheStack(t *testing.T) {
	for _, missing := range []string{"kubeconfig", "apiEndpoint"} {
		for _, preview := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/preview=%v", missing, preview), func(t *testing.T) {
				outputs := clusterStackOutputs()
				delete(outputs, resource.PropertyKey(missing))
				res, err := deploy(devConfig, preview, outputs)
				want := fmt.Sprintf("cluster stack %q has no output %q", clusterStack, missing)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want one containing %s", err, want)
				}
				if k8s := ofType(res, "pulumi:providers:kubernetes"); len(k8s) != 0 {
					t.Errorf("a Kubernetes provider was registered without the cluster's %s", missing)
				}
			})
		}
	}
}

func TestMissingClusterStackConfigFails(t *testing.T) {
	_, err := deploy(nil, false, nil)
	if err == nil || !strings.Contains(err.Error(), "hcloud-k3s-app:clusterStack is not set") {
		t.Fatalf("error %v, want one saying hcloud-k3s-app:clusterStack is not set", err)
	}
}

// TestProjectFiles checks that Pulumi.yaml names the project the config keys
// above live in, and that the example stack file points at the dev cluster.
func TestProjectFiles(t *testing.T) {
	proj, err := workspace.LoadProject("Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if proj.Name != project || proj.Runtime.Name() != "go" {
		t.Errorf("project %s with runtime %s, want %s with go", proj.Name, proj.Runtime.Name(), project)
	}
	example, err := workspace.LoadProjectStack(diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never}), proj,
		"Pulumi."+stack+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	value, ok := example.Config[config.MustMakeKey(project, "clusterStack")]
	if got, err := value.Value(nil); !ok || err != nil || got != clusterStack {
		t.Errorf("Pulumi.%s.yaml clusterStack = %q (set: %v, %v), want %q", stack, got, ok, err, clusterStack)
	}
}

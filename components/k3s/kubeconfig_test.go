package k3s

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

var controlPlaneIPs = []string{publicIP(1), publicIP(2), publicIP(3)}

func TestEndpoints(t *testing.T) {
	nodes := []Endpoint{{"prod-cp-1", publicIP(1)}, {"prod-cp-2", publicIP(2)}, {"prod-cp-3", publicIP(3)}}
	hostname := Endpoint{"prod", "k8s.example.com"}
	publicLB, privateLB := Endpoint{"prod-lb", lbPublicIP}, Endpoint{"prod-lb", "10.0.255.254"}
	tests := []struct {
		name    string
		input   func(in *config.Input)
		lbIP    string
		wantAll []Endpoint
		wantDef Endpoint
	}{
		{"public load balancer is the default", nil, lbPublicIP,
			append(slices.Clone(nodes), hostname, publicLB), publicLB},
		{"hostname is the default without a load balancer", withoutLB, "",
			append(slices.Clone(nodes), hostname), hostname},
		{"first control-plane node is the default without either", func(in *config.Input) {
			withoutLB(in)
			in.APIServerHostname = ""
		}, "", nodes, nodes[0]},
		{"private load balancer is listed but not the default", func(in *config.Input) {
			in.APIServerHostname = ""
			in.APILoadBalancer.PublicInterface = new(bool)
		}, "10.0.255.254", append(slices.Clone(nodes), privateLB), nodes[0]},
		{"hostname beats a private load balancer", func(in *config.Input) {
			in.APILoadBalancer.PublicInterface = new(bool)
		}, "10.0.255.254", append(slices.Clone(nodes), hostname, privateLB), hostname},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all, def := Endpoints(resolve(t, tt.input), controlPlaneIPs, tt.lbIP)
			if !slices.Equal(all, tt.wantAll) {
				t.Errorf("endpoints = %v, want %v", all, tt.wantAll)
			}
			if def != tt.wantDef {
				t.Errorf("default = %v, want %v", def, tt.wantDef)
			}
		})
	}
}

func TestEndpointURL(t *testing.T) {
	tests := []struct{ name, host, want string }{
		{"IPv4 address", "198.51.100.1", "https://198.51.100.1:6443"},
		{"IPv6 address", "2001:db8::1", "https://[2001:db8::1]:6443"},
		{"DNS name", "k8s.example.com", "https://k8s.example.com:6443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Endpoint{Context: "prod", Host: tt.host}).URL(); got != tt.want {
				t.Errorf("URL() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestInternalURL(t *testing.T) {
	tests := []struct {
		name  string
		input func(in *config.Input)
		want  string
	}{
		{"load balancer's private IP", nil, "https://10.0.255.254:6443"},
		{"first control-plane node's private IP without a load balancer", withoutLB, "https://10.0.255.253:6443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InternalURL(resolve(t, tt.input)); got != tt.want {
				t.Errorf("InternalURL() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRewriteKubeconfig(t *testing.T) {
	src := k3sKubeconfig(t)
	endpoints := []Endpoint{{"prod-cp-1", publicIP(1)}, {"prod", "k8s.example.com"}, {"prod-lb", lbPublicIP}}
	out, err := RewriteKubeconfig(src, "prod", endpoints, endpoints[2])
	if err != nil {
		t.Fatal(err)
	}
	got, err := clientcmd.Load([]byte(out))
	if err != nil {
		t.Fatalf("the rewritten kubeconfig does not load: %v\n%s", err, out)
	}
	orig, err := clientcmd.Load([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got.CurrentContext != "prod-lb" {
		t.Errorf("current-context = %q, want prod-lb", got.CurrentContext)
	}
	servers := []string{"https://198.51.100.1:6443", "https://k8s.example.com:6443", "https://198.51.100.100:6443"}
	for i, ep := range endpoints {
		checkContext(t, got, ep.Context, servers[i], orig.Clusters["default"].CertificateAuthorityData)
	}
	if len(got.Contexts) != len(endpoints) || len(got.Clusters) != len(endpoints) {
		t.Errorf("%d contexts and %d clusters, want %d of each", len(got.Contexts), len(got.Clusters), len(endpoints))
	}
	admin, ok := got.AuthInfos["prod-admin"]
	if len(got.AuthInfos) != 1 || !ok || !bytes.Equal(admin.ClientKeyData, orig.AuthInfos["default"].ClientKeyData) ||
		!bytes.Equal(admin.ClientCertificateData, orig.AuthInfos["default"].ClientCertificateData) {
		t.Errorf("users = %v, want only prod-admin with k3s's client certificate and key", got.AuthInfos)
	}
}

// checkContext checks that context name uses its own cluster entry, with the
// server and the CA, and the admin user.
func checkContext(t *testing.T, cfg *clientcmdapi.Config, name, server string, ca []byte) {
	t.Helper()
	ctx, cluster := cfg.Contexts[name], cfg.Clusters[name]
	if ctx == nil || cluster == nil {
		t.Errorf("no context and cluster %q", name)
		return
	}
	if ctx.Cluster != name || ctx.AuthInfo != "prod-admin" {
		t.Errorf("context %q uses cluster %q and user %q, want %q and prod-admin", name, ctx.Cluster, ctx.AuthInfo, name)
	}
	if cluster.Server != server {
		t.Errorf("cluster %q server = %s, want %s", name, cluster.Server, server)
	}
	if !bytes.Equal(cluster.CertificateAuthorityData, ca) {
		t.Errorf("cluster %q does not carry k3s's CA", name)
	}
}

func TestRewriteKubeconfigErrorsQuoteNoInput(t *testing.T) {
	src := k3sKubeconfig(t)
	key := "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t" // the client key's first bytes in src
	const unparsable = "the k3s kubeconfig is not a kubeconfig (the parser's message is withheld: it may quote the client key)"
	tests := []struct{ name, input, want string }{
		{"not YAML", "client-key-data: " + key + ": [", unparsable},
		{"a kind the parser quotes back", "apiVersion: v1\nkind: " + key + "\n", unparsable},
		{"no current context", strings.Replace(src, "current-context: default", "current-context: "+key, 1),
			"the k3s kubeconfig's current context is missing"},
		{"current context without its user", strings.Replace(src, "    user: default", "    user: "+key, 1),
			"the k3s kubeconfig's current context lacks its cluster or user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := RewriteKubeconfig(tt.input, "prod", []Endpoint{{"prod", "k8s.example.com"}}, Endpoint{"prod", "k8s.example.com"})
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("the error quotes the input: %v", err)
			}
		})
	}
}

// k3sKubeconfig is an admin kubeconfig as k3s writes it: the one the mock
// cloud's nodes answer with.
func k3sKubeconfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../internal/mockcloud/testdata/k3s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func resolve(t *testing.T, edit func(in *config.Input)) config.Cluster {
	t.Helper()
	in := clusterInput()
	if edit != nil {
		edit(&in)
	}
	c, err := config.Resolve("prod", in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func withoutLB(in *config.Input) { in.APILoadBalancer.Enabled = false }

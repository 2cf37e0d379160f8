package addons

import (
	"reflect"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

// ciliumCluster is the dev cluster with Cilium as its network, edited.
func ciliumCluster(t *testing.T, opts config.CiliumInput, edit func(in *config.Input)) config.Cluster {
	t.Helper()
	in := config.Input{
		Firewall:    config.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		WorkerPools: []config.WorkerPoolInput{{Name: "workers"}},
		K3s:         config.K3sInput{CNI: config.CNICilium, Cilium: &opts},
	}
	if edit != nil {
		edit(&in)
	}
	c, err := config.Resolve("dev", in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCiliumValuesByDefault(t *testing.T) {
	v := CiliumValues(ciliumCluster(t, config.CiliumInput{}, nil))
	want := map[string]any{
		// Answers on every node before any Service: a server's kube-apiserver,
		// an agent's client load balancer over the servers.
		"k8sServiceHost": "127.0.0.1",
		"k8sServicePort": 6444,
		// Pods take their node's podCIDR, cut from k3s.clusterCidr.
		"ipam": map[string]any{"mode": "kubernetes"},
		"k8s":  map[string]any{"requireIPv4PodCIDR": true},
		// Hetzner's private network; Cilium takes the tunnel's overhead itself.
		"MTU":                  1450,
		"kubeProxyReplacement": true,
		"routingMode":          "tunnel",
		"tunnelProtocol":       "vxlan",
		"encryption":           map[string]any{"enabled": false},
		"rollOutCiliumPods":    true,
	}
	for key, value := range want {
		if !reflect.DeepEqual(v[key], value) {
			t.Errorf("%s = %#v, want %#v", key, v[key], value)
		}
	}
	for _, key := range []string{"ipv4NativeRoutingCIDR", "autoDirectNodeRoutes"} {
		if _, ok := v[key]; ok {
			t.Errorf("tunnel routing sets %s", key)
		}
	}
}

func TestCiliumValuesForNativeRoutingAndWireGuard(t *testing.T) {
	c := ciliumCluster(t, config.CiliumInput{Routing: "native", Encryption: "wireguard", KubeProxyReplacement: ptr(false)},
		func(in *config.Input) { in.K3s.ClusterCIDR = "10.100.0.0/16" })
	v := CiliumValues(c)
	want := map[string]any{
		"routingMode":           "native",
		"ipv4NativeRoutingCIDR": "10.100.0.0/16", // the pods' range: the Hetzner network routes it
		"autoDirectNodeRoutes":  false,           // the nodes share no layer-2 segment
		"encryption":            map[string]any{"enabled": true, "type": "wireguard"},
		"kubeProxyReplacement":  false,
		"MTU":                   1450,
	}
	for key, value := range want {
		if !reflect.DeepEqual(v[key], value) {
			t.Errorf("%s = %#v, want %#v", key, v[key], value)
		}
	}
	if _, ok := v["tunnelProtocol"]; ok {
		t.Error("native routing sets a tunnel protocol")
	}
	if got := c.Network.IPRange.String(); got != "10.0.0.0/9" {
		t.Errorf("the Hetzner network spans %s, want 10.0.0.0/9: network.cidr and the pods' range", got)
	}
}

// The operator runs where the control plane's taint is: a CNI is a critical
// add-on, and every worker pool may be tainted.
func TestCiliumOperatorToleratesTheControlPlane(t *testing.T) {
	operator := CiliumValues(ciliumCluster(t, config.CiliumInput{}, nil))["operator"].(map[string]any)
	tolerations := operator["tolerations"].([]any)
	var keys []string
	for _, tol := range tolerations {
		keys = append(keys, tol.(map[string]any)["key"].(string))
	}
	want := []string{"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master",
		"node.kubernetes.io/not-ready", "node.cloudprovider.kubernetes.io/uninitialized", "CriticalAddonsOnly"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("operator tolerates %v, want the chart's own and CriticalAddonsOnly: %v", keys, want)
	}
	if operator["rollOutPods"] != true {
		t.Error("the operator does not restart when its configuration changes")
	}
}

// Two operator replicas need two nodes that take them; otherwise one, or the
// awaited chart would wait for a Pending pod.
func TestCiliumOperatorReplicasFitTheNodes(t *testing.T) {
	one, none := 1, 0
	tests := []struct {
		name string
		edit func(in *config.Input)
		want int
	}{
		{"a control-plane node and a worker", nil, 2},
		{"a schedulable control-plane node alone", func(in *config.Input) {
			in.ControlPlane = config.ControlPlaneInput{Count: &one, Schedulable: true}
			in.WorkerPools = nil
		}, 1},
		{"a control-plane node and a pool that repels it", func(in *config.Input) {
			in.WorkerPools[0].Taints = []string{"gpu=true:NoSchedule"}
		}, 1},
		{"a pool that only prefers not", func(in *config.Input) {
			in.WorkerPools[0].Taints = []string{"gpu=true:PreferNoSchedule"}
		}, 2},
		{"an empty pool", func(in *config.Input) {
			in.ControlPlane = config.ControlPlaneInput{Count: &one, Schedulable: true}
			in.WorkerPools[0].Count = &none
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			operator := CiliumValues(ciliumCluster(t, config.CiliumInput{}, tt.edit))["operator"].(map[string]any)
			if operator["replicas"] != tt.want {
				t.Errorf("replicas = %v, want %d", operator["replicas"], tt.want)
			}
		})
	}
}

// The CCM routes pods only when Cilium hands their traffic to the network.
func TestCCMRoutesOnlyNativeRouting(t *testing.T) {
	routes := func(c config.Cluster) any {
		return CCMValues(c)["env"].(map[string]any)["HCLOUD_NETWORK_ROUTES_ENABLED"]
	}
	for name, c := range map[string]config.Cluster{
		"flannel":        devCluster(t),
		"cilium, tunnel": ciliumCluster(t, config.CiliumInput{}, nil),
	} {
		if got := routes(c); !reflect.DeepEqual(got, map[string]any{"value": "false"}) {
			t.Errorf("%s: routes %v, want off", name, got)
		}
	}
	if got := routes(ciliumCluster(t, config.CiliumInput{Routing: "native"}, nil)); !reflect.DeepEqual(got, map[string]any{"value": "true"}) {
		t.Errorf("native routing: routes %v, want on", got)
	}
}

func ptr[T any](v T) *T { return &v }

package config

import (
	"maps"
	"strings"
	"testing"
)

// withCilium makes Cilium the network of valid(), with opts.
func withCilium(opts CiliumInput) Input {
	in := valid()
	in.K3s.CNI = CNICilium
	in.K3s.Cilium = &opts
	return in
}

func boolp(b bool) *bool { return &b }

func TestFlannelIsTheDefaultNetwork(t *testing.T) {
	c, err := Resolve("dev", valid())
	if err != nil {
		t.Fatal(err)
	}
	if c.K3s.CNI != CNIFlannel || c.K3s.Cilium != nil || c.K3s.FlannelBackend != "vxlan" {
		t.Errorf("k3s = %+v, want flannel with vxlan", c.K3s)
	}
	if c.Network.IPRange != c.Network.CIDR {
		t.Errorf("the Hetzner network spans %s, want network.cidr %s", c.Network.IPRange, c.Network.CIDR)
	}
	if labels := c.CNILabels(); labels != nil {
		t.Errorf("flannel servers get labels %v; servers made before Cilium have none, and must keep matching", labels)
	}
}

func TestCiliumDefaults(t *testing.T) {
	c, err := Resolve("dev", withCilium(CiliumInput{}))
	if err != nil {
		t.Fatal(err)
	}
	want := Cilium{Version: DefaultCiliumVersion, Encryption: "none", KubeProxyReplacement: true, Routing: "tunnel"}
	if c.K3s.Cilium == nil || *c.K3s.Cilium != want {
		t.Fatalf("cilium = %+v, want %+v", c.K3s.Cilium, want)
	}
	if c.K3s.FlannelBackend != "none" {
		t.Errorf("flannel-backend = %q, want none", c.K3s.FlannelBackend)
	}
	if c.Network.IPRange != c.Network.CIDR {
		t.Errorf("with tunnel routing the Hetzner network spans %s, want network.cidr %s", c.Network.IPRange, c.Network.CIDR)
	}
	wantLabels := map[string]string{"cni": "cilium", "cilium-routing": "tunnel", "kube-proxy": "cilium"}
	if got := c.CNILabels(); !maps.Equal(got, wantLabels) {
		t.Errorf("labels = %v, want %v", got, wantLabels)
	}
	beside, err := Resolve("dev", withCilium(CiliumInput{KubeProxyReplacement: boolp(false), Routing: "native"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := beside.CNILabels(); got["kube-proxy"] != "k3s" || got["cilium-routing"] != "native" {
		t.Errorf("labels beside kube-proxy, native = %v", got)
	}
}

// Native routing needs the Hetzner network to hold the pods' range too, outside
// the servers' subnet: the smallest range that holds both.
func TestNativeRoutingSpansThePodRange(t *testing.T) {
	tests := []struct {
		network, pods, want string
	}{
		{"10.0.0.0/16", "10.42.0.0/16", "10.0.0.0/10"},
		{"10.0.0.0/16", "10.244.0.0/16", "10.0.0.0/8"},
		{"10.128.0.0/16", "10.129.0.0/16", "10.128.0.0/15"},
		{"192.168.0.0/24", "192.168.128.0/17", "192.168.0.0/16"},
	}
	for _, tt := range tests {
		in := withCilium(CiliumInput{Routing: "native"})
		in.Network.CIDR, in.K3s.ClusterCIDR = tt.network, tt.pods
		in.K3s.ServiceCIDR = "172.20.0.0/16"
		c, err := Resolve("dev", in)
		if err != nil {
			t.Fatalf("%s + %s: %v", tt.network, tt.pods, err)
		}
		if c.Network.IPRange.String() != tt.want || c.Network.CIDR.String() != tt.network {
			t.Errorf("%s + %s: network %s with subnet %s, want %s with subnet %s", tt.network, tt.pods, c.Network.IPRange, c.Network.CIDR, tt.want, tt.network)
		}
	}
}

func TestCiliumRefusals(t *testing.T) {
	no := false
	tests := []struct {
		name string
		in   func() Input
		want string
	}{
		{"a flannel backend with Cilium", func() Input {
			in := withCilium(CiliumInput{})
			in.K3s.FlannelBackend = "wireguard-native"
			return in
		}, `hcloud-k3s:k3s.flannelBackend: "wireguard-native" is a flannel setting, and k3s.cni is cilium: remove it`},
		{"Cilium's options with flannel", func() Input {
			in := valid()
			in.K3s.Cilium = &CiliumInput{Encryption: "wireguard"}
			return in
		}, `hcloud-k3s:k3s.cilium: is set, but k3s.cni is flannel, which would ignore it: set k3s.cni to cilium, or remove k3s.cilium`},
		{"another CNI", func() Input { in := valid(); in.K3s.CNI = "calico"; return in },
			`hcloud-k3s:k3s.cni: "calico" is not supported: use flannel or cilium`},
		{"an unpinned version", func() Input { return withCilium(CiliumInput{Version: "1.20"}) },
			`hcloud-k3s:k3s.cilium.version: "1.20" is not a pinned Cilium chart release such as 1.20.0`},
		{"a version as a tag", func() Input { return withCilium(CiliumInput{Version: "v1.20.0"}) },
			`hcloud-k3s:k3s.cilium.version: "v1.20.0" is not a pinned Cilium chart release`},
		{"an old version", func() Input { return withCilium(CiliumInput{Version: "1.17.13"}) },
			`hcloud-k3s:k3s.cilium.version: "1.17.13" is older than 1.18.0`},
		{"IPsec", func() Input { return withCilium(CiliumInput{Encryption: "ipsec"}) },
			`hcloud-k3s:k3s.cilium.encryption: "ipsec" is not supported: use none or wireguard`},
		{"a routing mode Hetzner has not", func() Input { return withCilium(CiliumInput{Routing: "geneve"}) },
			`hcloud-k3s:k3s.cilium.routing: "geneve" is not supported: use tunnel`},
		{"native routing without the CCM", func() Input {
			in := withCilium(CiliumInput{Routing: "native"})
			in.Addons.CloudControllerManager.Enabled = &no
			in.K3s.Disable = &[]string{"traefik"}
			return in
		}, `hcloud-k3s:k3s.cilium.routing: "native" needs addons.cloudControllerManager.enabled`},
		{"native routing across private blocks", func() Input {
			in := withCilium(CiliumInput{Routing: "native"})
			in.K3s.ClusterCIDR = "192.168.0.0/16"
			return in
		}, `hcloud-k3s:k3s.cilium.routing: "native" needs one Hetzner network to span network.cidr 10.0.0.0/16 and k3s.clusterCidr 192.168.0.0/16, and the smallest range that does, 0.0.0.0/0, is not a private (RFC 1918) range`},
		{"native routing over the public gateway", func() Input {
			in := withCilium(CiliumInput{Routing: "native"})
			in.Network.CIDR, in.K3s.ClusterCIDR = "172.20.0.0/16", "172.30.0.0/16"
			return in
		}, `the smallest range that does, 172.16.0.0/12, contains 172.31.1.1`},
		{"a flannel flag with Cilium", func() Input {
			in := withCilium(CiliumInput{})
			in.K3s.ExtraServerArgs = []string{"--flannel-ipv6-masq"}
			return in
		}, `hcloud-k3s:k3s.extraServerArgs[0]: "--flannel-ipv6-masq" configures flannel, and k3s.cni is cilium: remove it`},
		{"kube-proxy back on through an extra flag", func() Input {
			in := withCilium(CiliumInput{})
			in.K3s.ExtraServerArgs = []string{"--kube-apiserver-arg=a=b", "--disable-kube-proxy=false"}
			return in
		}, `hcloud-k3s:k3s.extraServerArgs[1]: "--disable-kube-proxy=false" sets --disable-kube-proxy, which hcloud-k3s sets when k3s.cni is cilium`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve("dev", tt.in())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain: %s", err, tt.want)
			}
		})
	}
}

// With flannel, the flags Cilium manages stay the user's, as before.
func TestFlannelKeepsItsExtraFlags(t *testing.T) {
	in := valid()
	in.K3s.ExtraServerArgs = []string{"--disable-network-policy", "--flannel-ipv6-masq"}
	if _, err := Resolve("dev", in); err != nil {
		t.Fatal(err)
	}
}

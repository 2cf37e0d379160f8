package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

// The cluster's network (its CNI): flannel, which k3s embeds, or Cilium,
// installed as an add-on (package addons) on a k3s without flannel.
const (
	CNIFlannel = "flannel"
	CNICilium  = hetzner.CNICilium // the value of the servers' label says the same
	DefaultCNI = CNIFlannel

	// FlannelBackendNone is what k3s's flannel-backend is with another CNI.
	FlannelBackendNone = "none"
)

// CiliumInput is the `k3s.cilium` key, read only when k3s.cni is cilium.
type CiliumInput struct {
	Version              string `json:"version"`
	Encryption           string `json:"encryption"`
	KubeProxyReplacement *bool  `json:"kubeProxyReplacement"`
	Routing              string `json:"routing"`
}

// Cilium is how Cilium runs when it is the cluster's network.
type Cilium struct {
	Version              string // the cilium Helm chart's version (helm.cilium.io)
	Encryption           string // CiliumEncryptionNone or CiliumEncryptionWireGuard
	KubeProxyReplacement bool   // Cilium serves Services itself; k3s runs no kube-proxy
	Routing              string // CiliumRoutingTunnel or CiliumRoutingNative
}

// Cilium's options and defaults. DefaultCiliumVersion: docs/configuration.md,
// "Defaults and where they come from".
const (
	DefaultCiliumVersion = "1.20.0"

	CiliumEncryptionNone      = "none"
	CiliumEncryptionWireGuard = "wireguard"
	CiliumRoutingTunnel       = "tunnel"
	CiliumRoutingNative       = "native"
)

// minimumCilium is the oldest Cilium chart whose values hcloud-k3s's were
// rendered against (docs/configuration.md, Cilium); Cilium maintains its three
// newest minor releases only (endoflife.date, products/cilium.md).
var minimumCilium = [3]int{1, 18, 0}

var (
	ciliumEncryptions   = []string{CiliumEncryptionNone, CiliumEncryptionWireGuard}
	ciliumRoutings      = []string{CiliumRoutingTunnel, CiliumRoutingNative}
	ciliumVersionFormat = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`)
	// ciliumManagedK3sKeys are flags that hcloud-k3s sets from k3s.cilium,
	// or that only concern flannel: an extra arg may not set them with Cilium.
	ciliumManagedK3sKeys = []string{"disable-network-policy", "disable-kube-proxy"}
)

// WireGuard tells whether Cilium encrypts the traffic between pods.
func (c Cilium) WireGuard() bool { return c.Encryption == CiliumEncryptionWireGuard }

// NativeRouting tells whether pod traffic travels unencapsulated, through
// the Hetzner network's routes.
func (c Cilium) NativeRouting() bool { return c.Routing == CiliumRoutingNative }

// resolveCNI resolves k3s.cni with the settings of the CNI it names, and
// refuses those of the other one, naming the key.
func resolveCNI(p *problems, k *K3s, in K3sInput) {
	k.CNI = or(in.CNI, DefaultCNI)
	switch k.CNI {
	case CNIFlannel:
		k.FlannelBackend = or(in.FlannelBackend, DefaultFlannelBackend)
		if !slices.Contains(flannelBackends, k.FlannelBackend) {
			p.add("k3s.flannelBackend", k.FlannelBackend, "is not supported: use %s (host-gw needs layer 2, which Hetzner networks do not give)", strings.Join(flannelBackends, " or "))
		}
		if in.Cilium != nil {
			p.addKey("k3s.cilium", "is set, but k3s.cni is flannel, which would ignore it: set k3s.cni to cilium, or remove k3s.cilium")
		}
	case CNICilium:
		k.FlannelBackend = FlannelBackendNone
		if in.FlannelBackend != "" {
			p.add("k3s.flannelBackend", in.FlannelBackend, "is a flannel setting, and k3s.cni is cilium: remove it (Cilium's options are under k3s.cilium, its encryption in k3s.cilium.encryption)")
		}
		cilium := resolveCilium(p, valueOr(in.Cilium, CiliumInput{}))
		k.Cilium = &cilium
		refuseFlannelArgs(p, "k3s.extraServerArgs", in.ExtraServerArgs)
		refuseFlannelArgs(p, "k3s.extraAgentArgs", in.ExtraAgentArgs)
	default:
		p.add("k3s.cni", k.CNI, "is not supported: use %s or %s", CNIFlannel, CNICilium)
	}
}

func resolveCilium(p *problems, in CiliumInput) Cilium {
	c := Cilium{
		Version:              or(in.Version, DefaultCiliumVersion),
		Encryption:           or(in.Encryption, CiliumEncryptionNone),
		KubeProxyReplacement: valueOr(in.KubeProxyReplacement, true),
		Routing:              or(in.Routing, CiliumRoutingTunnel),
	}
	if m := ciliumVersionFormat.FindStringSubmatch(c.Version); m == nil {
		p.add("k3s.cilium.version", c.Version, "is not a pinned Cilium chart release such as %s (helm.cilium.io)", DefaultCiliumVersion)
	} else if olderThan(m[1:], minimumCilium) {
		p.add("k3s.cilium.version", c.Version, "is older than %d.%d.%d, the oldest Cilium release hcloud-k3s's values are checked against", minimumCilium[0], minimumCilium[1], minimumCilium[2])
	}
	if !slices.Contains(ciliumEncryptions, c.Encryption) {
		p.add("k3s.cilium.encryption", c.Encryption, "is not supported: use %s", strings.Join(ciliumEncryptions, " or "))
	}
	if !slices.Contains(ciliumRoutings, c.Routing) {
		p.add("k3s.cilium.routing", c.Routing, "is not supported: use %s (through VXLAN between the nodes) or %s (through the Hetzner network's routes)", CiliumRoutingTunnel, CiliumRoutingNative)
	}
	return c
}

func olderThan(version []string, minimum [3]int) bool {
	for i, s := range version {
		n, _ := strconv.Atoi(s)
		if n != minimum[i] {
			return n < minimum[i]
		}
	}
	return false
}

// refuseFlannelArgs refuses extra k3s flags that configure flannel, which
// does not run with Cilium, or that hcloud-k3s sets from k3s.cilium.
func refuseFlannelArgs(p *problems, key string, args []string) {
	for i, arg := range args {
		m := extraArgPattern.FindStringSubmatch(arg)
		if m == nil {
			continue // parseExtraArgs reports it
		}
		switch {
		case strings.HasPrefix(m[1], "flannel-") && !slices.Contains(managedK3sKeys, m[1]):
			p.add(fmt.Sprintf("%s[%d]", key, i), arg, "configures flannel, and k3s.cni is cilium: remove it")
		case slices.Contains(ciliumManagedK3sKeys, m[1]):
			p.add(fmt.Sprintf("%s[%d]", key, i), arg, "sets --%s, which hcloud-k3s sets when k3s.cni is cilium: remove it (see k3s.cilium.kubeProxyReplacement)", m[1])
		}
	}
}

// resolveNetworkRange decides the Hetzner network's ip_range. It is
// network.cidr, the one subnet the servers and the load balancer live in,
// unless Cilium routes natively: then it also spans k3s.clusterCidr. A
// cloud server routes the network's ip_range, and only that, to the
// network's gateway (docs.hetzner.com/cloud/networks/technical-concepts/architecture),
// and the routes the cloud-controller-manager creates to each node's pods
// live in that range, outside the subnet (hcloud-cloud-controller-manager
// docs/explanation/private-networks.md: network 10.0.0.0/8, subnet
// 10.0.0.0/24, cluster CIDR 10.244.0.0/16). The range is the smallest
// prefix that holds both: 10.0.0.0/10 for the defaults.
func resolveNetworkRange(p *problems, c *Cluster) {
	c.Network.IPRange = c.Network.CIDR
	cil := c.K3s.Cilium
	if cil == nil || !cil.NativeRouting() || !c.Network.CIDR.IsValid() || !c.K3s.ClusterCIDR.IsValid() {
		return
	}
	if !c.Addons.CloudControllerManager.Enabled {
		p.add("k3s.cilium.routing", cil.Routing, "needs addons.cloudControllerManager.enabled: the cloud-controller-manager creates the Hetzner network's route to each node's pods")
	}
	span := covering(c.Network.CIDR, c.K3s.ClusterCIDR)
	why := ""
	switch {
	case !privateRange(span):
		why = "is not a private (RFC 1918) range"
	case span.Contains(publicGateway):
		why = fmt.Sprintf("contains %s, the gateway of every server's public interface", publicGateway)
	}
	if why != "" {
		p.add("k3s.cilium.routing", cil.Routing, "needs one Hetzner network to span network.cidr %s and k3s.clusterCidr %s, and the smallest range that does, %s, %s: "+
			"put k3s.clusterCidr in the same private block as network.cidr, such as %s with %s", c.Network.CIDR, c.K3s.ClusterCIDR, span, why, DefaultClusterCIDR, DefaultNetworkCIDR)
		return
	}
	c.Network.IPRange = span
}

// covering is the smallest prefix that holds both a and b.
func covering(a, b netip.Prefix) netip.Prefix {
	for bits := min(a.Bits(), b.Bits()); bits > 0; bits-- {
		if p, _ := a.Addr().Prefix(bits); p.Contains(b.Addr()) {
			return p
		}
	}
	return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
}

// rfc1918 are the private IPv4 blocks; a Hetzner network's ip_range must lie in one.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
}

func privateRange(p netip.Prefix) bool {
	for _, block := range rfc1918 {
		if block.Bits() <= p.Bits() && block.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// CNILabels are the Hetzner labels that say which network a server's k3s
// runs: none for flannel (every cluster before Cilium, so none of them
// gains a label), and for Cilium its routing and who serves Services. The
// cluster reads them back from the servers to refuse a change of network
// that a running cluster cannot take (package cluster).
func (c Cluster) CNILabels() map[string]string {
	cil := c.K3s.Cilium
	if cil == nil {
		return nil
	}
	services := hetzner.KubeProxyK3s
	if cil.KubeProxyReplacement {
		services = hetzner.KubeProxyCilium
	}
	return map[string]string{hetzner.LabelCNI: hetzner.CNICilium, hetzner.LabelCiliumRouting: cil.Routing, hetzner.LabelKubeProxy: services}
}

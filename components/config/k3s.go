package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// K3sInput is the `k3s` key.
type K3sInput struct {
	CNI             string       `json:"cni"`
	Cilium          *CiliumInput `json:"cilium"`
	FlannelBackend  string       `json:"flannelBackend"`
	Disable         *[]string    `json:"disable"`
	ClusterCIDR     string       `json:"clusterCidr"`
	ServiceCIDR     string       `json:"serviceCidr"`
	ExtraServerArgs []string     `json:"extraServerArgs"`
	ExtraAgentArgs  []string     `json:"extraAgentArgs"`
}

// K3s holds cluster-wide k3s settings.
type K3s struct {
	CNI string // CNIFlannel or CNICilium
	// Cilium is set when Cilium is the cluster's network.
	Cilium *Cilium
	// FlannelBackend is k3s's flannel-backend: FlannelBackendNone with Cilium.
	FlannelBackend  string
	Disable         []string
	ClusterCIDR     netip.Prefix
	ServiceCIDR     netip.Prefix
	ExtraServerArgs []Arg
	ExtraAgentArgs  []Arg
}

// Arg is one extra k3s flag, as a config.yaml key and value.
type Arg struct {
	Key   string
	Value string // "true" for a flag given without a value
}

// Defaults of the k3s key.
const (
	DefaultFlannelBackend = "vxlan"
	DefaultClusterCIDR    = "10.42.0.0/16"
	DefaultServiceCIDR    = "10.43.0.0/16"
)

// DefaultDisable lists the packaged k3s components turned off by default:
// Hetzner load balancers and an ingress of the user's choice replace them.
var DefaultDisable = []string{"traefik", "servicelb"}

var (
	flannelBackends = []string{"vxlan", "wireguard-native"}
	disableable     = []string{"traefik", "servicelb", "local-storage", "metrics-server", "coredns"}
	extraArgPattern = regexp.MustCompile(`^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$`)
	// managedK3sKeys are set by hcloud-k3s itself; an extra arg may not override them.
	managedK3sKeys = []string{"token", "token-file", "agent-token", "server", "cluster-init", "node-name", "node-ip",
		"node-external-ip", "advertise-address", "flannel-iface", "flannel-backend", "cluster-cidr", "service-cidr",
		"disable", "disable-cloud-controller", "tls-san", "data-dir", "config",
		// set from etcdSnapshots
		"etcd-snapshot-schedule-cron", "etcd-snapshot-retention", "etcd-s3", "etcd-s3-endpoint", "etcd-s3-region",
		"etcd-s3-bucket", "etcd-s3-folder", "etcd-s3-access-key", "etcd-s3-secret-key", "etcd-s3-retention"}
)

func resolveK3s(p *problems, in K3sInput) K3s {
	k := K3s{Disable: valueOr(in.Disable, DefaultDisable)}
	resolveCNI(p, &k, in)
	for i, item := range k.Disable {
		if !slices.Contains(disableable, item) {
			p.add(fmt.Sprintf("k3s.disable[%d]", i), item, "is not a packaged k3s component: use %s", strings.Join(disableable, ", "))
		}
	}
	k.ClusterCIDR = parseCIDR(p, "k3s.clusterCidr", or(in.ClusterCIDR, DefaultClusterCIDR))
	k.ServiceCIDR = parseCIDR(p, "k3s.serviceCidr", or(in.ServiceCIDR, DefaultServiceCIDR))
	k.ExtraServerArgs = parseExtraArgs(p, "k3s.extraServerArgs", in.ExtraServerArgs)
	k.ExtraAgentArgs = parseExtraArgs(p, "k3s.extraAgentArgs", in.ExtraAgentArgs)
	return k
}

func parseCIDR(p *problems, key, s string) netip.Prefix {
	prefixes := parseCIDRs(p, key, []string{s})
	if len(prefixes) == 0 {
		return netip.Prefix{}
	}
	if !prefixes[0].Addr().Is4() {
		p.add(key, s, "must be an IPv4 range")
	}
	return prefixes[0]
}

func parseExtraArgs(p *problems, key string, args []string) []Arg {
	var out []Arg
	for i, arg := range args {
		m := extraArgPattern.FindStringSubmatch(arg)
		switch {
		case m == nil:
			p.add(fmt.Sprintf("%s[%d]", key, i), arg, "is not a k3s flag of the form --name=value or --name")
		case slices.Contains(managedK3sKeys, m[1]):
			p.add(fmt.Sprintf("%s[%d]", key, i), arg, "sets --%s, which hcloud-k3s manages; use the matching hcloud-k3s key instead", m[1])
		default:
			value := m[2]
			if !strings.Contains(arg, "=") {
				value = "true"
			}
			out = append(out, Arg{Key: m[1], Value: value})
		}
	}
	return out
}

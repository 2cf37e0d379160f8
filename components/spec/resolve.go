package spec

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults for every optional key; Pulumi.yaml documents the same values
// (a test keeps the two in step).
const (
	DefaultK3sVersion     = "v1.36.2+k3s1" // k3s stable channel; README: Defaults
	DefaultServerType     = "cx23"
	DefaultLocation       = "nbg1"
	DefaultImage          = "ubuntu-24.04"
	DefaultNetworkCIDR    = "10.0.0.0/16"
	DefaultLBType         = "lb11"
	DefaultFlannelBackend = "vxlan"
	DefaultClusterCIDR    = "10.42.0.0/16"
	DefaultServiceCIDR    = "10.43.0.0/16"
	DefaultCCMVersion     = "1.35.0" // hcloud-cloud-controller-manager Helm chart
	DefaultCSIVersion     = "2.22.1" // hcloud-csi Helm chart
	DefaultSUCVersion     = "v0.20.1"
	DefaultDrainTimeout   = 5 * time.Minute
)

// DefaultDisable lists the packaged k3s components turned off by default:
// Hetzner load balancers and an ingress of the user's choice replace them.
var DefaultDisable = []string{"traefik", "servicelb"}

var minimumK3s, _ = ParseVersion("v1.28.0+k3s1")

var (
	// namePattern is what cluster and pool names may look like: they go into
	// hostnames, Hetzner resource names and Hetzner label values, which must
	// end with a letter or digit (hcloud-go hcloud/labels.go).
	namePattern         = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	chartVersionPattern = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+$`)
	flannelBackends     = []string{"vxlan", "wireguard-native"}
	disableable         = []string{"traefik", "servicelb", "local-storage", "metrics-server", "coredns"}
	extraArgPattern     = regexp.MustCompile(`^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$`)
	// managedK3sKeys are set by hcloud-k3s itself; an extra arg may not override them.
	managedK3sKeys = []string{"token", "token-file", "agent-token", "server", "cluster-init", "node-name", "node-ip",
		"node-external-ip", "advertise-address", "flannel-iface", "flannel-backend", "cluster-cidr", "service-cidr",
		"disable", "disable-cloud-controller", "tls-san", "data-dir", "config",
		// set from etcdSnapshots
		"etcd-snapshot-schedule-cron", "etcd-snapshot-retention", "etcd-s3", "etcd-s3-endpoint", "etcd-s3-region",
		"etcd-s3-bucket", "etcd-s3-folder", "etcd-s3-access-key", "etcd-s3-secret-key", "etcd-s3-retention"}
)

// publicGateway is the on-link default gateway of every Hetzner Cloud
// server's public interface (Hetzner API docs, networks add_route: "172.31.1.1
// … is being used as a gateway for the public network interface of Servers").
var publicGateway = netip.MustParseAddr("172.31.1.1")

const (
	maxClusterNameLength = 30
	maxPoolNameLength    = 20
)

// Resolve applies defaults to the stack configuration and validates it,
// returning every problem at once. stack names the cluster when clusterName is unset.
func Resolve(stack string, in Input) (Cluster, error) {
	var p problems
	c := Cluster{
		Name:              resolveClusterName(&p, stack, in.ClusterName),
		APIServerHostname: resolveHostname(&p, in.APIServerHostname),
		SSH:               resolveSSH(&p, in.SSH),
		K3s:               resolveK3s(&p, in.K3s),
		Addons:            resolveAddons(&p, in.Addons),
		Upgrade:           resolveUpgrade(&p, in.Upgrade),
		DrainTimeout:      resolveDrainTimeout(&p, in.DrainTimeout),
	}
	version, err := ParseVersion(or(in.K3sVersion, DefaultK3sVersion))
	if err != nil {
		p.add("k3sVersion", or(in.K3sVersion, DefaultK3sVersion), "is not a pinned k3s release: use a tag such as %s from github.com/k3s-io/k3s/releases", DefaultK3sVersion)
	} else if version.Less(minimumK3s) {
		// Control-plane nodes join concurrently, which needs k3s to retry
		// "too many learner members" (fixed in v1.26.5); older minors are out of support anyway.
		p.add("k3sVersion", version.String(), "is older than %s, the oldest release hcloud-k3s supports", minimumK3s)
	}
	c.K3sVersion = version
	locations := in.ControlPlane.Locations
	if len(locations) == 0 {
		locations = []string{DefaultLocation}
	}
	// Pools and the load balancer default to the first control-plane location.
	home := locations[0]
	c.ControlPlane = resolveControlPlane(&p, in.ControlPlane, locations)
	c.Network = resolveNetwork(&p, in.Network, home)
	c.WorkerPools = resolveWorkerPools(&p, in.WorkerPools, home, c.Network.Zone)
	c.Firewall = resolveFirewall(&p, in.Firewall)
	c.APILoadBalancer = resolveLoadBalancer(&p, in.APILoadBalancer, home, c.Network.Zone)
	c.EtcdSnapshots = resolveEtcdSnapshots(&p, in.EtcdSnapshots, c.Name, home)
	checkCapacity(&p, c)
	checkCIDRsApart(&p, c)
	checkOneServiceLoadBalancer(&p, c)
	if len(p) > 0 {
		return Cluster{}, p.err()
	}
	assignControlPlaneAddresses(&c)
	return c, nil
}

func or(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// valueOr is the value a pointer field was set to, or the default when unset.
func valueOr[T any](value *T, fallback T) T {
	if value == nil {
		return fallback
	}
	return *value
}

func validName(name string, maxLength int) bool {
	return namePattern.MatchString(name) && len(name) <= maxLength
}

func nameRule(maxLength int) string {
	return fmt.Sprintf("use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most %d characters", maxLength)
}

func resolveClusterName(p *problems, stack, name string) string {
	if validName(or(name, stack), maxClusterNameLength) {
		return or(name, stack)
	}
	fromStack := ""
	if name == "" {
		fromStack = "(the stack name, used because clusterName is unset) "
	}
	p.add("clusterName", or(name, stack), "%sis invalid: %s", fromStack, nameRule(maxClusterNameLength))
	return or(name, stack)
}

func resolveHostname(p *problems, hostname string) string {
	if hostname != "" && (len(hostname) > 253 || !dnsSubdomain.MatchString(hostname) || !strings.Contains(hostname, ".")) {
		p.add("apiServerHostname", hostname, "is not a fully qualified DNS name such as k8s.example.com")
	}
	return hostname
}

func resolveControlPlane(p *problems, in ControlPlaneInput, locations []string) ControlPlane {
	count := valueOr(in.Count, 1)
	if count != 1 && count != 3 && count != 5 {
		p.add("controlPlane.count", count, "is not allowed: use 1, 3 or 5 (embedded etcd needs an odd number of members for quorum)")
		count = 0
	}
	checkLocations(p, "controlPlane.locations", locations)
	cp := ControlPlane{
		ServerType:  or(in.ServerType, DefaultServerType),
		Image:       or(in.Image, DefaultImage),
		Schedulable: in.Schedulable,
	}
	for _, location := range locations {
		if problem := serverTypeProblem(cp.ServerType, location); problem != "" {
			p.add("controlPlane.serverType", cp.ServerType, "%s", problem)
			break
		}
	}
	for i := range count {
		cp.Nodes = append(cp.Nodes, Node{Name: fmt.Sprintf("cp-%d", i+1), Location: locations[i%len(locations)]})
	}
	return cp
}

func checkLocations(p *problems, key string, locations []string) {
	zones := map[string]bool{}
	for i, location := range locations {
		if zone, ok := knownLocation(p, fmt.Sprintf("%s[%d]", key, i), location); ok {
			zones[zone] = true
		}
	}
	if len(zones) > 1 {
		p.add(key, locations, "span several network zones: a private network lives in one zone, so pick locations of one zone (eu-central: fsn1, nbg1, hel1)")
	}
}

func resolveNetwork(p *problems, in NetworkInput, home string) Network {
	n := Network{}
	cidr, err := netip.ParsePrefix(or(in.CIDR, DefaultNetworkCIDR))
	switch {
	case err != nil:
		p.add("network.cidr", in.CIDR, "is not a CIDR such as %s", DefaultNetworkCIDR)
	case !cidr.Addr().Is4() || !cidr.Addr().IsPrivate():
		p.add("network.cidr", in.CIDR, "must be a private IPv4 range (RFC 1918), such as %s", DefaultNetworkCIDR)
	case cidr.Bits() < 8 || cidr.Bits() > 24:
		p.add("network.cidr", in.CIDR, "must have a prefix length from /8 to /24 (room for %d servers and the load balancer)", MaxServersPerNetwork)
	case cidr != cidr.Masked():
		p.add("network.cidr", in.CIDR, "has host bits set: use %s", cidr.Masked())
	case cidr.Contains(publicGateway):
		p.add("network.cidr", in.CIDR, "contains %s, the gateway of every Hetzner server's public interface; "+
			"a server given that private address would lose its route to the internet, and Hetzner refuses it as a route (API: add_route). Use a range without it, such as %s", publicGateway, DefaultNetworkCIDR)
	default:
		n.CIDR = cidr
	}
	n.Zone = in.Zone
	derived, _ := ZoneOf(home)
	if n.Zone == "" {
		n.Zone = derived
	} else if !slices.Contains(zones(), n.Zone) {
		p.add("network.zone", n.Zone, "is not a Hetzner network zone: use one of %s", strings.Join(zones(), ", "))
	} else if derived != "" && derived != n.Zone {
		p.add("network.zone", n.Zone, "does not contain the control-plane location %s (zone %s)", home, derived)
	}
	return n
}

func resolveWorkerPools(p *problems, in []WorkerPoolInput, home, zone string) []WorkerPool {
	seen := map[string]bool{}
	pools := make([]WorkerPool, 0, len(in))
	for i, pool := range in {
		key := fmt.Sprintf("workerPools[%d]", i)
		switch {
		case !validName(pool.Name, maxPoolNameLength):
			p.add(key+".name", pool.Name, "is invalid: %s", nameRule(maxPoolNameLength))
		case pool.Name == "cp":
			p.add(key+".name", pool.Name, "is reserved for the control plane: pick another pool name")
		case seen[pool.Name]:
			p.add(key+".name", pool.Name, "is used by another pool: pool names must be unique")
		}
		seen[pool.Name] = true
		pools = append(pools, resolveWorkerPool(p, key, pool, home, zone))
	}
	return pools
}

func resolveWorkerPool(p *problems, key string, in WorkerPoolInput, home, zone string) WorkerPool {
	count := valueOr(in.Count, 1)
	if count < 0 {
		p.add(key+".count", count, "is negative: use 0 or more")
		count = 0
	}
	pool := WorkerPool{
		Name:       in.Name,
		ServerType: or(in.ServerType, DefaultServerType),
		Location:   or(in.Location, home),
		Image:      or(in.Image, DefaultImage),
		Labels:     in.Labels,
	}
	checkInZone(p, key+".location", pool.Location, zone)
	if problem := serverTypeProblem(pool.ServerType, pool.Location); problem != "" {
		p.add(key+".serverType", pool.ServerType, "%s", problem)
	}
	for _, k := range slices.Sorted(maps.Keys(in.Labels)) {
		if problem := nodeLabelProblem(k); problem != "" {
			p.add(key+".labels", k, "%s", problem)
		} else if problem := labelValueProblem(in.Labels[k]); problem != "" {
			p.add(key+".labels."+k, in.Labels[k], "%s", problem)
		}
	}
	for j, s := range in.Taints {
		taint, err := ParseTaint(s)
		if err != nil {
			p.add(fmt.Sprintf("%s.taints[%d]", key, j), s, "%s", err)
			continue
		}
		pool.Taints = append(pool.Taints, taint)
	}
	for i := range count {
		pool.Nodes = append(pool.Nodes, Node{
			Name:      fmt.Sprintf("%s-%d", in.Name, i+1),
			Location:  pool.Location,
			Placement: i / MaxServersPerPlacement,
		})
	}
	return pool
}

// knownLocation returns the zone of a location, or reports that it is unknown.
func knownLocation(p *problems, key, location string) (string, bool) {
	zone, ok := ZoneOf(location)
	if !ok {
		p.add(key, location, "is not a Hetzner Cloud location: use one of %s", strings.Join(locations(), ", "))
	}
	return zone, ok
}

// checkInZone requires a known location inside the network's zone.
func checkInZone(p *problems, key, location, zone string) {
	if z, ok := knownLocation(p, key, location); ok && zone != "" && z != zone {
		p.add(key, location, "is in zone %s, but the cluster's network is in %s: everything on the network shares its zone", z, zone)
	}
}

func resolveFirewall(p *problems, in FirewallInput) Firewall {
	fw := Firewall{SSHAllowed: parseCIDRs(p, "firewall.sshAllowedCidrs", in.SSHAllowedCIDRs)}
	if len(in.SSHAllowedCIDRs) == 0 {
		p.add("firewall.sshAllowedCidrs", in.SSHAllowedCIDRs, "is empty: Pulumi installs k3s over SSH, so list the public address of the machine that runs pulumi up (e.g. 203.0.113.7/32)")
	}
	fw.APIAllowed = fw.SSHAllowed
	if in.APIAllowedCIDRs != nil {
		fw.APIAllowed = parseCIDRs(p, "firewall.apiAllowedCidrs", in.APIAllowedCIDRs)
	}
	return fw
}

func parseCIDRs(p *problems, key string, cidrs []string) []netip.Prefix {
	var out []netip.Prefix
	for i, s := range cidrs {
		prefix, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			p.add(fmt.Sprintf("%s[%d]", key, i), s, "is not a CIDR such as 203.0.113.7/32 or 2001:db8::/64")
		case prefix != prefix.Masked():
			p.add(fmt.Sprintf("%s[%d]", key, i), s, "has host bits set: use %s", prefix.Masked())
		default:
			out = append(out, prefix)
		}
	}
	return out
}

func resolveLoadBalancer(p *problems, in LoadBalancerInput, home, zone string) LoadBalancer {
	lb := LoadBalancer{
		Enabled:         in.Enabled,
		Type:            or(in.Type, DefaultLBType),
		Location:        or(in.Location, home),
		PublicInterface: valueOr(in.PublicInterface, true),
	}
	if !slices.Contains(loadBalancerTypes, lb.Type) {
		p.add("apiLoadBalancer.type", lb.Type, "is not a load balancer type: use one of %s", strings.Join(loadBalancerTypes, ", "))
	}
	checkInZone(p, "apiLoadBalancer.location", lb.Location, zone)
	return lb
}

func resolveSSH(p *problems, in SSHInput) SSH {
	if in.PrivateKey != "" {
		if _, err := ssh.ParsePrivateKey([]byte(in.PrivateKey)); err != nil {
			// Never echo the value: it is a secret.
			p.addKey("ssh.privateKey", "(secret) is not an unencrypted OpenSSH or PEM private key: %v", err)
		}
	}
	for i, key := range in.AuthorizedKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(key)); err != nil {
			p.add(fmt.Sprintf("ssh.authorizedKeys[%d]", i), key, "is not an OpenSSH public key line such as \"ssh-ed25519 AAAA... you@host\"")
		}
	}
	return SSH{PrivateKey: in.PrivateKey, AuthorizedKeys: in.AuthorizedKeys}
}

func resolveK3s(p *problems, in K3sInput) K3s {
	k := K3s{FlannelBackend: or(in.FlannelBackend, DefaultFlannelBackend), Disable: valueOr(in.Disable, DefaultDisable)}
	if !slices.Contains(flannelBackends, k.FlannelBackend) {
		p.add("k3s.flannelBackend", k.FlannelBackend, "is not supported: use %s (host-gw needs layer 2, which Hetzner networks do not give)", strings.Join(flannelBackends, " or "))
	}
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

func checkCapacity(p *problems, c Cluster) {
	if n := c.ServerCount(); n > MaxServersPerNetwork {
		p.add("workerPools", fmt.Sprintf("%d servers", n), "exceed the %d servers a Hetzner private network holds; see README \"Clusters above 100 nodes\"", MaxServersPerNetwork)
	}
	if !c.ControlPlane.Schedulable && len(c.ControlPlane.Nodes) > 0 && c.ServerCount() == len(c.ControlPlane.Nodes) {
		p.add("workerPools", "no workers", "leave workloads nowhere to run: add a worker pool, or set controlPlane.schedulable to true")
	}
}

// checkCIDRsApart refuses overlapping node, pod and service ranges: routing
// between them would be ambiguous.
func checkCIDRsApart(p *problems, c Cluster) {
	ranges := []struct {
		key    string
		prefix netip.Prefix
	}{{"network.cidr", c.Network.CIDR}, {"k3s.clusterCidr", c.K3s.ClusterCIDR}, {"k3s.serviceCidr", c.K3s.ServiceCIDR}}
	for i, a := range ranges {
		for _, b := range ranges[i+1:] {
			if a.prefix.IsValid() && b.prefix.IsValid() && a.prefix.Overlaps(b.prefix) {
				p.add(b.key, b.prefix.String(), "overlaps %s %s: node, pod and service ranges must be disjoint", a.key, a.prefix)
			}
		}
	}
}

// checkOneServiceLoadBalancer refuses k3s's ServiceLB next to the Hetzner
// CCM: k3s keeps running ServiceLB's controller unless servicelb is disabled
// (k3s pkg/cli/server/server.go, pkg/daemons/control/server.go), and two
// controllers would each answer every LoadBalancer Service.
func checkOneServiceLoadBalancer(p *problems, c Cluster) {
	if c.Addons.CloudControllerManager.Enabled && !slices.Contains(c.K3s.Disable, "servicelb") {
		p.add("k3s.disable", c.K3s.Disable, "must include servicelb while addons.cloudControllerManager is enabled: "+
			"the Hetzner cloud-controller-manager serves LoadBalancer Services, and k3s's ServiceLB would answer them too")
	}
}

// assignControlPlaneAddresses fixes the private IPs that others must know
// before the servers exist: the join URL, TLS SANs and the load balancer.
func assignControlPlaneAddresses(c *Cluster) {
	c.APILoadBalancer.PrivateIP = staticAddress(c.Network.CIDR, 0)
	for i, addr := range c.ControlPlaneAddresses()[:len(c.ControlPlane.Nodes)] {
		c.ControlPlane.Nodes[i].PrivateIP = addr
	}
	for _, nodes := range c.nodeLists() {
		for i := range *nodes {
			(*nodes)[i].Hostname = c.Name + "-" + (*nodes)[i].Name
		}
	}
}

func (c *Cluster) nodeLists() []*[]Node {
	lists := []*[]Node{&c.ControlPlane.Nodes}
	for i := range c.WorkerPools {
		lists = append(lists, &c.WorkerPools[i].Nodes)
	}
	return lists
}

func resolveAddons(p *problems, in AddonsInput) Addons {
	a := Addons{
		CloudControllerManager:  resolveAddon(p, "addons.cloudControllerManager", in.CloudControllerManager, DefaultCCMVersion),
		CSIDriver:               resolveAddon(p, "addons.csiDriver", in.CSIDriver, DefaultCSIVersion),
		SystemUpgradeController: resolveAddon(p, "addons.systemUpgradeController", in.SystemUpgradeController, DefaultSUCVersion),
	}
	// Its manifests are embedded (components/addons), one release only.
	if v := a.SystemUpgradeController.Version; chartVersionPattern.MatchString(v) && v != DefaultSUCVersion {
		p.add("addons.systemUpgradeController.version", v, "is not %s, the system-upgrade-controller release whose manifests hcloud-k3s embeds", DefaultSUCVersion)
	}
	return a
}

func resolveAddon(p *problems, key string, in AddonInput, defaultVersion string) Addon {
	a := Addon{Enabled: valueOr(in.Enabled, true), Version: or(in.Version, defaultVersion)}
	if !chartVersionPattern.MatchString(a.Version) {
		p.add(key+".version", a.Version, "is not a pinned release such as %s", defaultVersion)
	}
	return a
}

func resolveUpgrade(p *problems, in UpgradeInput) Upgrade {
	u := Upgrade{AgentConcurrency: valueOr(in.AgentConcurrency, 1), Drain: valueOr(in.Drain, true)}
	if u.AgentConcurrency < 1 {
		p.add("upgrade.agentConcurrency", u.AgentConcurrency, "must be 1 or more: how many agents upgrade at once")
	}
	return u
}

func resolveDrainTimeout(p *problems, s string) time.Duration {
	if s == "" {
		return DefaultDrainTimeout
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		p.add("drainTimeout", s, "is not a duration of at least 1s, such as 5m")
		return DefaultDrainTimeout
	}
	return d
}

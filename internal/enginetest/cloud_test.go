package enginetest

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	hz "github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/crypto/ssh"
)

// Hetzner Cloud type tokens (components/hetzner, imported as hz), typed as the engine
// takes them.
const (
	serverType       tokens.Type = hz.TypeServer
	networkType      tokens.Type = hz.TypeNetwork
	subnetType       tokens.Type = hz.TypeNetworkSubnet
	firewallType     tokens.Type = hz.TypeFirewall
	sshKeyType       tokens.Type = hz.TypeSSHKey
	placementType    tokens.Type = hz.TypePlacementGroup
	loadBalancerType tokens.Type = hz.TypeLoadBalancer
	lbNetworkType    tokens.Type = hz.TypeLoadBalancerNetwork
	lbServiceType    tokens.Type = hz.TypeLoadBalancerService
	lbTargetType     tokens.Type = hz.TypeLoadBalancerTarget
)

// Limits of a Hetzner project (components/hetzner, imported as hz); the API answers
// resource_limit_exceeded and placement_error.
const (
	serversPerNetwork        = hz.MaxServersPerNetwork
	serversPerPlacementGroup = hz.MaxServersPerPlacement
)

// replaceKeys are the inputs whose change forces a new resource, in
// terraform-provider-hcloud (hetznercloud/terraform-provider-hcloud at
// f81c9af4). Every other input is updated in place.
var replaceKeys = map[tokens.Type][]string{
	// internal/server/resource.go:58 image, :70 location, :90 user_data,
	// :113 ssh_keys. server_type is not ForceNew: resourceServerUpdate
	// (:587-610) powers the server off and changes its type in place.
	serverType: {"image", "location", "datacenter", "userData", "sshKeys"},
	// internal/network/resource.go:40 ip_range.
	networkType: {"ipRange"},
	// internal/network/resource_subnet.go:38-67.
	subnetType: {"networkId", "type", "networkZone", "ipRange", "vswitchId"},
	// internal/loadbalancer/resource.go:51 location, :57 network_zone; the
	// type changes in place (:225).
	loadBalancerType: {"location", "networkZone"},
	// internal/loadbalancer/resource_network.go:76-101.
	lbNetworkType: {"loadBalancerId", "networkId", "subnetId", "ip"},
	// internal/loadbalancer/resource_service.go:42-56.
	lbServiceType: {"loadBalancerId", "protocol", "listenPort"},
	// internal/loadbalancer/resource_target.go:55-74.
	lbTargetType: {"loadBalancerId", "type", "serverId", "labelSelector", "ip"},
	// internal/sshkey/resource.go:72 public_key (RequiresReplace).
	sshKeyType: {"publicKey"},
}

// uniquelyNamed are the types whose names are unique in a project: a create
// with a taken name fails with uniqueness_error, as the API answers.
var uniquelyNamed = []tokens.Type{serverType, networkType, firewallType, sshKeyType, placementType, loadBalancerType}

// object is one resource the simulated project holds.
type object struct {
	typ   tokens.Type
	id    string
	state property.Map
}

func (o *object) name() string { return str(o.state, "name") }

// hetzner is one simulated Hetzner Cloud project, shared by every stack
// that deploys into it: IDs and public IPs are assigned as the API assigns
// them (increasing, never reused), names and private IPs are unique.
type hetzner struct {
	mu      sync.Mutex
	lastID  int
	lastIP  int
	objects map[string]*object
}

func newHetzner() *hetzner { return &hetzner{lastID: 1_000_000, objects: map[string]*object{}} }

func (h *hetzner) newID() string {
	h.lastID++
	return strconv.Itoa(h.lastID)
}

// newPublicIPv4 is a fresh address from Hetzner's pool, never one in use.
func (h *hetzner) newPublicIPv4() string {
	h.lastIP++
	return fmt.Sprintf("95.217.%d.%d", h.lastIP/250, 2+h.lastIP%250)
}

// create creates a resource the way the API does, or fails as it would.
func (h *hetzner) create(typ tokens.Type, inputs property.Map) (string, property.Map, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.checkName(typ, str(inputs, "name"), ""); err != nil {
		return "", property.Map{}, err
	}
	id, state := h.newID(), inputs
	var err error
	switch typ {
	case serverType:
		state, err = h.newServer(id, inputs)
	case subnetType:
		id = fmt.Sprintf("%s-%s", str(inputs, "networkId"), str(inputs, "ipRange"))
		state = state.Set("gateway", property.New(gateway(str(inputs, "ipRange"))))
	case sshKeyType:
		state, err = h.newSSHKey(inputs)
	case loadBalancerType:
		state = state.Set("ipv4", property.New(h.newPublicIPv4())).Set("ipv6", property.New("2a01:4f8:c01e::1"))
	case lbNetworkType:
		state, err = h.attachLoadBalancer(inputs)
	}
	if err != nil {
		return "", property.Map{}, err
	}
	h.objects[id] = &object{typ: typ, id: id, state: state}
	return id, state, nil
}

// update changes a resource in place: a server's type (after a power-off),
// its network attachment, names and labels.
func (h *hetzner) update(typ tokens.Type, id string, news property.Map) (property.Map, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	o, ok := h.objects[id]
	if !ok {
		return property.Map{}, fmt.Errorf("%s %s not found (not_found)", typ, id)
	}
	if err := h.checkName(typ, str(news, "name"), id); err != nil {
		return property.Map{}, err
	}
	state := news
	if typ == serverType {
		var err error
		if state, err = h.reattach(o, news); err != nil {
			return property.Map{}, err
		}
	}
	for _, computed := range []string{"ipv4Address", "ipv6Address", "status", "fingerprint", "ipv4", "ipv6", "gateway"} {
		if v, ok := o.state.GetOk(computed); ok {
			if _, set := state.GetOk(computed); !set || state.Get(computed).IsComputed() {
				state = state.Set(computed, v)
			}
		}
	}
	o.state = state
	return state, nil
}

// delete deletes a resource as the API does, with what it does to the
// servers it is attached to: a deleted network detaches them ("attached
// resources will be detached automatically", DELETE /networks/{id}), and a
// deleted firewall is first removed from every server it is applied to
// (terraform-provider-hcloud internal/firewall/resource.go,
// resourceFirewallDelete: removeFromResources before Firewall.Delete, since
// v1.32.0, and still at v1.68.0). Servers are never deleted
// with them: they keep running, unprotected, and are billed.
func (h *hetzner) delete(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	o, ok := h.objects[id]
	if !ok {
		return
	}
	for _, server := range h.objects {
		if server.typ != serverType {
			continue
		}
		switch o.typ {
		case networkType:
			server.state = server.state.Set("networks", without(server.state.Get("networks"), func(a property.Value) bool {
				return str(a.AsMap(), "networkId") == id
			}))
		case firewallType:
			server.state = server.state.Set("firewallIds", without(server.state.Get("firewallIds"), func(v property.Value) bool {
				return v.IsString() && v.AsString() == id
			}))
		}
	}
	delete(h.objects, id)
}

// without is a list without the items that match; an absent list stays empty.
func without(list property.Value, match func(property.Value) bool) property.Value {
	var kept []property.Value
	if list.IsArray() {
		kept = slices.DeleteFunc(slices.Clone(list.AsArray().AsSlice()), match)
	}
	return property.New(property.NewArray(kept))
}

// read returns a resource's state; false once it is gone.
func (h *hetzner) read(id string) (property.Map, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	o, ok := h.objects[id]
	if !ok {
		return property.Map{}, false
	}
	return o.state, true
}

// deleteServer deletes a server outside Pulumi, as in the console.
func (h *hetzner) deleteServer(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, o := range h.objects {
		if o.typ == serverType && o.name() == name {
			delete(h.objects, id)
			return true
		}
	}
	return false
}

// downloadsAtBoot says whether the server's user data downloads the k3s
// release version while it boots (k3s.ServerUserData).
func (h *hetzner) downloadsAtBoot(server, version string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, o := range h.objects {
		if o.typ == serverType && o.name() == server {
			userData := str(o.state, "userData")
			return strings.Contains(userData, "download_dir=") && strings.Contains(userData, "version='"+version+"'")
		}
	}
	return false
}

// serverAt returns the name of the server that has a public IPv4 address.
func (h *hetzner) serverAt(ip string) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, o := range h.objects {
		if o.typ == serverType && str(o.state, "ipv4Address") == ip {
			return o.name(), true
		}
	}
	return "", false
}

// names lists the resources of a type the project holds, sorted.
func (h *hetzner) names(typ tokens.Type) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var names []string
	for _, o := range h.objects {
		if o.typ == typ {
			names = append(names, o.name())
		}
	}
	slices.Sort(names)
	return names
}

// count is how many resources the project holds.
func (h *hetzner) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.objects)
}

func (h *hetzner) checkName(typ tokens.Type, name, self string) error {
	if name == "" || !slices.Contains(uniquelyNamed, typ) {
		return nil
	}
	for id, o := range h.objects {
		if o.typ == typ && id != self && o.name() == name {
			return fmt.Errorf("%s name %q is already used (uniqueness_error)", typ.Name(), name)
		}
	}
	return nil
}

func (h *hetzner) newServer(id string, inputs property.Map) (property.Map, error) {
	if err := h.checkPlacement(str(inputs, "placementGroupId")); err != nil {
		return property.Map{}, err
	}
	probe := &object{typ: serverType, id: id}
	networks, err := h.attach(probe, inputs.Get("networks"))
	if err != nil {
		return property.Map{}, err
	}
	return inputs.
		Set("networks", networks).
		Set("ipv4Address", property.New(h.newPublicIPv4())).
		Set("ipv6Address", property.New(fmt.Sprintf("2a01:4f8:c0c:%x::1", h.lastIP))).
		Set("status", property.New("running")), nil
}

func (h *hetzner) checkPlacement(group string) error {
	if group == "" {
		return nil
	}
	if _, ok := h.objects[group]; !ok {
		return fmt.Errorf("placement group %s not found (not_found)", group)
	}
	n := 0
	for _, o := range h.objects {
		if o.typ == serverType && str(o.state, "placementGroupId") == group {
			n++
		}
	}
	if n >= serversPerPlacementGroup {
		return fmt.Errorf("placement group %s already holds %d servers (placement_error)", group, n)
	}
	return nil
}

// attach gives each network attachment its private IP: the one asked for if
// it is free, else the lowest free one, as the API does (the server, :470-481,
// and common.go:17-54 send the subnet's ip_range and the IP).
func (h *hetzner) attach(self *object, attachments property.Value) (property.Value, error) {
	if !attachments.IsArray() {
		return attachments, nil
	}
	var out []property.Value
	for _, a := range attachments.AsArray().AsSlice() {
		m := a.AsMap()
		network, ipRange, ok := strings.Cut(str(m, "subnetId"), "-")
		if !ok {
			return property.Value{}, fmt.Errorf("subnet %q not found (not_found)", str(m, "subnetId"))
		}
		if n := h.serversIn(network, self.id); n >= serversPerNetwork {
			return property.Value{}, fmt.Errorf("network %s already has %d servers (resource_limit_exceeded)", network, n)
		}
		ip, err := h.takeIP(network, ipRange, str(m, "ip"), self.id)
		if err != nil {
			return property.Value{}, err
		}
		out = append(out, property.New(m.Set("ip", property.New(ip)).Set("networkId", idNumber(network))))
	}
	return property.New(property.NewArray(out)), nil
}

// reattach detaches a server from networks it leaves and attaches it to new
// ones (resource.go:638, d.HasChange("network")).
func (h *hetzner) reattach(o *object, news property.Map) (property.Map, error) {
	old := o.state.Get("networks")
	o.state = o.state.Delete("networks") // frees its IPs for the new attachment
	networks, err := h.attach(o, news.Get("networks"))
	if err != nil {
		o.state = o.state.Set("networks", old)
		return property.Map{}, err
	}
	return news.Set("networks", networks), nil
}

func (h *hetzner) serversIn(network, self string) int {
	n := 0
	for _, o := range h.objects {
		if o.typ != serverType || o.id == self {
			continue
		}
		for _, ip := range privateIPs(o) {
			if ip[0] == network {
				n++
			}
		}
	}
	return n
}

// takeIP checks that ip (or, when empty, the lowest free address) can be
// had in the network: inside the subnet, not its network, gateway or
// broadcast address, and held by nothing else (ip_not_available).
func (h *hetzner) takeIP(network, ipRange, ip, self string) (string, error) {
	prefix, err := netip.ParsePrefix(ipRange)
	if err != nil {
		return "", fmt.Errorf("subnet range %q: %w", ipRange, err)
	}
	taken := map[string]bool{}
	for _, o := range h.objects {
		if o.id == self {
			continue
		}
		for _, held := range privateIPs(o) {
			if held[0] == network {
				taken[held[1]] = true
			}
		}
	}
	if ip != "" {
		addr, err := netip.ParseAddr(ip)
		if err != nil || !prefix.Contains(addr) || reserved(prefix, addr) || taken[ip] {
			return "", fmt.Errorf("IP %s is not available in network %s (ip_not_available)", ip, network)
		}
		return ip, nil
	}
	for addr := prefix.Masked().Addr(); prefix.Contains(addr); addr = addr.Next() {
		if !reserved(prefix, addr) && !taken[addr.String()] {
			return addr.String(), nil
		}
	}
	return "", fmt.Errorf("no IP available in network %s (ip_not_available)", network)
}

// reserved are the network address, the gateway (the first host) and the
// broadcast address of a subnet.
func reserved(prefix netip.Prefix, addr netip.Addr) bool {
	first := prefix.Masked().Addr()
	return addr == first || addr == first.Next() || !prefix.Contains(addr.Next())
}

func gateway(ipRange string) string {
	prefix, err := netip.ParsePrefix(ipRange)
	if err != nil {
		return ""
	}
	return prefix.Masked().Addr().Next().String()
}

// privateIPs are the (network ID, IP) pairs an object holds.
func privateIPs(o *object) [][2]string {
	switch o.typ {
	case serverType:
		var ips [][2]string
		if nets := o.state.Get("networks"); nets.IsArray() {
			for _, a := range nets.AsArray().AsSlice() {
				ips = append(ips, [2]string{str(a.AsMap(), "networkId"), str(a.AsMap(), "ip")})
			}
		}
		return ips
	case lbNetworkType:
		return [][2]string{{str(o.state, "networkId"), str(o.state, "ip")}}
	}
	return nil
}

// attachLoadBalancer attaches a load balancer to a network by its subnet,
// at its fixed IP or the lowest free one.
func (h *hetzner) attachLoadBalancer(inputs property.Map) (property.Map, error) {
	network, ipRange, ok := strings.Cut(str(inputs, "subnetId"), "-")
	if !ok {
		network = str(inputs, "networkId")
		for _, o := range h.objects {
			if o.id == network {
				ipRange = str(o.state, "ipRange")
			}
		}
	}
	ip, err := h.takeIP(network, ipRange, str(inputs, "ip"), "")
	if err != nil {
		return property.Map{}, err
	}
	return inputs.Set("ip", property.New(ip)).Set("networkId", idNumber(network)), nil
}

// newSSHKey refuses a second key with a fingerprint the project already
// has: "SSH key with the same fingerprint already exists
// (uniqueness_error)" (terraform-provider-hcloud#12).
func (h *hetzner) newSSHKey(inputs property.Map) (property.Map, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(str(inputs, "publicKey")))
	if err != nil {
		return property.Map{}, fmt.Errorf("invalid public key (invalid_input): %w", err)
	}
	fingerprint := ssh.FingerprintLegacyMD5(key)
	for _, o := range h.objects {
		if o.typ == sshKeyType && str(o.state, "fingerprint") == fingerprint {
			return property.Map{}, fmt.Errorf("SSH key with the same fingerprint already exists (uniqueness_error)")
		}
	}
	return inputs.Set("fingerprint", property.New(fingerprint)), nil
}

// str reads a string (or a number, as IDs are) from a map; "" when absent
// or unknown.
func str(m property.Map, key string) string {
	v := m.Get(key)
	switch {
	case v.IsString():
		return v.AsString()
	case v.IsNumber():
		return strconv.FormatFloat(v.AsNumber(), 'f', -1, 64)
	}
	return ""
}

// idNumber is an ID as the SDK types it where it is an int.
func idNumber(id string) property.Value {
	n, err := strconv.Atoi(id)
	if err != nil {
		return property.New(property.Computed)
	}
	return property.New(float64(n))
}

// list answers the list data sources (hcloud.GetServers, GetNetworks): the
// resources of a type whose labels match a selector "k=v[,k=v…]".
func (h *hetzner) list(typ tokens.Type, selector string) []property.Value {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []property.Value
	for _, o := range h.objects {
		if o.typ == typ && matches(o.state.Get("labels"), selector) {
			out = append(out, property.New(o.state.Set("id", idNumber(o.id))))
		}
	}
	slices.SortFunc(out, func(a, b property.Value) int { return strings.Compare(str(a.AsMap(), "name"), str(b.AsMap(), "name")) })
	return out
}

func matches(labels property.Value, selector string) bool {
	for _, term := range strings.Split(selector, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(term), "=")
		if !labels.IsMap() || str(labels.AsMap(), k) != v {
			return false
		}
	}
	return true
}

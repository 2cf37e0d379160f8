package rules

import (
	"fmt"
	"slices"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"k8s.io/apimachinery/pkg/labels"
)

// Type tokens of the resources the rules read; everything else is ignored.
const (
	typeServer              = hetzner.TypeServer
	typeFirewall            = hetzner.TypeFirewall
	typeFirewallAttachment  = hetzner.TypeFirewallAttachment
	typeLoadBalancer        = hetzner.TypeLoadBalancer
	typeLoadBalancerNetwork = hetzner.TypeLoadBalancerNetwork
	typeLoadBalancerService = hetzner.TypeLoadBalancerService
	typeLoadBalancerTarget  = hetzner.TypeLoadBalancerTarget
	typeKubernetesService   = "kubernetes:core/v1:Service"
)

// attached returns the resources of type t whose loadBalancerId points at lb.
func (s *stack) attached(lb *resource, t string) []*resource {
	var found []*resource
	for _, r := range s.ofType(t) {
		if s.ref(r, "loadBalancerId", typeLoadBalancer) == lb {
			found = append(found, r)
		}
	}
	return found
}

// publicInterface reports whether lb is reachable from the internet: only a network attachment
// with enablePublicInterface false turns that off. decided is false while that setting is unknown.
func (s *stack) publicInterface(lb *resource) (public, decided bool) {
	decided = true
	for _, n := range s.attached(lb, typeLoadBalancerNetwork) {
		enabled, ok := orDefault(n.Properties, "enablePublicInterface", true, asBool)
		if ok && !enabled {
			return false, true
		}
		decided = decided && ok
	}
	return true, decided
}

// destinationPorts returns the known ports lb's services connect to on their targets.
func (s *stack) destinationPorts(lb *resource) []int {
	var ports []int
	for _, svc := range s.attached(lb, typeLoadBalancerService) {
		if port, ok := destinationPort(svc.Properties); ok {
			ports = appendNew(ports, port)
		}
	}
	slices.Sort(ports)
	return ports
}

// destinationPort applies Hetzner's defaults: tcp services forward to their listen port, http(s) ones to 80.
func destinationPort(svc property.Map) (int, bool) {
	protocol, okProtocol := get(svc, "protocol", asString)
	destination, okDestination := optional(svc, "destinationPort", asNumber)
	listen, okListen := optional(svc, "listenPort", asNumber)
	switch {
	case !okProtocol || !okDestination || !okListen:
		return 0, false
	case destination > 0:
		return int(destination), true
	case protocol == "tcp":
		return int(listen), listen > 0
	default:
		return 80, true
	}
}

// target is a load balancer target: a LoadBalancerTarget or an entry of LoadBalancer.targets.
type target struct {
	owner    *resource
	props    property.Map
	idsKey   string           // property of owner whose dependencies resolve an unknown serverId
	serverID []property.Value // for type server
	label    string           // how messages name the target
}

func (s *stack) targets(lb *resource) []target {
	var targets []target
	for _, r := range s.attached(lb, typeLoadBalancerTarget) {
		targets = append(targets, target{owner: r, props: r.Properties, idsKey: "serverId",
			serverID: idValues(r, "serverId"), label: fmt.Sprintf("target %q", r.Name)})
	}
	inline, _ := get(lb.Properties, "targets", asList)
	for i, v := range inline {
		if m, ok := asMap(v); ok {
			targets = append(targets, target{owner: lb, props: m, idsKey: "targets",
				serverID: []property.Value{m.Get("serverId")}, label: fmt.Sprintf("targets[%d]", i)})
		}
	}
	return targets
}

// privateTargetServers returns the servers lb reaches over the private
// network, as far as known values tell. Only that traffic escapes the
// servers' firewalls: traffic to a public IP is filtered like any other
// (docs.hetzner.com/cloud/firewalls/faq). That takes a LoadBalancerTarget
// with usePrivateIp, which works only on a load balancer attached to a
// network (load_balancer_not_attached_to_network otherwise,
// terraform-provider-hcloud#268): the target is judged as declared, since
// the attachment may live outside the stack (made by hand, or by another
// stack). Inline targets cannot use private IPs (SDK LoadBalancerTargetType:
// "Does not work"), and ip targets cannot be cloud servers
// (cloud_resource_ip_not_allowed).
func (s *stack) privateTargetServers(lb *resource) []*resource {
	var servers []*resource
	for _, t := range s.targets(lb) {
		private, known := orDefault(t.props, "usePrivateIp", false, asBool)
		if t.owner != lb && known && private {
			servers = appendNew(servers, s.servers(t)...)
		}
	}
	return servers
}

func (s *stack) servers(t target) []*resource {
	kind, _ := get(t.props, "type", asString)
	switch kind {
	case "server":
		found, _ := s.refs(t.owner, t.idsKey, typeServer, t.serverID)
		return found
	case "label_selector":
		sel, ok := get(t.props, "labelSelector", asSelector)
		return s.serversWhere(func(server property.Map) bool {
			serverLabels, known := optional(server, "labels", asStringMap)
			return ok && known && sel.Matches(labels.Set(serverLabels))
		})
	}
	return nil
}

// serversWhere returns the servers whose properties satisfy keep.
func (s *stack) serversWhere(keep func(server property.Map) bool) []*resource {
	var found []*resource
	for _, server := range s.ofType(typeServer) {
		if keep(server.Properties) {
			found = append(found, server)
		}
	}
	return found
}

// hasPublicInterface reports whether server gets a public address, which is Hetzner's default.
func hasPublicInterface(server *resource) (public, decided bool) {
	nets, ok := optional(server.Properties, "publicNets", asList)
	if !ok {
		return false, false
	}
	if len(nets) == 0 {
		return true, true
	}
	for _, n := range nets {
		m, ok := asMap(n)
		v4, ok4 := orDefault(m, "ipv4Enabled", true, asBool)
		v6, ok6 := orDefault(m, "ipv6Enabled", true, asBool)
		if !ok || !ok4 || !ok6 {
			return false, false
		}
		if v4 || v6 {
			return true, true
		}
	}
	return false, true
}

// application is one way a firewall is applied to servers: a Firewall's applyTos or a FirewallAttachment.
type application struct {
	firewall  *resource // nil when the firewall is not part of the stack
	owner     *resource // holds the server IDs and their dependency record
	idsKey    string
	serverIDs []property.Value
	selectors []property.Value
	known     bool // false when the list of servers and selectors is itself unknown
}

func (s *stack) applications() []application {
	var apps []application
	for _, fw := range s.ofType(typeFirewall) {
		apps = append(apps, applyTos(fw))
	}
	for _, a := range s.ofType(typeFirewallAttachment) {
		selectors, ok := optional(a.Properties, "labelSelectors", asList)
		apps = append(apps, application{firewall: s.ref(a, "firewallId", typeFirewall), owner: a,
			idsKey: "serverIds", serverIDs: idValues(a, "serverIds"), selectors: selectors, known: ok})
	}
	return apps
}

func applyTos(fw *resource) application {
	entries, ok := optional(fw.Properties, "applyTos", asList)
	app := application{firewall: fw, owner: fw, idsKey: "applyTos", known: ok}
	for _, e := range entries {
		m, ok := asMap(e)
		app.known = app.known && ok
		if v, ok := m.GetOk("server"); ok && !v.IsNull() {
			app.serverIDs = append(app.serverIDs, v)
		}
		if v, ok := m.GetOk("labelSelector"); ok && !v.IsNull() {
			app.selectors = append(app.selectors, v)
		}
	}
	return app
}

// covers reports whether app applies to server; decided is false when that hangs on unknown values.
func (s *stack) covers(app application, server *resource) (covered, decided bool) {
	if !app.known {
		return false, false
	}
	decided = true
	if len(app.serverIDs) > 0 {
		found, complete := s.refs(app.owner, app.idsKey, typeServer, app.serverIDs)
		if slices.Contains(found, server) {
			return true, true
		}
		decided = complete
	}
	serverLabels, labelsKnown := optional(server.Properties, "labels", asStringMap)
	for _, v := range app.selectors {
		sel, ok := asSelector(v)
		if ok && labelsKnown && sel.Matches(labels.Set(serverLabels)) {
			return true, true
		}
		decided = decided && ok && labelsKnown
	}
	return false, decided
}

// firewallsOf returns the firewalls applied to server (by its firewallIds, a Firewall's applyTos
// or a FirewallAttachment); decided is false when unknown values or unseen firewalls leave that open.
func (s *stack) firewallsOf(server *resource) (applied []*resource, decided bool) {
	applied, decided = s.refs(server, "firewallIds", typeFirewall, idValues(server, "firewallIds"))
	for _, app := range s.applications() {
		covered, ok := s.covers(app, server)
		decided = decided && ok && !(covered && app.firewall == nil)
		if covered && app.firewall != nil {
			applied = appendNew(applied, app.firewall)
		}
	}
	return applied, decided
}

// firewallRules returns the firewalls applied to server and their combined rules (Hetzner applies
// the union); ok is false when either is unknown.
func (s *stack) firewallRules(server *resource) (firewalls []*resource, rules []firewallRule, ok bool) {
	firewalls, ok = s.firewallsOf(server)
	for _, fw := range firewalls {
		fwRules, known := parseRules(fw.Properties)
		rules = append(rules, fwRules...)
		ok = ok && known
	}
	return firewalls, rules, ok
}

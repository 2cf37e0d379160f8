package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Taint is a Kubernetes node taint, rendered as key=value:Effect.
type Taint struct {
	Key, Value, Effect string
}

// ControlPlaneTaint keeps workloads off control-plane nodes that are not
// schedulable. The k3s packaged add-ons tolerate it (k3s manifests/coredns.yaml,
// local-storage.yaml, metrics-server/, traefik.yaml at v1.33.5), and so do
// hcloud-k3s's.
var ControlPlaneTaint = Taint{Key: "CriticalAddonsOnly", Value: "true", Effect: "NoExecute"}

// ID names a taint the way a Node holds at most one of: key:Effect.
func (t Taint) ID() string { return t.Key + ":" + t.Effect }

func (t Taint) String() string {
	if t.Value == "" {
		return t.Key + ":" + t.Effect
	}
	return t.Key + "=" + t.Value + ":" + t.Effect
}

var (
	dnsSubdomain   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	qualifiedName  = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	labelValue     = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
	taintEffects   = map[string]bool{"NoSchedule": true, "PreferNoSchedule": true, "NoExecute": true}
	kubeletLabelNS = []string{"kubelet.kubernetes.io", "node.kubernetes.io"}
)

// labelKeyProblem checks a label or taint key ([prefix/]name), returning "" when valid.
func labelKeyProblem(key string) string {
	prefix, name, hasPrefix := strings.Cut(key, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	}
	if len(name) == 0 || len(name) > 63 || !qualifiedName.MatchString(name) {
		return "is not a Kubernetes label key: a name of at most 63 alphanumerics, '-', '_' or '.', optionally behind a DNS prefix and '/'"
	}
	if hasPrefix && (len(prefix) > 253 || !dnsSubdomain.MatchString(prefix)) {
		return "has a prefix that is not a DNS subdomain"
	}
	return ""
}

// nodeLabelProblem also refuses the kubernetes.io namespaces that the kubelet
// may not set on its own node (NodeRestriction), which would stop k3s joining.
func nodeLabelProblem(key string) string {
	if p := labelKeyProblem(key); p != "" {
		return p
	}
	prefix, _, hasPrefix := strings.Cut(key, "/")
	if !hasPrefix || !(strings.HasSuffix(prefix, "kubernetes.io") || strings.HasSuffix(prefix, "k8s.io")) {
		return ""
	}
	for _, allowed := range kubeletLabelNS {
		if prefix == allowed || strings.HasSuffix(prefix, "."+allowed) {
			return ""
		}
	}
	return "is in a kubernetes.io namespace that a kubelet may not set on itself; use your own prefix, or node.kubernetes.io/"
}

func labelValueProblem(value string) string {
	if len(value) > 63 || !labelValue.MatchString(value) {
		return "is not a Kubernetes label value: at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric"
	}
	return ""
}

// ParseTaint parses key[=value]:Effect.
func ParseTaint(s string) (Taint, error) {
	keyValue, effect, ok := strings.Cut(s, ":")
	if !ok || !taintEffects[effect] {
		return Taint{}, fmt.Errorf("must be key[=value]:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute")
	}
	key, value, _ := strings.Cut(keyValue, "=")
	if p := labelKeyProblem(key); p != "" {
		return Taint{}, fmt.Errorf("has a key that %s", p)
	}
	if p := labelValueProblem(value); p != "" {
		return Taint{}, fmt.Errorf("has a value that %s", p)
	}
	return Taint{Key: key, Value: value, Effect: effect}, nil
}

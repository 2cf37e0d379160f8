package clusterops

import (
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

const (
	lbURL     = "https://10.0.255.254:6443"
	publicURL = "https://203.0.113.10:6443"
)

var clusterNodes = []string{"dev-cp-1", "dev-workers-1", "dev-workers-2"}

// readyHost is a node on which both endpoints answer and every node exists.
func readyHost(t *testing.T) *shelltest.Host {
	h := newHost(t)
	h.SetLines("readyz", lbURL, publicURL)
	h.SetLines("nodes", clusterNodes...)
	return h
}

func readyz(h *shelltest.Host, url string) string {
	return kubectl(h, "--request-timeout=10s --server "+url+" get --raw=/readyz")
}

func getNode(h *shelltest.Host, node string) string {
	return kubectl(h, "--request-timeout=10s get node "+node)
}

func TestReadyWhenEverythingAnswers(t *testing.T) {
	h := readyHost(t)
	res := h.MustRun(ReadyScript([]string{lbURL, publicURL}, clusterNodes, time.Minute), "")
	res.AssertCalls(t, "", readyz(h, lbURL), readyz(h, publicURL),
		getNode(h, "dev-cp-1"), getNode(h, "dev-workers-1"), getNode(h, "dev-workers-2"))
	res.Says(t, "API ready at "+lbURL)
	res.Says(t, "API ready at "+publicURL)
	res.Says(t, "all 3 nodes registered")
}

func TestReadyWaitsForAPI(t *testing.T) {
	h := readyHost(t)
	h.Set("ready-after", "3")
	res := h.MustRun(ReadyScript([]string{lbURL}, clusterNodes, time.Minute), "")
	res.AssertCalls(t, "k3s kubectl --kubeconfig "+h.Root+"/etc/rancher/k3s/k3s.yaml --request-timeout=10s --server",
		readyz(h, lbURL), readyz(h, lbURL), readyz(h, lbURL))
	res.AssertCalls(t, "sleep ", "sleep 5", "sleep 5")
	res.Says(t, "all 3 nodes registered")
}

func TestReadyFailsNamingEndpointThatNeverAnswers(t *testing.T) {
	h := readyHost(t)
	h.SetLines("readyz", lbURL)
	res := h.MustFail(ReadyScript([]string{lbURL, publicURL}, clusterNodes, 0), "",
		"the Kubernetes API did not answer at "+publicURL+" within 0s; check the firewall allowlist, the load balancer's health and the certificate's TLS SANs")
	res.AssertCalls(t, kubectl(h, "--request-timeout=10s get node")) // nodes are not checked
}

func TestReadyRetriesUntilTimeout(t *testing.T) {
	h := readyHost(t)
	h.SetLines("readyz")
	start := time.Now()
	res := h.MustFail(ReadyScript([]string{lbURL}, nil, 2*time.Second), "",
		"the Kubernetes API did not answer at "+lbURL+" within 2s; check the firewall allowlist, the load balancer's health and the certificate's TLS SANs")
	if len(res.Called("sleep 5")) == 0 {
		t.Error("gave up without retrying")
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("a 2s timeout took %v", took)
	}
}

func TestReadyFailsNamingNodeThatNeverRegisters(t *testing.T) {
	h := readyHost(t)
	h.SetLines("nodes", "dev-cp-1", "dev-workers-1")
	res := h.MustFail(ReadyScript([]string{lbURL}, clusterNodes, 0), "",
		"node dev-workers-2 did not register within 0s; see 'journalctl -u k3s-agent' (or -u k3s) on dev-workers-2")
	res.AssertCalls(t, kubectl(h, "--request-timeout=10s get node"),
		getNode(h, "dev-cp-1"), getNode(h, "dev-workers-1"), getNode(h, "dev-workers-2"))
}

func TestReadyScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, ReadyScript([]string{lbURL, publicURL}, clusterNodes, 10*time.Minute))
}

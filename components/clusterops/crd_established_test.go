package clusterops

import (
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

const (
	plansCRD = "plans.upgrade.cattle.io"
	crdHint  = "see the controller's log"
)

func crdEstablished(timeout time.Duration) string {
	return CRDEstablishedScript(plansCRD, crdHint, timeout)
}

func TestCRDEstablishedWaitsForTheControllerToRegisterIt(t *testing.T) {
	h := newHost(t)
	h.Set("crds", plansCRD)
	h.Set("established", plansCRD)
	h.Set("registered-after", "3")
	res := h.MustRun(crdEstablished(5*time.Minute), "")
	get := kubectl(h, "--request-timeout=10s get crd "+plansCRD)
	res.AssertCalls(t, "", get, "sleep 5", get, "sleep 5", get,
		kubectl(h, "wait --for condition=established --timeout=60s crd/"+plansCRD))
	res.Says(t, "CRD "+plansCRD+" established")
}

func TestCRDEstablishedFailsWhenNeverRegistered(t *testing.T) {
	h := newHost(t)
	res := h.MustFail(crdEstablished(time.Minute), "", "CRD "+plansCRD+" was not registered within 60s; "+crdHint)
	if polls, sleeps := len(res.Called(kubectl(h, "--request-timeout=10s get crd"))), len(res.Called("sleep 5")); polls != 12 || sleeps != 11 {
		t.Errorf("asked %d times and slept %d times, want 12 asks, 5s apart", polls, sleeps)
	}
}

func TestCRDEstablishedFailsWhenNotServed(t *testing.T) {
	h := newHost(t)
	h.Set("crds", plansCRD)
	h.MustFail(crdEstablished(time.Minute), "", "CRD "+plansCRD+" is registered but was not established within 60s; "+crdHint)
}

func TestCRDEstablishedScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, crdEstablished(time.Minute))
}

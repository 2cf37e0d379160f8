package clusterops

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

const (
	testHcloudToken = "hc-t0ken-0123456789abcdef"
	testNodeGroup   = "prod-burst"
)

// hetznerStub answers the Hetzner API from state files: servers lists the
// project's servers of the node group as "ID NAME"; a delete removes one.
// With paged, the first page holds one server. With late, a server the
// autoscaler was still creating appears after the first list. Calls whose
// header does not carry the token fail as the API does (401).
const hetznerStub = `method= url= header=
while [ $# -gt 0 ]; do
  case $1 in -X) method=$2; shift ;; -H) header=$2; shift ;; https://*) url=$1 ;; esac
  shift
done
grep -qxF "Authorization: Bearer $(cat "$state/token")" "${header#@}" || exit 22
case "$method $url" in
  "GET https://api.hetzner.cloud/v1/servers?label_selector=hcloud/node-group%3Dprod-burst&per_page=50&page="*)
    page=${url##*page=}
    touch "$state/servers"
    if [ -f "$state/paged" ] && [ "$page" = 1 ]; then items=$(head -n1 "$state/servers"); next=2
    elif [ -f "$state/paged" ]; then items=$(tail -n +2 "$state/servers"); next=null
    else items=$(cat "$state/servers"); next=null; fi
    json=
    while read -r id name; do
      [ -z "$id" ] || json="$json${json:+,}{\"id\":$id,\"name\":\"$name\",\"labels\":{\"hcloud/node-group\":\"prod-burst\"}}"
    done <<<"$items"
    printf '{"servers":[%s],"meta":{"pagination":{"page":%s,"next_page":%s}}}' "$json" "$page" "$next"
    if [ -f "$state/late" ]; then cat "$state/late" >>"$state/servers"; rm "$state/late"; fi ;;
  "DELETE https://api.hetzner.cloud/v1/servers/"*)
    id=${url##*/}
    grep -q "^$id " "$state/servers" || exit 22
    grep -v "^$id " "$state/servers" >"$state/servers.new" || true
    mv "$state/servers.new" "$state/servers"
    echo '{"action":{"command":"delete_server","status":"running"}}' ;;
  *) exit 22 ;;
esac`

func newAPIHost(t *testing.T, servers ...string) *shelltest.Host {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	h := newHost(t)
	h.Secrets = []string{testHcloudToken}
	h.Set("token", testHcloudToken)
	h.Stub("curl", hetznerStub)
	h.Stub("python3", `exec `+python+` "$@"`)
	h.SetLines("servers", servers...)
	return h
}

func autoscaledServers() string { return AutoscaledServersScript(testNodeGroup, 90*time.Second) }

func TestPoolRemovalDrainsThenDeletesEveryServer(t *testing.T) {
	h := newAPIHost(t, "41 prod-burst-1a2b", "42 prod-burst-3c4d")
	h.SetLines("nodes", "prod-cp-1", "prod-burst-1a2b", "prod-burst-3c4d")
	res := h.MustRun(autoscaledServers(), testHcloudToken+"\n")
	if left := h.StateFile("servers"); strings.TrimSpace(left) != "" {
		t.Errorf("servers left: %q", left)
	}
	drains := res.Called(kubectl(h, "drain"))
	if len(drains) != 2 || !strings.Contains(drains[0], "prod-burst-1a2b --ignore-daemonsets --delete-emptydir-data --force --timeout=90s") {
		t.Errorf("drains = %q, want each node drained, bounded", drains)
	}
	if got := nodesLeft(h); !slices.Equal(got, []string{"prod-cp-1"}) {
		t.Errorf("Nodes left = %q, want only the control plane's", got)
	}
	firstDelete := slices.IndexFunc(res.Calls, func(c string) bool { return strings.Contains(c, "-X DELETE") })
	firstDrain := slices.IndexFunc(res.Calls, func(c string) bool { return strings.Contains(c, " drain ") })
	if firstDrain < 0 || firstDelete < firstDrain {
		t.Errorf("a server was deleted before its node was drained: %q", res.Calls)
	}
	res.Says(t, "node group prod-burst has no servers left")
}

func TestTeardownDeletesServersWithoutDraining(t *testing.T) {
	h := newAPIHost(t, "41 prod-burst-1a2b")
	h.SetLines("nodes", "prod-burst-1a2b")
	_, destroy := TeardownScripts()
	h.MustRun(destroy, "")
	res := h.MustRun(autoscaledServers(), testHcloudToken+"\n")
	res.AssertCalls(t, kubectl(h, "drain"))
	if left := strings.TrimSpace(h.StateFile("servers")); left != "" {
		t.Errorf("servers left: %q", left)
	}
	res.Says(t, "the cluster is being destroyed: the servers of prod-burst are not drained")
}

func TestEveryPageAndLateServersAreDeleted(t *testing.T) {
	h := newAPIHost(t, "41 prod-burst-1a2b", "42 prod-burst-3c4d", "43 prod-burst-5e6f")
	h.Set("paged", "")
	h.SetLines("late", "44 prod-burst-7a8b")
	res := h.MustRun(autoscaledServers(), testHcloudToken+"\n")
	if left := strings.TrimSpace(h.StateFile("servers")); left != "" {
		t.Errorf("servers left: %q", left)
	}
	if deletes := res.Called("curl -sSf --retry 5 --retry-all-errors -X DELETE"); len(deletes) != 4 {
		t.Errorf("deletes = %q, want one per server, each once", deletes)
	}
}

func TestNoTokenDeletesNothing(t *testing.T) {
	h := newAPIHost(t, "41 prod-burst-1a2b")
	h.MustFail(autoscaledServers(), "", "no Hetzner API token on stdin")
	if !strings.Contains(h.StateFile("servers"), "41 ") {
		t.Error("a server was deleted without a token")
	}
}

func TestAutoscaledServersScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, autoscaledServers())
	shelltest.Shellcheck(t, AutoscaledServersNote(testNodeGroup))
}

// A token the API refuses (revoked, read-only) deletes nothing and says
// which servers to look for: the destroy stops before the network goes.
func TestRefusedTokenStopsWithTheNodeGroupNamed(t *testing.T) {
	h := newAPIHost(t, "41 prod-burst-1a2b")
	h.Set("token", "another-token")
	h.MustFail(autoscaledServers(), testHcloudToken+"\n", "cannot list the servers of node group prod-burst through the Hetzner API")
	if !strings.Contains(h.StateFile("servers"), "41 ") {
		t.Error("a server was deleted with a refused token")
	}
}

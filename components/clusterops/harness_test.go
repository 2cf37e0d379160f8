package clusterops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
	"github.com/hcloud-k3s/hcloud-k3s/internal/kubeapi"
)

// TestMain builds the real control plane's binaries when missing (see
// kubeapi.Main); the tests that use it start it.
func TestMain(m *testing.M) { kubeapi.Main(m) }

// k3sVersionStub answers `k3s --version` from $state/version, and fails
// when it is empty.
const k3sVersionStub = `if [ "$1" = --version ]; then
  [ -s "$state/version" ] || exit 1
  echo "k3s version $(cat "$state/version") (0123abcd)"; echo "go version go1.24.6"; exit 0
fi`

// nodeArg sets node to the argument after "node" in the call.
const nodeArg = `node= prev=
for a; do [ "$prev" != node ] || node=$a; prev=$a; done`

// k3sStub stands in for k3s on a control-plane node. `k3s --version` reports
// $state/version; its kubectl answers from state files:
//   - readyz: the endpoint URLs whose /readyz answers (from the
//     $state/ready-after-th /readyz call on; 1 when unset)
//   - nodes: the Nodes that exist; delete removes one
//   - api-down: every kubectl call fails as if the API were unreachable
//   - drain-fails: drain times out on a pod that does not stop, as kubectl
//     says it (TestRealDrainGivesUpOnAPodThatNeverStops)
//   - leaves-etcd-after: once a node is annotated for removal, the
//     removed-node-name annotation appears at that poll; never when unset
//   - control-plane-versions: the kubelet versions the control-plane Nodes
//     report, one a line (none when unset)
//   - crds: the CustomResourceDefinitions registered (from the
//     $state/registered-after-th get on; 1 when unset); established: those
//     the API serves
const k3sStub = k3sVersionStub + `
server= args=()
while [ $# -gt 0 ]; do
  case $1 in
    --kubeconfig) shift ;;
    --server) server=$2; shift ;;
    --request-timeout=*) ;;
    *) args+=("$1") ;;
  esac
  shift
done
set -- "${args[@]}"
listed() { grep -qxF "$1" "$state/$2" 2>/dev/null; }
at_least() { [ "$1" -ge "$(cat "$state/$2" 2>/dev/null || echo "${3:-1}")" ]; }
# count NAME: how many times NAME was asked, this time included.
count() { local n=$(( $(cat "$state/count-$1" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$state/count-$1"; echo "$n"; }
[ "$1" = kubectl ] || exit 1
shift
if [ -f "$state/api-down" ]; then
  echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >&2
  exit 1
fi
` + nodeArg + `
case "$1 $2" in
  "get --raw=/readyz") at_least "$(count readyz)" ready-after && listed "$server" readyz && echo ok ;;
  "get node")
    if ! listed "$node" nodes; then
      [[ " $* " == *" --ignore-not-found "* ]] && exit 0
      echo "Error from server (NotFound): nodes \"$node\" not found" >&2; exit 1
    fi
    case " $* " in
      *" -o name "*) echo "node/$node" ;;
      *removed-node-name*) [ -f "$state/marked-$node" ] && at_least "$(count "etcd-$node")" leaves-etcd-after 999999 && echo "$node" ;;
      *) echo "NAME STATUS ROLES AGE VERSION"; echo "$node Ready <none> 1d v1.33.5+k3s1" ;;
    esac
    exit 0 ;;
  drain*)
    [ ! -f "$state/drain-fails" ] || { echo "error: unable to drain node \"$node\" due to error: error when waiting for pod \"app\" in namespace \"default\" to terminate: context deadline exceeded, continuing command..." >&2; exit 1; }
    echo "node/$node drained" ;;
  annotate*)
    [[ " $* " != *" etcd.k3s.cattle.io/remove=true "* ]] || touch "$state/marked-$node"
    echo "node/$node annotated" ;;
  "get nodes") cat "$state/control-plane-versions" 2>/dev/null || true ;;
  "get crd") at_least "$(count crd)" registered-after && listed "$3" crds && echo "customresourcedefinition/$3" ;;
  "wait --for") last=${!#}; listed "${last#crd/}" established ||
    { echo "error: timed out waiting for the condition on customresourcedefinitions/${last#crd/}" >&2; exit 1; } ;;
  "delete node")
    grep -vxF "$node" "$state/nodes" >"$state/nodes.new"; mv "$state/nodes.new" "$state/nodes"
    echo "node \"$node\" deleted" ;;
  *) exit 1 ;;
esac`

// realK3sStub stands in for k3s on a control-plane node of a real API
// server: its kubectl is the real one (@KUBECTL@), given the arguments as
// they come. k3s's etcd controller, which removes a member marked for
// removal and then records it on the Node (k3s pkg/etcd/member_controller.go,
// removedNodeNameAnnotation), is played
// here: the record follows the mark at once.
const realK3sStub = k3sVersionStub + `
[ "$1" = kubectl ] || exit 1
shift
@KUBECTL@ "$@" || exit
if [[ " $* " == *" etcd.k3s.cattle.io/remove=true "* ]]; then
  ` + nodeArg + `
  @KUBECTL@ "${@:1:2}" annotate node "$node" "etcd.k3s.cattle.io/removed-node-name=$node" >/dev/null
fi`

// realHost makes a control-plane node of the package's real API server
// (kubeapi.Shared), with an instant sleep, and marks the test parallel. Its
// k3s reports the server's version, and k3s's admin kubeconfig is the
// server's, where k3s writes it: the scripts run as they are.
func realHost(t *testing.T) (*shelltest.Host, *kubeapi.Server) {
	t.Helper()
	h := newHost(t)
	s := kubeapi.Shared(t)
	h.Stub("k3s", strings.ReplaceAll(realK3sStub, "@KUBECTL@", shell.Quote(s.Kubectl)))
	h.Set("version", s.Version+"+k3s1")
	kubeconfig, err := os.ReadFile(s.Kubeconfig)
	h.Must(err)
	h.Must(os.MkdirAll(filepath.Join(h.Root, "etc/rancher/k3s"), 0o755))
	h.Must(os.WriteFile(filepath.Join(h.Root, "etc/rancher/k3s/k3s.yaml"), kubeconfig, 0o600))
	return h, s
}

// newHost makes a control-plane node with the k3s stub and an instant
// sleep, and marks the test parallel.
func newHost(t *testing.T) *shelltest.Host {
	t.Helper()
	h := shelltest.New(t)
	h.Stub("k3s", k3sStub)
	h.Stub("sleep", "exit 0")
	return h
}

// kubectl is the logged call of `k3s kubectl` with the admin kubeconfig.
func kubectl(h *shelltest.Host, args ...string) string {
	return "k3s kubectl --kubeconfig " + h.Root + "/etc/rancher/k3s/k3s.yaml " + strings.Join(args, " ")
}

// nodesLeft is the Nodes that exist after a run.
func nodesLeft(h *shelltest.Host) []string { return shelltest.Lines(h.StateFile("nodes")) }

// repeat lists calls n times over.
func repeat(n int, calls ...string) []string {
	var out []string
	for range n {
		out = append(out, calls...)
	}
	return out
}

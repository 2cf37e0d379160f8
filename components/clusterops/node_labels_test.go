package clusterops

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

// nodeStore is a k3s whose kubectl keeps each Node's labels, taints and
// annotations in $state/node-NAME/{labels,taints,annotations}, one per line.
const nodeStore = `[ "$1" = kubectl ] || exit 1
shift 3 # kubectl --kubeconfig PATH
verb=$1 node=$3
shift 3
dir="$state/node-$node"
[ -d "$dir" ] || { echo "Error from server (NotFound): nodes \"$node\" not found" >&2; exit 1; }
touch "$dir/labels" "$dir/taints" "$dir/annotations"
id() { printf '%s:%s\n' "${1%%[=:]*}" "${1##*:}"; }
without() { grep -v "$2" "$dir/$1" >"$dir/$1.new" || true; mv "$dir/$1.new" "$dir/$1"; }
case $verb in
  get)
    printf '%s\n%s' "$(sed -n 's/^hcloud-k3s.io\/managed-labels=//p' "$dir/annotations")" \
      "$(sed -n 's/^hcloud-k3s.io\/managed-taints=//p' "$dir/annotations")" ;;
  label | annotate)
    file=labels; [ "$verb" = label ] || file=annotations
    for a; do
      case $a in
        --overwrite) ;;
        *-) without "$file" "^${a%-}=" ;;
        *) without "$file" "^${a%%=*}="; echo "$a" >>"$dir/$file" ;;
      esac
    done ;;
  taint)
    for a; do
      case $a in
        --overwrite) ;;
        *-) t=${a%-}; grep -q "^${t%%:*}[=:].*:${t##*:}$" "$dir/taints" || exit 1
          without taints "^${t%%:*}[=:].*:${t##*:}$" ;;
        *) t=$(id "$a"); without taints "^${t%%:*}[=:].*:${t##*:}$"; echo "$a" >>"$dir/taints" ;;
      esac
    done ;;
  *) exit 1 ;;
esac`

// labelHost is a control-plane node whose cluster has the named Nodes, each
// with the labels and taints given (one per line), set by someone.
func labelHost(t *testing.T, nodes map[string][2][]string) *shelltest.Host {
	h := newHost(t)
	h.Stub("k3s", nodeStore)
	for name, lt := range nodes {
		h.Must(os.MkdirAll(filepath.Join(h.State, "node-"+name), 0o755))
		h.SetLines("node-"+name+"/labels", lt[0]...)
		h.SetLines("node-"+name+"/taints", lt[1]...)
	}
	return h
}

func assertNode(t *testing.T, h *shelltest.Host, node string, labels, taints []string) {
	t.Helper()
	for file, want := range map[string][]string{"labels": labels, "taints": taints} {
		got := slices.Sorted(slices.Values(shelltest.Lines(h.StateFile("node-" + node + "/" + file))))
		if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("%s %s = %q, want %q", node, file, got, want)
		}
	}
}

func TestNodeLabelsFollowTheConfigOnRunningNodes(t *testing.T) {
	// Someone else's label and the cloud controller's taint are on the Node too.
	h := labelHost(t, map[string][2][]string{"dev-db-1": {
		{"kubernetes.io/hostname=dev-db-1"}, {"node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule"},
	}})
	before := NodeLabels{Nodes: []string{"dev-db-1"}, Labels: []string{"tier=db", "disk=ssd"},
		Taints: []string{"dedicated=db:NoSchedule"}}
	h.MustRun(before.Script(), "")
	assertNode(t, h, "dev-db-1",
		[]string{"kubernetes.io/hostname=dev-db-1", "tier=db", "disk=ssd"},
		[]string{"node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule", "dedicated=db:NoSchedule"})

	after := NodeLabels{Nodes: []string{"dev-db-1"}, Labels: []string{"tier=cache"},
		Taints: []string{"maintenance:PreferNoSchedule"}}
	res := h.MustRun(after.Script(), "")
	assertNode(t, h, "dev-db-1",
		[]string{"kubernetes.io/hostname=dev-db-1", "tier=cache"}, // disk dropped, tier changed
		[]string{"node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule", "maintenance:PreferNoSchedule"})
	res.Says(t, "node dev-db-1 has labels [tier=cache] and taints [maintenance:PreferNoSchedule]")
}

func TestNodeLabelsRemoveTheControlPlaneTaintWhenItBecomesSchedulable(t *testing.T) {
	// A node made before hcloud-k3s recorded what it manages.
	h := labelHost(t, map[string][2][]string{
		"dev-cp-1": {nil, {"CriticalAddonsOnly=true:NoExecute"}},
		"dev-cp-2": {nil, {"CriticalAddonsOnly=true:NoExecute", "node.kubernetes.io/unschedulable:NoSchedule"}},
	})
	schedulable := NodeLabels{Nodes: []string{"dev-cp-1", "dev-cp-2"}, Known: []string{"CriticalAddonsOnly:NoExecute"}}
	h.MustRun(schedulable.Script(), "")
	assertNode(t, h, "dev-cp-1", nil, nil)
	assertNode(t, h, "dev-cp-2", nil, []string{"node.kubernetes.io/unschedulable:NoSchedule"}) // the node-lifecycle controller's taint for a cordon stays

	tainted := schedulable
	tainted.Taints = []string{"CriticalAddonsOnly=true:NoExecute"}
	h.MustRun(tainted.Script(), "")
	assertNode(t, h, "dev-cp-1", nil, []string{"CriticalAddonsOnly=true:NoExecute"})
}

func TestNodeLabelsFailOnAMissingNode(t *testing.T) {
	h := labelHost(t, nil)
	res := h.Run(NodeLabels{Nodes: []string{"dev-cp-9"}}.Script(), "")
	want := "hcloud-k3s: error: cannot read node dev-cp-9"
	if lines := shelltest.Lines(res.Stderr); res.Err == nil || len(lines) == 0 || lines[len(lines)-1] != want {
		t.Errorf("err %v, stderr:\n%s\nwant the last line %q", res.Err, res.Stderr, want)
	}
}

func TestNodeLabelsScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, NodeLabels{Nodes: []string{"a", "b"}, Labels: []string{"x=y"}, Taints: []string{"k=v:NoSchedule"},
		Known: []string{"CriticalAddonsOnly:NoExecute"}}.Script())
}

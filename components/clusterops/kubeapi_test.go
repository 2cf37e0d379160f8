package clusterops

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
	"github.com/hcloud-k3s/hcloud-k3s/internal/kubeapi"
)

// The tests here run the scripts against a real API server (see realHost).
// It has no kubelet: a Node is an object the test creates, and no pod ever
// runs or stops. Each test has Nodes and namespaces of its own names, so
// they run in parallel on the one server.

// object is what the tests read back of a Node or a pod.
type object struct {
	Metadata struct {
		Labels            map[string]string
		Annotations       map[string]string
		DeletionTimestamp string
	}
	Spec struct {
		Unschedulable bool
		Taints        []struct{ Key, Value, Effect string }
	}
}

// notReady is the taint the API server gives every new Node (its
// TaintNodesByCondition admission plugin, plugin/pkg/admission/nodetaint)
// until the node-lifecycle controller sees its kubelet report Ready: here,
// never. It is someone else's taint, which the scripts keep.
const notReady = "node.kubernetes.io/not-ready:NoSchedule"

// createNode creates a Node from the YAML of its metadata's labels and its
// spec and status, and deletes it after the test.
func createNode(t *testing.T, s *kubeapi.Server, name, labels, spec, status string) {
	t.Helper()
	s.Must(t, "apiVersion: v1\nkind: Node\nmetadata:\n  name: "+name+"\n  labels: {"+labels+"}\nspec: {"+spec+"}\nstatus: {"+status+"}\n",
		"create", "-f", "-")
	t.Cleanup(func() { s.Run("", "delete", "node", name, "--ignore-not-found", "--wait=false") })
}

func readNode(t *testing.T, s *kubeapi.Server, name string) object {
	t.Helper()
	var n object
	if err := json.Unmarshal([]byte(s.Must(t, "", "get", "node", name, "-o", "json")), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// taints lists a Node's taints as key[=value]:Effect, sorted.
func (n object) taints() []string {
	var out []string
	for _, t := range n.Spec.Taints {
		id := t.Key
		if t.Value != "" {
			id += "=" + t.Value
		}
		out = append(out, id+":"+t.Effect)
	}
	slices.Sort(out)
	return out
}

func TestRealNodeLabelsFollowTheConfig(t *testing.T) {
	h, s := realHost(t)
	// Someone else's label and taint, and a cordon: spec.unschedulable. No
	// taint follows the cordon here: the node-lifecycle controller that adds
	// node.kubernetes.io/unschedulable does not run (see kubeapi).
	createNode(t, s, "labels-db-1", "kubernetes.io/hostname: labels-db-1",
		"unschedulable: true, taints: [{key: node.cloudprovider.kubernetes.io/uninitialized, value: 'true', effect: NoSchedule}]", "")
	before := NodeLabels{Nodes: []string{"labels-db-1"}, Labels: []string{"tier=db", "disk=ssd"},
		Taints: []string{"dedicated=db:NoSchedule"}}
	h.MustRun(before.Script(), "")
	n := readNode(t, s, "labels-db-1")
	assertLabels(t, n, map[string]string{"kubernetes.io/hostname": "labels-db-1", "tier": "db", "disk": "ssd"})
	assertTaints(t, n, "dedicated=db:NoSchedule", "node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule", notReady)

	after := NodeLabels{Nodes: []string{"labels-db-1"}, Labels: []string{"tier=cache"},
		Taints: []string{"maintenance:PreferNoSchedule"}}
	res := h.MustRun(after.Script(), "")
	n = readNode(t, s, "labels-db-1")
	assertLabels(t, n, map[string]string{"kubernetes.io/hostname": "labels-db-1", "tier": "cache"})
	assertTaints(t, n, "maintenance:PreferNoSchedule", "node.cloudprovider.kubernetes.io/uninitialized=true:NoSchedule", notReady)
	if !n.Spec.Unschedulable {
		t.Error("the cordon was lifted")
	}
	if got := n.Metadata.Annotations; got["hcloud-k3s.io/managed-labels"] != "tier" || got["hcloud-k3s.io/managed-taints"] != "maintenance:PreferNoSchedule" {
		t.Errorf("recorded %v, want tier and maintenance:PreferNoSchedule", got)
	}
	res.Says(t, "node labels-db-1 has labels [tier=cache] and taints [maintenance:PreferNoSchedule]")
}

func TestRealNodeLabelsDropWhatSomeoneRemovedFirst(t *testing.T) {
	h, s := realHost(t)
	createNode(t, s, "labels-arm-1", "", "", "")
	pool := NodeLabels{Nodes: []string{"labels-arm-1"}, Labels: []string{"hcloud-k3s/pool=arm"},
		Taints: []string{"kubernetes.io/arch=arm64:NoSchedule"}}
	h.MustRun(pool.Script(), "")
	s.Must(t, "", "label", "node", "labels-arm-1", "hcloud-k3s/pool-")
	s.Must(t, "", "taint", "node", "labels-arm-1", "kubernetes.io/arch:NoSchedule-")
	h.MustRun(NodeLabels{Nodes: []string{"labels-arm-1"}}.Script(), "")
	n := readNode(t, s, "labels-arm-1")
	assertLabels(t, n, map[string]string{})
	assertTaints(t, n, notReady)
}

func TestRealNodeLabelsRemoveATaintSetBeforeTheyWereRecorded(t *testing.T) {
	h, s := realHost(t)
	createNode(t, s, "labels-cp-1", "", "taints: [{key: CriticalAddonsOnly, value: 'true', effect: NoExecute}]", "")
	createNode(t, s, "labels-cp-2", "", "", "") // nothing to remove: no error
	schedulable := NodeLabels{Nodes: []string{"labels-cp-1", "labels-cp-2"}, Known: []string{"CriticalAddonsOnly:NoExecute"}}
	h.MustRun(schedulable.Script(), "")
	assertTaints(t, readNode(t, s, "labels-cp-1"), notReady)
	assertTaints(t, readNode(t, s, "labels-cp-2"), notReady)
}

func TestRealNodeLabelsFailOnAMissingNode(t *testing.T) {
	h, _ := realHost(t)
	res := h.Run(NodeLabels{Nodes: []string{"labels-missing"}}.Script(), "")
	if lines := shelltest.Lines(res.Stderr); res.Err == nil || !slices.Contains(lines, `Error from server (NotFound): nodes "labels-missing" not found`) ||
		lines[len(lines)-1] != "hcloud-k3s: error: cannot read node labels-missing" {
		t.Errorf("err %v, stderr:\n%s\nwant kubectl's NotFound, then the script's error", res.Err, res.Stderr)
	}
}

func assertLabels(t *testing.T, n object, want map[string]string) {
	t.Helper()
	if !maps.Equal(n.Metadata.Labels, want) {
		t.Errorf("labels = %v, want %v", n.Metadata.Labels, want)
	}
}

func assertTaints(t *testing.T, n object, want ...string) {
	t.Helper()
	if got := n.taints(); !slices.Equal(got, want) {
		t.Errorf("taints = %q, want %q", got, want)
	}
}

// pod is a pod bound to a node by spec.nodeName, as the scheduler would bind
// it. graceful is whether it has the default termination grace period (30s):
// evicted, such a pod only gets a deletion timestamp, and with no kubelet to
// stop its containers and then delete it, it stays. With a grace period of
// 0 the API server deletes it at once (pkg/registry/core/pod/strategy.go,
// CheckGracefulDelete).
func pod(name, nodeName string, graceful bool) string {
	grace := "terminationGracePeriodSeconds: 0, "
	if graceful {
		grace = ""
	}
	return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec: {nodeName: " + nodeName + ", " + grace +
		"containers: [{name: app, image: registry.k8s.io/pause:3.10, volumeMounts: [{name: scratch, mountPath: /scratch}]}], " +
		"volumes: [{name: scratch, emptyDir: {}}]}\n"
}

func TestRealDrainOfAWorkerEvictsItsPodsThenDeletesIt(t *testing.T) {
	h, s := realHost(t)
	h.Stub("ssh", sshStub)
	s.Namespace(t, "drain-worker")
	createNode(t, s, "drain-workers-1", "", "", "")
	createNode(t, s, "drain-workers-2", "", "", "")
	// Unmanaged pods with emptyDir volumes: the script's --force and
	// --delete-emptydir-data let the drain evict them.
	s.Must(t, pod("leaves", "drain-workers-1", false)+"---\n"+pod("stays", "drain-workers-2", false), "apply", "-n", "drain-worker", "-f", "-")
	res := h.MustRun(DrainScript("drain-workers-1", "10.0.0.9", false, 90*time.Second), sshKey)
	res.Says(t, "node drain-workers-1 removed")
	if strings.Contains(res.Stdout, "warning") {
		t.Errorf("the drain warned:\n%s", res.Stdout)
	}
	if out := s.Must(t, "", "get", "pods", "-n", "drain-worker", "-o", "name"); out != "pod/stays\n" {
		t.Errorf("pods left = %q, want only the other node's", out)
	}
	if out := s.Must(t, "", "get", "node", "drain-workers-1", "--ignore-not-found", "-o", "name"); out != "" {
		t.Errorf("the Node is left: %q", out)
	}
}

func TestRealDrainGivesUpOnAPodThatNeverStops(t *testing.T) {
	h, s := realHost(t)
	h.Stub("ssh", sshStub)
	s.Namespace(t, "drain-stuck")
	createNode(t, s, "drain-stuck-1", "", "", "")
	s.Must(t, pod("graceful", "drain-stuck-1", true), "apply", "-n", "drain-stuck", "-f", "-")
	// No kubelet ends the evicted pod, so the drain times out, and the
	// script goes on as when a real node's pod outlives the timeout.
	res := h.MustRun(DrainScript("drain-stuck-1", "10.0.0.9", false, 2*time.Second), sshKey)
	res.Says(t, "warning: drain-stuck-1 did not drain within 2s; removing it anyway")
	res.Says(t, "node drain-stuck-1 removed")
	var p object
	if err := json.Unmarshal([]byte(s.Must(t, "", "get", "pod", "graceful", "-n", "drain-stuck", "-o", "json")), &p); err != nil {
		t.Fatal(err)
	}
	if p.Metadata.DeletionTimestamp == "" {
		t.Error("the pod was not evicted: it has no deletion timestamp")
	}
}

func TestRealDrainOfAControlPlaneNodeLeavesEtcdFirst(t *testing.T) {
	h, s := realHost(t)
	h.Stub("ssh", sshStub)
	h.Set("cluster-key", sshKey)
	createNode(t, s, "drain-cp-2", "", "", "")
	res := h.MustRun(DrainScript("drain-cp-2", "10.0.0.9", true, 90*time.Second), sshKey)
	res.Says(t, "drain-cp-2 left etcd")
	res.Says(t, "stopped and disabled k3s on drain-cp-2")
	res.Says(t, "node drain-cp-2 removed")
	if polls := res.Called(kubectl(h, etcdLeftPoll("drain-cp-2"))); len(polls) != 1 {
		t.Errorf("polled %d times for the etcd record, want once (it follows the mark)", len(polls))
	}
	if out := s.Must(t, "", "get", "node", "drain-cp-2", "--ignore-not-found", "-o", "name"); out != "" {
		t.Errorf("the Node is left: %q", out)
	}
}

func TestRealDrainSkipsANodeThatIsGone(t *testing.T) {
	h, _ := realHost(t)
	res := h.MustRun(DrainScript("drain-gone", "10.0.0.9", true, 90*time.Second), sshKey)
	res.Says(t, "node drain-gone is not in the cluster: nothing to drain")
}

func TestRealReadyWaitsForTheAPIAndTheNodes(t *testing.T) {
	h, s := realHost(t)
	createNode(t, s, "ready-1", "", "", "")
	res := h.MustRun(ReadyScript([]string{s.URL}, []string{"ready-1"}, time.Minute), "")
	res.Says(t, "API ready at "+s.URL)
	res.Says(t, "all 1 nodes registered")

	h.MustFail(ReadyScript([]string{s.URL}, []string{"ready-1", "ready-2"}, 0), "",
		"node ready-2 did not register within 0s; see 'journalctl -u k3s-agent' (or -u k3s) on ready-2")
}

func TestRealReadyRefusesAnEndpointTheCertificateLacks(t *testing.T) {
	h, s := realHost(t)
	// The same server under a name its certificate (for 127.0.0.1) lacks.
	other := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	h.MustFail(ReadyScript([]string{s.URL, other}, nil, 0), "",
		"the Kubernetes API did not answer at "+other+" within 0s; check the firewall allowlist, the load balancer's health and the certificate's TLS SANs")
}

// The version read and the upgrade gate read the versions the control-plane
// Nodes report. One test for both: each reads every control-plane Node of
// the server, and these are its only ones.
func TestRealServerVersionAndUpgradeGateReadTheControlPlane(t *testing.T) {
	h, s := realHost(t)
	for name, version := range map[string]string{"version-cp-1": "v1.36.3+k3s1", "version-cp-2": "v1.35.2+k3s1"} {
		createNode(t, s, name, "node-role.kubernetes.io/control-plane: 'true'", "", "nodeInfo: {kubeletVersion: "+version+"}")
	}
	createNode(t, s, "version-workers-1", "", "", "nodeInfo: {kubeletVersion: v1.34.1+k3s1}")
	res := h.MustRun(ServerVersionScript([]string{"version-cp-1"}), "")
	if res.Stdout != "v1.35.2+k3s1\n" {
		t.Errorf("stdout = %q, want the older control-plane node's version", res.Stdout)
	}
	// This node runs the API server's release; the oldest member decides
	// whether a minor is skipped, the newest whether it is a downgrade.
	local := s.Version + "+k3s1"
	h.MustFail(UpgradeGateScript("v1.37.0+k3s1"), "", "refusing to upgrade k3s from v1.35.2+k3s1 to v1.37.0+k3s1: upgrade one minor release at a time")
	h.MustFail(UpgradeGateScript("v1.36.0+k3s1"), "", "refusing to downgrade k3s from "+local+" to v1.36.0+k3s1: set k3sVersion to "+local+" or newer")
	h.MustRun(UpgradeGateScript("v1.36.9+k3s1"), "").Says(t, "upgrade from v1.35.2+k3s1 to v1.36.9+k3s1 allowed")
}

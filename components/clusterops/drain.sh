# Removes a node from the cluster before its server is deleted: drain it
# (bounded), take a control-plane node out of etcd, stop and disable k3s on
# it, then delete the Node. Runs on a surviving control-plane node.
# Parameters: node, node_ip, control_plane, timeout. stdin: the SSH private
# key that reaches the node over the private network.

# The whole cluster is being destroyed (see TeardownScripts): nothing to keep.
if [ -e "$root$teardown_marker" ]; then
  log "the cluster is being destroyed: $node is not drained"
  exit 0
fi

# An API that does not answer is not a Node that is gone: skipping the etcd
# removal then would delete a member's server and cost the cluster quorum.
found=$(kubectl get node "$node" --ignore-not-found -o name) ||
  fail "cannot ask the Kubernetes API whether $node is in the cluster; its server is kept"
if [ -z "$found" ]; then
  log "node $node is not in the cluster: nothing to drain"
  exit 0
fi
drain_node "$node" "$timeout"
unit=k3s-agent
if [ "$control_plane" = true ]; then
  unit=k3s
  # k3s removes the etcd member and then records it in this annotation.
  log "removing $node from etcd"
  kubectl annotate --overwrite node "$node" etcd.k3s.cattle.io/remove=true ||
    fail "cannot mark $node for removal from etcd; its server is kept"
  removed=
  for _ in $(seq 1 60); do
    removed=$(kubectl get node "$node" -o 'jsonpath={.metadata.annotations.etcd\.k3s\.cattle\.io/removed-node-name}' 2>/dev/null || true)
    [ -z "$removed" ] || break
    sleep 5
  done
  [ -n "$removed" ] || fail "$node did not leave etcd within 300s; its server is kept. Check 'k3s etcd-snapshot ls' and the k3s log"
  log "$node left etcd"
fi

# A removed member whose k3s restarts rejoins the cluster through its server
# address (k3s pkg/etcd/etcd.go, issue #5404), and the unit restarts always;
# a worker would register again. So k3s stops for good before the Node goes.
mkdir -p "$root/tmp"
key=$(mktemp "$root/tmp/hcloud-k3s-key.XXXXXX")
trap 'rm -f "$key"' EXIT
cat >"$key"
status=0
timeout 120 ssh -i "$key" -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$node_ip" systemctl disable --now "$unit" || status=$?
case $status in
  0) log "stopped and disabled $unit on $node" ;;
  # The server is deleted next, which stops it for good.
  255) log "warning: cannot reach $node at $node_ip over SSH to stop $unit; its server is deleted next" ;;
  124) fail "$unit on $node did not stop within 120s; its server is kept" ;;
  *) fail "cannot stop $unit on $node (exit status $status); its server is kept" ;;
esac
kubectl delete node "$node" --ignore-not-found --wait=true --timeout=120s || fail "cannot delete node $node; its server is kept"
log "node $node removed"

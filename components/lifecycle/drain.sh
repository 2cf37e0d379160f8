# Removes a node from the cluster before its server is deleted: drain it
# (bounded), take a control-plane node out of etcd, then delete the Node.
# Runs on a surviving control-plane node. Parameters: node, control_plane, timeout.
# An API that does not answer is not a Node that is gone: skipping the etcd
# removal then would delete a member's server and cost the cluster quorum.
found=$(kubectl get node "$node" --ignore-not-found -o name) ||
  fail "cannot ask the Kubernetes API whether $node is in the cluster; its server is kept"
if [ -z "$found" ]; then
  log "node $node is not in the cluster: nothing to drain"
  exit 0
fi
log "draining $node (timeout $timeout)"
if ! kubectl drain "$node" --ignore-daemonsets --delete-emptydir-data --force --timeout="$timeout"; then
  log "warning: $node did not drain within $timeout; removing it anyway"
fi
if [ "$control_plane" = true ]; then
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
kubectl delete node "$node" --ignore-not-found --wait=true || fail "cannot delete node $node; its server is kept"
log "node $node removed"

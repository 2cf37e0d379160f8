# installed_version prints the release of the k3s installed here
# (v1.33.5+k3s1); nothing when k3s is missing or cannot tell its version.
installed_version() {
  command -v k3s >/dev/null 2>&1 || return 0
  { k3s --version 2>/dev/null || true; } | awk 'NR == 1 { print $3 }'
}
# wait_api_ready SECONDS: waits until the local API server answers /readyz,
# asking every 2s; fails after SECONDS, pointing at the k3s unit's journal.
wait_api_ready() {
  local tries=$(($1 / 2))
  until kubectl get --raw=/readyz >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || fail "the k3s API server did not answer /readyz within ${1}s; see journalctl -u k3s"
    sleep 2
  done
}
# control_plane_versions prints the k3s version each control-plane node's
# kubelet reports, one a line; fails when the API cannot be read.
control_plane_versions() {
  kubectl get nodes -l node-role.kubernetes.io/control-plane=true \
    -o 'jsonpath={range .items[*]}{.status.nodeInfo.kubeletVersion}{"\n"}{end}'
}
# drain_node NODE TIMEOUT: evicts the node's pods, bounded; a node that does
# not drain in time is removed all the same.
drain_node() {
  log "draining $1 (timeout $2)"
  kubectl drain "$1" --ignore-daemonsets --delete-emptydir-data --force --timeout="$2" ||
    log "warning: $1 did not drain within $2; removing it anyway"
}

# hcloud-k3s node rollout: restarts k3s if the install left a configuration
# change pending, then waits until the node is ready. Pulumi runs the
# rollouts one node at a time (workers in batches), so etcd keeps its quorum.
# Parameters: role, server_type, config_digest (they change when the rollout
# must run).
current=$(installed_version)
[ -n "$current" ] || fail "k3s is not installed; the install step must run first"
log "rolling out configuration $config_digest of $unit on this $server_type server"
if [ -e "$restart_pending" ]; then
  log "configuration changed: restarting $unit"
  unit_action restart
fi
wait_ready "$current"

# Waits until the API answers at every endpoint (with the cluster CA, so a
# certificate lacking the endpoint's name fails here, not in a user's kubectl)
# and every node has registered. Parameters: endpoints, nodes, timeout.
deadline=$((SECONDS + timeout))

# wait_for WHAT HINT COMMAND...: retries COMMAND until the deadline, then
# fails saying WHAT did not happen in time, and HINT. Each attempt is bounded
# (--request-timeout), so an endpoint that drops packets cannot overrun it.
wait_for() {
  local what=$1 hint=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what within ${timeout}s; $hint"
    sleep 5
  done
}

for url in $endpoints; do
  wait_for "the Kubernetes API did not answer at $url" \
    "check the firewall allowlist, the load balancer's health and the certificate's TLS SANs" \
    kubectl --request-timeout=10s --server "$url" get --raw=/readyz
  log "API ready at $url"
done
count=0
for node in $nodes; do
  wait_for "node $node did not register" "see 'journalctl -u k3s-agent' (or -u k3s) on $node" \
    kubectl --request-timeout=10s get node "$node"
  count=$((count + 1))
done
log "all $count nodes registered"

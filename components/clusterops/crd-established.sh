# Waits until a controller has registered a CustomResourceDefinition and the
# API serves it, so that objects of its kind can be applied: asks every 5s
# for timeout seconds, then gives the API a minute to establish it. Fails
# saying which of the two did not happen, and hint. Parameters: crd,
# timeout, hint.
tries=$((timeout / 5))
until kubectl --request-timeout=10s get crd "$crd" >/dev/null 2>&1; do
  tries=$((tries - 1))
  [ "$tries" -gt 0 ] || fail "CRD $crd was not registered within ${timeout}s; $hint"
  sleep 5
done
kubectl wait --for condition=established --timeout=60s "crd/$crd" >/dev/null 2>&1 ||
  fail "CRD $crd is registered but was not established within 60s; $hint"
log "CRD $crd established"

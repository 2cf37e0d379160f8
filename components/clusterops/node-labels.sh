# Makes the labels and taints hcloud-k3s manages on running Nodes what the
# stack config says. k3s applies node-label and node-taint only when a node
# registers (k3s pkg/daemons/agent/agent.go; docs cli/agent.md), so a change
# to them would otherwise never reach a running node. Only what hcloud-k3s
# set is touched: what it manages is recorded on each Node, so a label or
# taint dropped from the config is removed, and those of others (cordons,
# the cloud controller's) are kept. Runs on a control-plane node.
# Parameters: nodes, labels (key=value ...), taints (key[=value]:Effect ...),
# known (key:Effect of taints hcloud-k3s may have set before it recorded any).
labels_annotation=hcloud-k3s.io/managed-labels
taints_annotation=hcloud-k3s.io/managed-taints

# words LIST: a comma-separated list as words.
words() { printf '%s\n' "${1//,/ }"; }
# joined WORD...: the words as a comma-separated list.
joined() { local IFS=,; printf '%s\n' "$*"; }
# taint_id TAINT: key:Effect, which names a taint whatever its value.
taint_id() { printf '%s:%s\n' "${1%%[=:]*}" "${1##*:}"; }

# shellcheck disable=SC2086 # the parameters are space-separated lists
wanted_label_keys=$(for label in $labels; do printf '%s\n' "${label%%=*}"; done)
# shellcheck disable=SC2086
wanted_taint_ids=$(for taint in $taints; do taint_id "$taint"; done)

for node in $nodes; do
  recorded=$(kubectl get node "$node" -o "jsonpath={.metadata.annotations.${labels_annotation//./\\.}}{\"\\n\"}{.metadata.annotations.${taints_annotation//./\\.}}") ||
    fail "cannot read node $node"
  old_labels=$(printf '%s\n' "$recorded" | sed -n 1p)
  old_taints=$(printf '%s\n' "$recorded" | sed -n 2p)
  [ -n "$old_taints" ] || old_taints=$known

  change=()
  for key in $(words "$old_labels"); do
    printf '%s\n' "$wanted_label_keys" | grep -qxF "$key" || change+=("$key-")
  done
  # shellcheck disable=SC2086
  set -- $labels
  if [ $# -gt 0 ] || [ ${#change[@]} -gt 0 ]; then
    kubectl label node "$node" --overwrite "$@" "${change[@]}" >/dev/null || fail "cannot label node $node"
  fi

  for id in $(words "$old_taints"); do
    if ! printf '%s\n' "$wanted_taint_ids" | grep -qxF "$id"; then
      # A taint that is already gone is no error.
      kubectl taint node "$node" "$id-" >/dev/null 2>&1 || true
    fi
  done
  # shellcheck disable=SC2086
  set -- $taints
  if [ $# -gt 0 ]; then
    kubectl taint node "$node" --overwrite "$@" >/dev/null || fail "cannot taint node $node"
  fi

  # shellcheck disable=SC2086
  kubectl annotate node "$node" --overwrite \
    "$labels_annotation=$(joined $wanted_label_keys)" "$taints_annotation=$(joined $wanted_taint_ids)" >/dev/null ||
    fail "cannot record the labels and taints of node $node"
  log "node $node has labels [${labels}] and taints [${taints}]"
done

# Removes every server that the cluster-autoscaler created for a node group,
# through the Hetzner API, when the pool or the whole cluster goes: the
# autoscaler has stopped (it depends on this step), and nothing else would
# delete them. Nodes are drained first unless the cluster is being
# destroyed. Parameters: node_group, label (the autoscaler's label on its
# servers), api, timeout, teardown_marker. stdin:
# the Hetzner API token.
IFS= read -r token || true
[ -n "$token" ] || fail "no Hetzner API token on stdin"

# hetzner METHOD PATH: one API call. The token goes in a header read from a
# pipe, never on a command line.
hetzner() {
  curl -sSf --retry 5 --retry-all-errors -X "$1" -H @<(printf 'Authorization: Bearer %s\n' "$token") "$api$2"
}

# group_servers: "ID NAME" of each server of the node group, all pages.
# python3 reads the JSON: it is on every Hetzner image, since cloud-init is
# written in it.
group_servers() {
  local page=1 reply lines
  while [ -n "$page" ]; do
    reply=$(hetzner GET "/servers?label_selector=$label%3D$node_group&per_page=50&page=$page") ||
      fail "cannot list the servers of node group $node_group through the Hetzner API"
    lines=$(printf '%s' "$reply" | python3 -c '
import json, sys
reply = json.load(sys.stdin)
for server in reply["servers"]:
    print(server["id"], server["name"])
print("next", reply["meta"]["pagination"]["next_page"] or "")') ||
      fail "the Hetzner API did not answer with a list of servers"
    printf '%s\n' "$lines" | grep -v '^next ' || true
    page=$(printf '%s\n' "$lines" | sed -n 's/^next //p')
  done
}

# remove ID NAME: drains the node (unless the cluster goes), deletes its server, then its Node.
remove() {
  if [ "$drain" = true ] && [ -n "$(kubectl get node "$2" --ignore-not-found -o name)" ]; then
    drain_node "$2" "$timeout"
  fi
  hetzner DELETE "/servers/$1" >/dev/null || fail "cannot delete server $2 ($1) through the Hetzner API"
  log "deleting server $2"
  if [ "$drain" = true ]; then
    kubectl delete node "$2" --ignore-not-found --wait=false >/dev/null ||
      log "warning: cannot delete Node $2; the cloud-controller-manager removes it"
  fi
}

drain=true
if [ -e "$root$teardown_marker" ]; then
  drain=false
  log "the cluster is being destroyed: the servers of $node_group are not drained"
fi
# remove_all: removes the group's servers, listing them again until none
# is left: deletes take a few seconds, and a server the autoscaler was
# still creating shows up late. Fails after 180s.
remove_all() {
  local servers id name
  declare -A deleting=()
  for _ in $(seq 1 60); do
    # group_servers runs in a subshell: its failure, already reported, must end the script here.
    servers=$(group_servers) || exit 1
    [ -n "$servers" ] || return 0
    while read -r id name; do
      [ -n "${deleting[$id]:-}" ] || remove "$id" "$name"
      deleting[$id]=1
    done <<<"$servers"
    sleep 3
  done
  return 1
}

remove_all || fail "servers of node group $node_group remain after 180s; delete them in the Hetzner console (label $label=$node_group)"
log "node group $node_group has no servers left"

# hcloud-k3s node installer. Parameters: role, node_ip, version, join_peers,
# config and, when set, before_start. stdin carries the secrets: the cluster
# token on the first line, then before_start's input. None of them appears
# in the command text, its diff or its output.
data="$root/var/lib/rancher/k3s"
IFS= read -r token || true
[ -n "$token" ] || fail "no cluster token on stdin"
before_start_input=$(cat)

# Package installs by cloud-init hold the apt lock; status 2 means "done, degraded".
log "waiting for cloud-init"
cloud-init status --wait >/dev/null || [ $? -eq 2 ] || fail "cloud-init failed; see /var/log/cloud-init-output.log"

# write_file PATH CONTENT: replaces PATH only when CONTENT differs, and notes the change.
write_file() {
  if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then
    return 0
  fi
  : >"$restart_pending" || fail "cannot write $restart_pending"
  { printf '%s\n' "$2" >"$1.tmp" && mv "$1.tmp" "$1"; } || fail "cannot write $1"
}

# The private interface's name depends on the server type (ens10, enp7s0, ...):
# find it by the node's private IP, waiting for DHCP to configure it.
private_interface() {
  local iface
  for _ in $(seq 1 60); do
    iface=$(ip -o -4 addr show | awk -v ip="$node_ip" '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }')
    if [ -n "$iface" ]; then
      echo "$iface"
      return 0
    fi
    sleep 2
  done
  fail "no interface has the private IP $node_ip after 120s; is the server attached to the network?"
}

# joined: whether this node is already part of the cluster. An etcd member
# skips bootstrap on restart (k3s pkg/cluster/bootstrap.go), and an agent
# reconnects through the servers it has learnt, so neither needs its join
# address again.
joined() {
  if [ "$role" = server ]; then [ -d "$data/server/db/etcd" ]; else [ -d "$data/agent" ]; fi
}

# answering_peer: the first of the join peers, in their order, whose k3s
# answers /ping (unauthenticated, k3s pkg/server/handlers/router.go). They
# are probed at once, so absent ones cost one short timeout, not one each.
answering_peer() {
  local peer answered
  # shellcheck disable=SC2086 # the peers are a space-separated list
  answered=$(
    for peer in $join_peers; do
      { curl -ksf --max-time 3 "https://$peer:6443/ping" >/dev/null 2>&1 && echo "$peer"; } &
    done
    wait
  )
  for peer in $join_peers; do
    if printf '%s\n' "$answered" | grep -qxF "$peer"; then
      echo "$peer"
      return 0
    fi
  done
  return 1
}

initialises() { printf '%s\n' "$config" | grep -qxF 'cluster-init: true'; }

# with_join_address adds the address this node registers through to its
# config. A node that has joined keeps the one on disk, so a re-run changes
# nothing (the node that initialised the cluster has none: it keeps
# cluster-init). Otherwise it is the first peer that answers; a first
# control-plane node that finds none initialises the cluster, and any other
# node takes the first peer and lets k3s retry until it answers.
with_join_address() {
  [ -n "$join_peers" ] || return 0
  local server=
  if joined; then
    server=$(sed -n 's|^server: https://\(.*\):6443$|\1|p' "$etc/config.yaml" 2>/dev/null || true)
  elif server=$(answering_peer); then
    ! initialises || log "control-plane member $server is up: joining it instead of initialising a new cluster"
  elif ! initialises; then
    server=${join_peers%% *}
    log "no join peer answers yet: joining through $server; k3s retries until it answers"
  fi
  [ -n "$server" ] || return 0
  config="$(printf '%s\n' "$config" | sed '/^cluster-init: true$/d')
server: https://$server:6443"
}

mkdir -p "$etc/config.yaml.d"
write_file "$etc/token" "$token"
iface=$(private_interface)
write_file "$etc/config.yaml.d/10-flannel-iface.yaml" "flannel-iface: $iface"
with_join_address
write_file "$etc/config.yaml" "$config"

# What the node needs before k3s starts (a control-plane node's etcd
# snapshot settings) runs in this session, every time: it changes nothing
# when it is in step.
if [ -n "${before_start:-}" ]; then
  printf '%s' "$before_start_input" | bash -c "$before_start" ||
    fail "preparing the node before k3s starts failed"
fi

# A k3s that cannot tell its version counts as not installed.
current=$(installed_version)
if [ -z "$current" ]; then
  log "installing k3s $version ($role)"
  # cloud-init downloaded the release while the server booted (download.sh),
  # unless it could not or the node installs another version.
  staged="$root$download_dir/$version"
  skip_download=false
  if [ -f "$staged/install.sh" ] && [ -x "$staged/k3s" ]; then
    log "k3s $version was downloaded while the server booted"
    # Mode 755, as the installer sets a binary it downloads (setup_binary).
    install -D -m 755 "$staged/k3s" "$root/usr/local/bin/k3s" || fail "cannot install the downloaded k3s binary"
    installer="$staged/install.sh" skip_download=true
  else
    mkdir -p "$root/tmp"
    installer=$(mktemp "$root/tmp/k3s-install.XXXXXX")
    trap 'rm -f "$installer"' EXIT
    curl -sfL --retry 5 --retry-all-errors "https://raw.githubusercontent.com/k3s-io/k3s/$version/install.sh" -o "$installer" ||
      fail "could not download the k3s $version installer"
  fi
  # The installer restarts k3s only if its binary, unit or environment changed
  # (k3s install.sh at v1.33.5, lines 1120-1131): a changed config.yaml needs the force.
  force_restart=false
  [ ! -e "$restart_pending" ] || force_restart=true
  # INSTALL_K3S_SKIP_DOWNLOAD=true uses the binary in place (k3s install.sh,
  # can_skip_download_binary). The k3s unit never times out on start; bound
  # the wait ourselves.
  INSTALL_K3S_VERSION="$version" INSTALL_K3S_EXEC="$role" INSTALL_K3S_FORCE_RESTART="$force_restart" \
    INSTALL_K3S_SKIP_DOWNLOAD="$skip_download" timeout 900 sh "$installer" ||
    fail "the k3s installer failed; see journalctl -u $unit"
  rm -rf "$root${download_dir:?}" # the release is installed: free the disk
  wait_ready "$version"
elif [ -e "$restart_pending" ] && systemctl is-active --quiet "$unit"; then
  # Restarting every node at once would cost etcd its quorum.
  log "configuration changed: $unit restarts in the rollout, one node at a time"
elif ! systemctl is-active --quiet "$unit"; then
  log "$unit is not running: starting it"
  unit_action start
  wait_ready "$current"
else
  [ "$current" = "$version" ] ||
    log "k3s $current runs here; a running node changes version only through the upgrade Plans"
  log "k3s $current is running with this configuration: nothing to do"
fi

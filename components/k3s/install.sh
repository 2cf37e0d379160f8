# hcloud-k3s node installer. Parameters are set above this line; stdin carries
# two lines, the pinned k3s version and the cluster token, so neither appears
# in the command text, its diff or its output.
etc="$root/etc/rancher/k3s"
data="$root/var/lib/rancher/k3s"

IFS= read -r version || true
IFS= read -r token || true
[ -n "$version" ] || fail "no k3s version on stdin"
[ -n "$token" ] || fail "no cluster token on stdin"

# Package installs by cloud-init hold the apt lock; status 2 means "done, degraded".
log "waiting for cloud-init"
cloud-init status --wait >/dev/null || [ $? -eq 2 ] || fail "cloud-init failed; see /var/log/cloud-init-output.log"

# A changed file needs k3s restarted. The need is kept on disk until a restart
# (or install) succeeds, so a run that fails in between leaves it to the next.
restart_pending="$etc/.hcloud-k3s-restart-pending"

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

# A first control-plane node with no etcd data of its own joins a surviving
# member instead of initialising a second, empty cluster. The peers are every
# address a member may have; they are probed at once, so absent ones cost
# one short timeout, not one each.
join_survivor() {
  [ -n "$join_peers" ] && [ ! -d "$data/server/db/etcd" ] || return 0
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
      log "control-plane member $peer is up: joining it instead of initialising a new cluster"
      config=$(printf '%s\n' "$config" | sed '/^cluster-init: true$/d')
      config="$config
server: https://$peer:6443"
      return 0
    fi
  done
}

installed_version() {
  command -v k3s >/dev/null 2>&1 || return 0
  # A k3s that cannot tell its version counts as not installed.
  { k3s --version 2>/dev/null || true; } | awk 'NR == 1 { print $3 }'
}

mkdir -p "$etc/config.yaml.d"
write_file "$etc/token" "$token"
iface=$(private_interface)
write_file "$etc/config.yaml.d/10-flannel-iface.yaml" "flannel-iface: $iface"
join_survivor
write_file "$etc/config.yaml" "$config"

unit=k3s
[ "$role" = server ] || unit=k3s-agent
current=$(installed_version)
running=$current
if [ -z "$current" ] || newer "$version" "$current"; then
  [ -z "$current" ] || log "k3s $current is older than the pinned $version on a node that was never upgraded; installing $version"
  log "installing k3s $version ($role)"
  mkdir -p "$root/tmp"
  installer=$(mktemp "$root/tmp/k3s-install.XXXXXX")
  trap 'rm -f "$installer"' EXIT
  curl -sfL --retry 5 --retry-all-errors "https://raw.githubusercontent.com/k3s-io/k3s/$version/install.sh" -o "$installer" ||
    fail "could not download the k3s $version installer"
  # The k3s unit never times out on start; bound the wait ourselves.
  INSTALL_K3S_VERSION="$version" INSTALL_K3S_EXEC="$role" timeout 900 sh "$installer" ||
    fail "the k3s installer failed; see journalctl -u $unit"
  running=$version
elif [ -e "$restart_pending" ]; then
  log "configuration changed: restarting $unit"
  systemctl restart "$unit" || fail "$unit did not restart; see journalctl -u $unit"
elif ! systemctl is-active --quiet "$unit"; then
  log "$unit is not running: starting it"
  systemctl start "$unit" || fail "$unit did not start; see journalctl -u $unit"
else
  [ "$current" = "$version" ] || log "k3s $current is newer than the pinned $version (upgraded in place): keeping it"
  log "k3s $current is running with this configuration: nothing to do"
  exit 0
fi
rm -f "$restart_pending"

if [ "$role" = server ]; then
  log "waiting for the API server"
  for _ in $(seq 1 150); do
    k3s kubectl get --raw=/readyz >/dev/null 2>&1 && { log "k3s $running is ready"; exit 0; }
    sleep 2
  done
  fail "the API server did not become ready within 300s; see journalctl -u k3s"
fi
log "k3s agent $running started"

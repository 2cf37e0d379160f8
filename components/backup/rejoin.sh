# hcloud-k3s-etcd-rejoin: after a restore on the first control-plane node,
# makes this member join it afresh: its own etcd database is moved aside and
# k3s started again, so it joins through the server address in its config
# (docs.k3s.io, datastore/backup-restore). Parameters: consequence.

config=/etc/rancher/k3s/config.yaml
server=$(sed -n 's/^server: \(.*\)$/\1/p' "$root$config" 2>/dev/null || true)
[ -n "$server" ] || fail "$config names no server to join: this is the first control-plane node, where hcloud-k3s-etcd-restore runs; $consequence"
curl -ksf --max-time 10 "$server/ping" >/dev/null ||
  fail "the first control-plane node does not answer at $server: restore it first with hcloud-k3s-etcd-restore; $consequence"

db="$root/var/lib/rancher/k3s/server/db"
aside="$db.before-restore-$(date +%Y%m%d%H%M%S)"
log "stopping k3s"
timeout 300 systemctl stop k3s || fail "k3s did not stop; see journalctl -u k3s; $consequence"
if [ -d "$db" ]; then
  mv "$db" "$aside" || fail "cannot move $db aside; k3s is stopped"
  log "moved the old etcd database to ${aside#"$root"}"
fi
log "starting k3s: joining $server"
timeout 600 systemctl start k3s || fail "k3s did not start; see journalctl -u k3s"
wait_api_ready 300
log "this member joined the restored cluster"

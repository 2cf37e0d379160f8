# hcloud-k3s-etcd-restore NAME [--check]: restores the etcd snapshot NAME from
# S3 onto this node, the first control-plane node, as a one-member cluster
# (k3s server --cluster-reset --cluster-reset-restore-path, which downloads
# NAME from the configured bucket: pkg/etcd/etcd.go, Reset). The other
# members then re-join it with hcloud-k3s-etcd-rejoin. With --check, only
# checks that the snapshot can be restored. Parameters: those of lib.sh.

snapshot=${1:-}
[ -n "$snapshot" ] || fail "name the snapshot to restore: hcloud-k3s-etcd-restore NAME (k3s etcd-snapshot ls lists them); $consequence"
s3_check_bucket
s3_has_snapshot "$snapshot" ||
  fail "snapshot $snapshot is not in s3://$s3_bucket/$s3_folder: k3s etcd-snapshot ls lists them; $consequence"
if [ "${2:-}" = --check ]; then
  log "snapshot $snapshot in s3://$s3_bucket/$s3_folder can be restored"
  exit 0
fi

log "stopping k3s"
timeout 300 systemctl stop k3s || fail "k3s did not stop; see journalctl -u k3s; $consequence"
# From here on the node changes: k3s moves the old database aside
# (server/db/etcd-old-<unix time>: k3s pkg/etcd/etcd.go at v1.33.5,
# dbDir + "-old-") before restoring.
log "restoring $snapshot from s3://$s3_bucket/$s3_folder"
reset_log=/var/log/hcloud-k3s-etcd-restore.log
mkdir -p "$root${reset_log%/*}"
timeout 1800 k3s server --cluster-reset --cluster-reset-restore-path="$snapshot" >"$root$reset_log" 2>&1 ||
  fail "k3s could not restore $snapshot: see $reset_log; k3s is stopped and its previous database is under /var/lib/rancher/k3s/server/db/etcd-old-*"
log "starting k3s"
timeout 600 systemctl start k3s || fail "k3s did not start after the restore; see journalctl -u k3s"
wait_api_ready 300
log "restored $snapshot; run hcloud-k3s-etcd-rejoin on each other control-plane node, one at a time"

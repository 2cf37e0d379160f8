# Takes an on-demand etcd snapshot before a risky change and checks that it
# reached S3: k3s reports an upload failure only in its log and still
# succeeds (pkg/etcd/snapshot.go, snapshot). Parameters: name, reason, and
# those of lib.sh.

s3_check_bucket
log "taking an etcd snapshot before $reason"
# `k3s etcd-snapshot save` asks the local server, with the S3 settings of
# config.yaml and its drop-ins (pkg/cli/etcdsnapshot/etcd_snapshot.go).
out=$(timeout 600 k3s etcd-snapshot save --name "$name" 2>&1) ||
  fail "k3s etcd-snapshot save failed: $(printf '%s\n' "$out" | tail -n 1); $consequence"
snapshot=$(printf '%s\n' "$out" | sed -n 's/.*Snapshot \([^ "]*\) saved\..*/\1/p' | head -n 1)
[ -n "$snapshot" ] || fail "k3s etcd-snapshot save named no snapshot: $(printf '%s\n' "$out" | tail -n 1); $consequence"
s3_has_snapshot "$snapshot" ||
  fail "snapshot $snapshot was saved on this node but is not in s3://$s3_bucket/$s3_folder: see journalctl -u k3s; $consequence"
log "snapshot $snapshot is in s3://$s3_bucket/$s3_folder"

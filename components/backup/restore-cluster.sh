#!/bin/bash
# restore-cluster.sh SNAPSHOT: restores the etcd snapshot SNAPSHOT from S3 onto
# the selected stack's control plane. It checks on the first control-plane
# server that the snapshot can be restored (nothing changes if not), stops k3s
# on the other members, restores on the first (hcloud-k3s-etcd-restore), then
# re-joins the others one at a time (hcloud-k3s-etcd-rejoin). Run it in the
# project directory; it uses the stack's sshPrivateKey output, or the private
# key file in $SSH_KEY when hcloud-k3s did not generate the key.
# shellcheck source=../internal/shell/prelude.sh
. "$(dirname "${BASH_SOURCE[0]}")/../internal/shell/prelude.sh"

snapshot=${1:-}
[ -n "$snapshot" ] || fail "usage: restore-cluster.sh SNAPSHOT (k3s etcd-snapshot ls on a control-plane server lists them)"
key=${SSH_KEY:-}
if [ -z "$key" ]; then
  key=$(mktemp)
  trap 'rm -f "$key"' EXIT
  pulumi stack output sshPrivateKey --show-secrets >"$key" 2>/dev/null || true
  [ -s "$key" ] || fail "the stack exports no sshPrivateKey: set SSH_KEY to the file of your ssh.privateKey"
fi
mapfile -t servers < <(pulumi stack output controlPlaneIps --json | tr -d '[]", ' | grep .)
[ "${#servers[@]}" -gt 0 ] || fail "the stack has no controlPlaneIps"
first=${servers[0]} others=("${servers[@]:1}")

# on SERVER COMMAND...: runs COMMAND as root on SERVER; its own errors say what failed.
on() {
  local server=$1
  shift
  ssh -i "$key" -o BatchMode=yes -o StrictHostKeyChecking=accept-new "root@$server" "$@"
}

on "$first" hcloud-k3s-etcd-restore "$snapshot" --check || exit 1
for server in "${others[@]}"; do
  log "stopping k3s on $server"
  on "$server" systemctl stop k3s || fail "could not stop k3s on $server; start it again with: ssh root@$server systemctl start k3s"
done
on "$first" hcloud-k3s-etcd-restore "$snapshot" || exit 1
for server in "${others[@]}"; do
  log "re-joining $server"
  on "$server" hcloud-k3s-etcd-rejoin || fail "$server did not re-join; run hcloud-k3s-etcd-rejoin there again"
done
log "restored $snapshot on ${#servers[@]} control-plane server(s)"

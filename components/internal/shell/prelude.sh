set -euo pipefail
umask 077
# shellcheck disable=SC2034 # not every script uses it
root="${HCLOUD_K3S_ROOT:-}" # tests point this at a scratch directory
log() { echo "hcloud-k3s: $*"; }
# kubectl talks to the local API server with the admin kubeconfig k3s writes.
kubectl() { k3s kubectl --kubeconfig "$root/etc/rancher/k3s/k3s.yaml" "$@"; }
fail() {
  echo "hcloud-k3s: error: $*" >&2
  exit 1
}
# newer A B: true when release A sorts after release B. A release candidate
# (v1.34.0-rc1+k3s1) comes before its release: "~" sorts first in sort -V.
newer() {
  local a="${1/-rc/\~rc}" b="${2/-rc/\~rc}"
  [ "$a" != "$b" ] && [ "$(printf '%s\n%s\n' "$a" "$b" | sort -V | tail -n1)" = "$a" ]
}
# installed_version prints the release of the k3s installed here
# (v1.33.5+k3s1); nothing when k3s is missing or cannot tell its version.
installed_version() {
  command -v k3s >/dev/null 2>&1 || return 0
  { k3s --version 2>/dev/null || true; } | awk 'NR == 1 { print $3 }'
}
# wait_api_ready SECONDS: waits until the local API server answers /readyz,
# asking every 2s; fails after SECONDS, pointing at the k3s unit's journal.
wait_api_ready() {
  local tries=$(($1 / 2))
  until kubectl get --raw=/readyz >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || fail "the k3s API server did not answer /readyz within ${1}s; see journalctl -u k3s"
    sleep 2
  done
}

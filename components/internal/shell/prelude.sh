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

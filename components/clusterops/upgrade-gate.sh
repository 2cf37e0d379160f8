# Allows a k3s version change only when it is an upgrade of at most one minor
# release for every control-plane node: k3s-upgrade refuses downgrades and
# leaves nodes cordoned, and Kubernetes must not skip minors. The Plans
# upgrade the control plane one node at a time, so under way its nodes run
# two versions: the newest must not be downgraded, the oldest must not skip
# a minor. Runs on a control-plane node before the upgrade Plans change;
# the versions are those the Nodes report and this node's own (a node whose
# kubelet has not registered yet reports none). Parameter: desired.

# minor VERSION: the minor release of a k3s tag, counted across majors; fails
# on anything else.
minor() { [[ $1 =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+ ]] && echo $((BASH_REMATCH[1] * 1000 + BASH_REMATCH[2])); }

# A k3s that is missing or cannot tell its version prints nothing: minor fails.
local_version=$(installed_version)
minor "$local_version" >/dev/null || fail "cannot read the running k3s version: 'k3s --version' printed no release"
versions=$(control_plane_versions) || log "warning: cannot read the control-plane nodes' versions; judging by this node's"
oldest=$local_version newest=$local_version
for version in $versions; do
  ! newer "$oldest" "$version" || oldest=$version
  ! newer "$version" "$newest" || newest=$version
done
oldest_minor=$(minor "$oldest")
desired_minor=$(minor "$desired") || fail "the pinned k3s version $desired is not a release tag"
if [ "$oldest" = "$desired" ] && [ "$newest" = "$desired" ]; then
  log "k3s $desired is the pinned version"
  exit 0
fi
if newer "$newest" "$desired"; then
  fail "refusing to downgrade k3s from $newest to $desired: set k3sVersion to $newest or newer"
fi
if [ $((desired_minor - oldest_minor)) -gt 1 ]; then
  fail "refusing to upgrade k3s from $oldest to $desired: upgrade one minor release at a time"
fi
log "upgrade from $oldest to $desired allowed"

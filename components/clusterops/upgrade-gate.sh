# Allows a k3s version change only when it is an upgrade of at most one minor
# release: k3s-upgrade refuses downgrades and leaves nodes cordoned, and
# Kubernetes must not skip minors. Runs on a control-plane node before the
# upgrade Plans change. Parameter: desired.

# minor VERSION: the minor release of a k3s tag, counted across majors; fails
# on anything else.
minor() { [[ $1 =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+ ]] && echo $((BASH_REMATCH[1] * 1000 + BASH_REMATCH[2])); }

# A k3s that is missing or cannot tell its version prints nothing: minor fails.
running=$(installed_version)
running_minor=$(minor "$running") || fail "cannot read the running k3s version: 'k3s --version' printed no release"
desired_minor=$(minor "$desired") || fail "the pinned k3s version $desired is not a release tag"
if [ "$running" = "$desired" ]; then
  log "k3s $running is the pinned version"
  exit 0
fi
if newer "$running" "$desired"; then
  fail "refusing to downgrade k3s from $running to $desired: set k3sVersion to $running or newer"
fi
if [ $((desired_minor - running_minor)) -gt 1 ]; then
  fail "refusing to upgrade k3s from $running to $desired: upgrade one minor release at a time"
fi
log "upgrade from $running to $desired allowed"

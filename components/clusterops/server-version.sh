# Prints the oldest k3s version a control-plane node runs, or nothing when it
# cannot read them; a node that has no k3s installs that one when it is older
# than the pinned one (config.Version.OrOlder), so during an upgrade it never
# runs a kubelet newer than the API servers (the Kubernetes version-skew
# policy; k3s's docs: upgrade servers first), and the upgrade Plans bring it
# to the pinned version in turn. The pinned version is not a parameter: a
# k3sVersion change leaves this step, and so every install, as it is.
# Runs on a control-plane node. Parameters: nodes (the cluster's nodes: a new
# one makes this run again). Logs go to stderr: stdout is the version.
lowest=
if ! versions=$(control_plane_versions); then
  # A rebuilt first control-plane node that has not joined yet, say.
  log "warning: cannot read the k3s versions of the control-plane nodes; new nodes install the pinned one" >&2
  versions=
fi
for version in $versions; do
  [ -n "$lowest" ] && ! newer "$lowest" "$version" || lowest=$version
done
log "cluster nodes: $nodes" >&2
echo "$lowest"

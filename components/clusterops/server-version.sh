# Prints the k3s version a node that has no k3s installs: the pinned one,
# or the oldest a control-plane node runs when that is older. During an
# upgrade a new node then never runs a kubelet newer than the API servers
# (the Kubernetes version-skew policy; k3s's docs: upgrade servers first),
# and the upgrade Plans bring it to the pinned version in turn.
# Runs on a control-plane node. Parameters: pinned, nodes (the cluster's
# nodes: a new one makes this run again). Logs go to stderr: stdout is the version.
lowest=$pinned
if ! versions=$(kubectl get nodes -l node-role.kubernetes.io/control-plane=true \
  -o 'jsonpath={range .items[*]}{.status.nodeInfo.kubeletVersion}{"\n"}{end}'); then
  # A rebuilt first control-plane node that has not joined yet, say.
  log "warning: cannot read the k3s versions of the control-plane nodes; new nodes install $pinned" >&2
  versions=
fi
for version in $versions; do
  ! newer "$lowest" "$version" || lowest=$version
done
[ "$lowest" = "$pinned" ] ||
  log "the control plane still runs k3s $lowest: new nodes install it, and the upgrade Plans bring them to $pinned" >&2
log "cluster nodes: $nodes" >&2
echo "$lowest"

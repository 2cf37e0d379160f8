# What the install and the rollout of a node share. Parameter: role.
etc="$root/etc/rancher/k3s"
unit=k3s
[ "$role" = server ] || unit=k3s-agent
# A changed file needs k3s restarted. The need is kept on disk until a restart
# (or install) succeeds, so a run that fails in between leaves it to the next.
restart_pending="$etc/.hcloud-k3s-restart-pending"
# Bounds one systemctl start or restart, and the wait for readiness.
unit_timeout=300

# unit_action ACTION: systemctl ACTION on the k3s unit, bounded. The unit is
# Type=notify with TimeoutStartSec=0 (k3s install.sh at v1.33.5, lines 225 and
# 1003), so systemctl would wait forever for a k3s that never gets ready.
unit_action() {
  local status=0
  timeout "$unit_timeout" systemctl "$1" "$unit" || status=$?
  case $status in
    0) return 0 ;;
    124) fail "$unit did not $1 within ${unit_timeout}s; see journalctl -u $unit" ;;
    *) fail "$unit failed to $1 (systemctl exit status $status); see journalctl -u $unit" ;;
  esac
}

# wait_ready VERSION: waits until a server's API answers, or an agent's unit
# is active, then clears the restart marker.
wait_ready() {
  if [ "$role" = server ]; then
    wait_api_ready "$unit_timeout"
  else
    local tries=$((unit_timeout / 2))
    until systemctl is-active --quiet "$unit"; do
      tries=$((tries - 1))
      [ "$tries" -gt 0 ] || fail "$unit was not ready within ${unit_timeout}s; see journalctl -u $unit"
      sleep 2
    done
  fi
  rm -f "$restart_pending"
  if [ "$role" = server ]; then log "k3s $1 is ready"; else log "k3s agent $1 started"; fi
}


# Keeps a control-plane node's S3 snapshot settings in step with the stack.
# With S3 (s3=true), writes the k3s drop-in with the secret key, read from
# stdin (root-only: the prelude's umask is 077), and the restore tools; k3s
# reads the drop-in when it next starts. Without S3, removes them, so no
# secret stays behind. Parameters: s3, secret_file, tool_dir, restore_tool,
# rejoin_tool.

files=("$secret_file" "$tool_dir/hcloud-k3s-etcd-restore" "$tool_dir/hcloud-k3s-etcd-rejoin")
dropin=$(cat)
if [ "$s3" != true ]; then
  for f in "${files[@]}"; do
    if [ -e "$root$f" ]; then
      rm -f "$root$f" || fail "cannot remove $f"
      log "removed $f"
    fi
  done
  exit 0
fi
[ -n "$dropin" ] || fail "no S3 secret drop-in on stdin"

# put PATH CONTENT MODE: replaces PATH when CONTENT differs.
put() {
  if [ -f "$root$1" ] && [ "$(cat "$root$1")" = "$2" ]; then
    return 0
  fi
  mkdir -p "$root${1%/*}"
  { printf '%s\n' "$2" >"$root$1.tmp" && chmod "$3" "$root$1.tmp" && mv "$root$1.tmp" "$root$1"; } || fail "cannot write $1"
  log "wrote $1"
}

put "${files[0]}" "$dropin" 600
put "${files[1]}" "$restore_tool" 700
put "${files[2]}" "$rejoin_tool" 700

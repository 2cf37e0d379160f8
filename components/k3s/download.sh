# Downloads, while the server boots, the k3s release its install will use:
# the installer, the binary for this machine and the release's checksums,
# into $download_dir/$version once the binary matches its checksum, so that
# the install only writes the config and starts k3s. cloud-init runs it
# (the install waits for cloud-init). Best effort: when anything fails, it
# leaves nothing, and the install downloads the release itself.
# Parameters: version, download_dir.
case $(uname -m) in
  x86_64) binary=k3s checksums=sha256sum-amd64.txt ;;
  aarch64) binary=k3s-arm64 checksums=sha256sum-arm64.txt ;;
  *) log "no k3s download for $(uname -m): the install downloads it"; exit 0 ;;
esac
staged="$root$download_dir/$version"
[ ! -d "$staged" ] || exit 0
mkdir -p "$root$download_dir"
partial=$(mktemp -d "$root$download_dir/.partial.XXXXXX")
trap 'rm -rf "$partial"' EXIT
# Release assets are named with the version's "+" escaped (k3s install.sh, VERSION_URLSAFE).
release="https://github.com/k3s-io/k3s/releases/download/${version//+/%2B}"
get() { curl -sfL --retry 5 --retry-all-errors --max-time 300 "$1" -o "$partial/$2"; }
if ! { get "https://raw.githubusercontent.com/k3s-io/k3s/$version/install.sh" install.sh &&
  get "$release/$binary" k3s && get "$release/$checksums" sha256sum.txt; }; then
  log "could not download k3s $version: the install downloads it"
  exit 0
fi
expected=$(awk -v f="$binary" '$2 == f { print $1 }' "$partial/sha256sum.txt")
actual=$(sha256sum "$partial/k3s" | awk '{ print $1 }')
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  log "the k3s $version download does not match its checksum: the install downloads it"
  exit 0
fi
chmod 755 "$partial/k3s"
mv "$partial" "$staged"
log "downloaded k3s $version"

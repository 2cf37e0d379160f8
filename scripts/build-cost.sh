#!/usr/bin/env bash
# Measures what building the program costs, for a "before" revision and for
# the current tree, on this machine in one run, each from an empty GOCACHE:
#   - cold `go build .`: wall time, CPU time (user + system), peak memory;
#   - the binary's size and `go list -deps . | wc -l`;
#   - relinking after an edit to main.go: wall time and peak memory;
#   - cold `go test ./...` (its own empty GOCACHE): wall and CPU time.
# Modules come from the module cache only (GOPROXY=off), so the network plays
# no part. Both trees are copies in a temporary directory: the working tree
# is never touched.
#
# Usage: scripts/build-cost.sh [BEFORE-REV]   (default: see BEFORE below)
# A cold build of the old tree takes about 7 minutes on 2 cores; the whole run
# takes 30 minutes or more.
set -euo pipefail

# The last commit before the build-cost work (issue 12) began.
BEFORE=${1:-d157a3d}

repo=$(git rev-parse --show-toplevel)
cd "$repo"
git rev-parse --verify --quiet "$BEFORE^{commit}" >/dev/null || { echo "unknown revision: $BEFORE" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
# Each step's "wall cpu peak status" as it finishes, for a run cut short.
progress=${BUILD_COST_PROGRESS:-/dev/stderr}
cleanup() {
  git -C "$repo" worktree remove --force "$work/before" 2>/dev/null || true
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# VCS stamping is off: the copy of the current tree is no git checkout.
export GOPROXY=off GOTOOLCHAIN=local GOFLAGS='-mod=readonly -buildvcs=false'

# timed LABEL CMD...: runs CMD under GNU time, output to $work/LABEL.log, and
# prints "wall_seconds cpu_seconds peak_mib status"; a failure is reported on
# stderr with the end of its log, and the run goes on.
timed() {
  local label=$1 status=ok
  shift
  printf '%s %s: ' "$(date -u +%H:%M:%S)" "$label" >>"$progress"
  if ! /usr/bin/time -v -o "$work/$label.time" "$@" >"$work/$label.log" 2>&1; then
    status=FAILED
    echo "$label failed:" >&2
    tail -n 30 "$work/$label.log" >&2
  fi
  awk -F': ' -v status="$status" '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
    /User time/ { cpu += $2 }
    /System time/ { cpu += $2 }
    /Maximum resident set size/ { rss = $2 / 1024 }
    END { printf "%.0f %.0f %.0f %s\n", wall, cpu, rss, status }' "$work/$label.time" | tee -a "$progress"
}

note() { [ "$1" = ok ] || echo " ($1)"; }

# measure NAME DIR: prints one table row for the tree in DIR.
measure() {
  local name=$1 dir=$2 build relink tests size deps
  mkdir -p "$work/$name-cache" "$work/$name-testcache"
  cd "$dir"
  export GOCACHE="$work/$name-cache"
  build=$(timed "$name-build" go build -o "$work/$name.bin" .)
  size=$(($(stat -c %s "$work/$name.bin" 2>/dev/null || echo 0) / 1024 / 1024))
  deps=$(go list -deps . | wc -l)
  cp main.go "$work/main.go.orig"
  echo "// build-cost edit $(date +%s%N)" >>main.go
  relink=$(timed "$name-relink" go build -o "$work/$name.bin" .)
  cp "$work/main.go.orig" main.go
  export GOCACHE="$work/$name-testcache"
  tests=$(timed "$name-test" go test ./...)
  read -r bw bc bm bs <<<"$build"
  read -r rw _ rm rs <<<"$relink"
  read -r tw tc _ ts <<<"$tests"
  printf '| %s | %s s%s | %s s | %s MiB | %s MiB | %s | %s s%s | %s MiB | %s s%s | %s s |\n' \
    "$name" "$bw" "$(note "$bs")" "$bc" "$bm" "$size" "$deps" "$rw" "$(note "$rs")" "$rm" "$tw" "$(note "$ts")" "$tc"
  cd "$repo"
}

git worktree add --quiet --detach "$work/before" "$BEFORE"
# The current tree as it is: tracked files (with uncommitted changes) and
# untracked ones git does not ignore.
mkdir "$work/current"
git ls-files -z --cached --others --exclude-standard |
  tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$work/current"

echo "build cost, $(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(go version | cut -d' ' -f3)"
echo "before = $(git rev-parse --short "$BEFORE"), current = $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')"
echo
echo '| tree | cold build, wall | cold build, CPU | cold build, peak memory | binary | packages | relink after editing main.go, wall | relink, peak memory | cold go test ./..., wall | cold go test, CPU |'
echo '|---|---|---|---|---|---|---|---|---|---|'
measure before "$work/before"
measure current "$work/current"

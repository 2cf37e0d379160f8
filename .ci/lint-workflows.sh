#!/usr/bin/env bash
# Lints .github/workflows/*.yml with actionlint, which it installs itself.
# actionlint also runs shellcheck on the workflows' run: scripts when shellcheck
# is on PATH; the script installs Debian's shellcheck when it can.
# Prints each command it runs; exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly actionlint_version=v1.7.12
readonly tools="${XDG_CACHE_HOME:-$HOME/.cache}/hcloud-k3s/tools"

run() {
	echo "+ $*" >&2
	"$@"
}

install_actionlint() {
	run env GOBIN="$tools" go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
}

install_shellcheck() {
	command -v shellcheck >/dev/null && return
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
		run apt-get update -qq && run apt-get install -y -qq shellcheck >/dev/null ||
			echo "lint-workflows: could not install shellcheck" >&2
	fi
	command -v shellcheck >/dev/null ||
		echo "lint-workflows: shellcheck unavailable: run: scripts are not checked" >&2
}

main() {
	shopt -s nullglob
	local workflows=(.github/workflows/*.yml)
	if ((${#workflows[@]} == 0)); then
		echo "lint-workflows: no workflows in .github/workflows" >&2
		return 1
	fi
	install_actionlint
	install_shellcheck
	run "$tools/actionlint" -version
	run "$tools/actionlint" "${workflows[@]}"
	echo "lint-workflows: ${#workflows[@]} workflows clean" >&2
}

main "$@"

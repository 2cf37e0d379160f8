package k3s

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

// releaseHost is a booting server whose curl serves a k3s release from
// $state/release-<asset> (the installer as install.sh), and whose uname -m
// answers $state/arch.
func releaseHost(t *testing.T, arch string) *shelltest.Host {
	h := shelltest.New(t)
	h.Set("arch", arch)
	h.Stub("uname", `cat "$state/arch"`)
	h.Stub("curl", `[ ! -f "$state/offline" ] || exit 6
`+curlArgs+`case $url in
  https://raw.githubusercontent.com/k3s-io/k3s/*/install.sh) asset=install.sh ;;
  https://github.com/k3s-io/k3s/releases/download/*) asset=${url##*/} ;;
  *) exit 22 ;;
esac
[ -f "$state/release-$asset" ] || exit 22
cp "$state/release-$asset" "$out"`)
	return h
}

// publish puts the release's installer, binary and checksums where curl
// serves them; the checksum of the binary is sum, or its own when "".
func publish(h *shelltest.Host, binary, checksums, sum string) {
	const content = "#!/bin/sh\necho k3s\n"
	if sum == "" {
		sum = fmt.Sprintf("%x", sha256.Sum256([]byte(content)))
	}
	h.Set("release-install.sh", "#!/bin/sh\necho installer\n")
	h.Set("release-"+binary, content)
	h.Set("release-"+checksums, sum+"  "+binary+"\n"+fmt.Sprintf("%064d", 0)+"  k3s-airgap-images.tar\n")
}

func TestDownloadStagesTheReleaseForThisMachine(t *testing.T) {
	for _, tt := range []struct{ arch, binary, checksums string }{
		{"x86_64", "k3s", "sha256sum-amd64.txt"},
		{"aarch64", "k3s-arm64", "sha256sum-arm64.txt"},
	} {
		t.Run(tt.arch, func(t *testing.T) {
			h := releaseHost(t, tt.arch)
			publish(h, tt.binary, tt.checksums, "")
			res := h.MustRun(DownloadScript(testVersion), "")
			res.Says(t, "downloaded k3s "+testVersion)
			release := "https://github.com/k3s-io/k3s/releases/download/v1.33.5%2Bk3s1/"
			for _, want := range []string{"https://raw.githubusercontent.com/k3s-io/k3s/" + testVersion + "/install.sh", release + tt.binary, release + tt.checksums} {
				found := false
				for _, call := range res.Called("curl ") {
					found = found || strings.Contains(call, want)
				}
				if !found {
					t.Errorf("no download of %s: %q", want, res.Called("curl "))
				}
			}
			staged := DownloadDir + "/" + testVersion
			h.AssertFile(staged+"/k3s", "#!/bin/sh\necho k3s\n")
			if info, err := os.Stat(filepath.Join(h.Root, staged, "k3s")); err != nil || info.Mode().Perm() != 0o755 {
				t.Errorf("the staged binary is not executable: %v", err)
			}
			before := h.Files()
			if again := h.MustRun(DownloadScript(testVersion), ""); len(again.Called("curl ")) != 0 {
				t.Errorf("a staged release is downloaded again: %q", again.Called("curl "))
			}
			shelltest.AssertUntouched(t, before, h.Files())
		})
	}
}

func TestDownloadLeavesNothingItCannotTrust(t *testing.T) {
	mismatch := "the k3s " + testVersion + " download does not match its checksum: the install downloads it"
	for name, tt := range map[string]struct {
		setup func(h *shelltest.Host)
		says  string
	}{
		"checksum mismatch": {func(h *shelltest.Host) { publish(h, "k3s", "sha256sum-amd64.txt", fmt.Sprintf("%064d", 1)) }, mismatch},
		"binary not listed": {func(h *shelltest.Host) {
			publish(h, "k3s", "sha256sum-amd64.txt", "")
			h.Set("release-sha256sum-amd64.txt", "")
		}, mismatch},
		"offline":         {func(h *shelltest.Host) { h.Set("offline", "") }, "could not download k3s " + testVersion + ": the install downloads it"},
		"unknown machine": {func(h *shelltest.Host) { h.Set("arch", "riscv64") }, "no k3s download for riscv64: the install downloads it"},
	} {
		t.Run(name, func(t *testing.T) {
			h := releaseHost(t, "x86_64")
			tt.setup(h)
			// Best effort: cloud-init goes on, and the install downloads.
			res := h.MustRun(DownloadScript(testVersion), "")
			res.Says(t, tt.says)
			if entries, _ := os.ReadDir(filepath.Join(h.Root, DownloadDir)); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

func TestDownloadScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, DownloadScript(testVersion))
}

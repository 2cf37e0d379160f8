package shelltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// File reads a file under the root, given by its path on a real host.
func (h *Host) File(path string) string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.Root, path))
	h.Must(err)
	return string(data)
}

// Exists tells whether a path exists under the root.
func (h *Host) Exists(path string) bool {
	_, err := os.Stat(filepath.Join(h.Root, path))
	return err == nil
}

// AssertFile checks the content of a file under the root.
func (h *Host) AssertFile(path, want string) {
	h.t.Helper()
	if got := h.File(path); got != want {
		h.t.Errorf("%s =\n%s\nwant\n%s", path, got, want)
	}
}

// Files snapshots every file under the root, to tell whether a run touched any.
func (h *Host) Files() map[string]os.FileInfo {
	h.t.Helper()
	out := map[string]os.FileInfo{}
	h.Must(filepath.Walk(h.Root, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out[path] = info
		}
		return err
	}))
	return out
}

// AssertUntouched checks that no file of the snapshot before was written,
// and none was added or removed.
func AssertUntouched(t testing.TB, before, after map[string]os.FileInfo) {
	t.Helper()
	for path, info := range after {
		if was, ok := before[path]; !ok || !os.SameFile(was, info) || !was.ModTime().Equal(info.ModTime()) {
			t.Errorf("%s was written", path)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files before the run, %d after", len(before), len(after))
	}
}

// Shellcheck lints a script as bash, but for the checks excluded (such as
// "SC2034"). Where shellcheck is not installed it skips the test on a
// developer's machine, and fails it in CI (CI set, as GitHub Actions and
// .ci/run's callers set it), where every script must be linted.
func Shellcheck(t testing.TB, script string, excluded ...string) {
	t.Helper()
	if _, err := exec.LookPath("shellcheck"); err != nil {
		if os.Getenv("CI") != "" {
			t.Errorf("shellcheck is not installed, and CI must lint every node script: .ci/run installs it")
			return
		}
		t.Skip("shellcheck is not installed")
	}
	args := []string{"-s", "bash", "-"}
	if len(excluded) > 0 {
		args = append([]string{"-e", strings.Join(excluded, ",")}, args...)
	}
	cmd := exec.Command("shellcheck", args...)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

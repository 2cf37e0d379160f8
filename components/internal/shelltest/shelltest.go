// Package shelltest runs the node scripts of hcloud-k3s with bash on a
// scratch host: stub commands on a minimal PATH that log every call and
// their environment, state files the stubs answer from, and a root directory
// the scripts see as / (through HCLOUD_K3S_ROOT). It is for tests only.
//
// A stub logs one line per call to $state/calls and dumps its environment to
// $state/env (with the export builtin: forks are slow), then runs its body
// with $state set. In a body, @STATE@ and @BIN@ stand for the quoted state and
// bin directories.
package shelltest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
)

// runTimeout bounds one run of a script.
const runTimeout = 2 * time.Minute

// Host is a scratch machine for one test.
type Host struct {
	t testing.TB
	// Dir holds the others and is $HOME; Root stands for /, Bin is the only
	// directory of stubs on PATH, State holds the stubs' logs and state files.
	Dir, Root, Bin, State string
	// Secrets must never appear in a run's output, the stubs' arguments or
	// their environments.
	Secrets      []string
	placeholders *strings.Replacer
}

// New makes a host for the test and marks the test parallel: runs are slow
// (processes) but touch nothing outside their temp dir.
func New(t *testing.T) *Host {
	t.Helper()
	t.Parallel()
	return newHost(t)
}

func newHost(t testing.TB) *Host {
	dir := t.TempDir()
	h := &Host{t: t, Dir: dir,
		Root: filepath.Join(dir, "root"), Bin: filepath.Join(dir, "bin"), State: filepath.Join(dir, "state")}
	h.placeholders = strings.NewReplacer("@STATE@", shell.Quote(h.State), "@BIN@", shell.Quote(h.Bin))
	for _, d := range []string{h.Root, h.Bin, h.State} {
		h.Must(os.MkdirAll(d, 0o755))
	}
	return h
}

// Stub puts a command on PATH that logs "name ARGS" and runs body.
func (h *Host) Stub(name, body string) {
	h.StubAt(filepath.Join(h.Bin, name), name, `$*`, body)
}

// StubAt writes an executable at path that logs "name logged" (expanded by
// bash, so it may name arguments or variables) and its environment, then runs body.
func (h *Host) StubAt(path, name, logged, body string) {
	script := "#!/bin/bash\nstate=@STATE@\n" +
		`printf '%s\n' "` + name + ` ` + logged + `" >>"$state/calls"` + "\n" +
		`{ echo "== ` + name + `"; export -p; } >>"$state/env"` + "\n" + body + "\n"
	h.Must(os.WriteFile(path, []byte(h.placeholders.Replace(script)), 0o755))
}

// Set writes a state file that a stub reads.
func (h *Host) Set(name, content string) {
	h.Must(os.WriteFile(filepath.Join(h.State, name), []byte(content), 0o644))
}

// SetLines writes a state file of one line per item.
func (h *Host) SetLines(name string, items ...string) {
	h.Set(name, strings.Join(append(items, ""), "\n"))
}

// Unset removes a state file.
func (h *Host) Unset(name string) {
	h.Must(os.Remove(filepath.Join(h.State, name)))
}

// StateFile reads a state file; a missing one is empty.
func (h *Host) StateFile(name string) string {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.State, name))
	if os.IsNotExist(err) {
		return ""
	}
	h.Must(err)
	return string(data)
}

// Must fails the test on an error of the harness.
func (h *Host) Must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

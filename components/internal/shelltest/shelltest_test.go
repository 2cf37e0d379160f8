package shelltest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const secret = "s3cr3t-value"

// recorder collects what the harness reports instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func recorded(t *testing.T) (*Host, *recorder) {
	t.Parallel()
	rec := &recorder{TB: t}
	h := newHost(rec)
	h.Secrets = []string{secret}
	return h, rec
}

func TestStubsLogCallsAndEnvironment(t *testing.T) {
	h := New(t)
	h.Stub("greet", `echo "hello $(cat "$state/name")"`)
	h.SetLines("name", "world")
	res := h.MustRun(`greet --loud a; greet; echo "root=$HCLOUD_K3S_ROOT"`, "")
	if want := []string{"greet --loud a", "greet "}; !slices.Equal(res.Calls, want) {
		t.Errorf("calls = %q, want %q", res.Calls, want)
	}
	if want := "hello world\nhello world\nroot=" + h.Root + "\n"; res.Stdout != want {
		t.Errorf("stdout = %q, want %q", res.Stdout, want)
	}
	if env := h.StateFile("env"); strings.Count(env, "== greet\n") != 2 || !strings.Contains(env, "HCLOUD_K3S_ROOT=") {
		t.Errorf("env dump:\n%s", env)
	}
	res.AssertCalls(t, "greet --", "greet --loud a")
}

func TestRunStartsFromEmptyLogs(t *testing.T) {
	h := New(t)
	h.Stub("tick", "")
	h.MustRun("tick; tick", "")
	if res := h.MustRun("tick", ""); len(res.Calls) != 1 {
		t.Errorf("calls = %q, want only this run's", res.Calls)
	}
}

func TestLeakCheckFindsSecretEverywhere(t *testing.T) {
	scripts := map[string]string{
		"stdout":            `echo "$(cat)"`,
		"stderr":            `cat >&2`,
		"stub arguments":    `show "$(cat)"`,
		"stub environments": `SECRET=$(cat) show`,
	}
	for place, script := range scripts {
		t.Run(place, func(t *testing.T) {
			h, rec := recorded(t)
			h.Stub("show", "")
			h.Run(script, secret+"\n")
			if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "appears in the "+place) {
				t.Errorf("leak check reported %q, want the secret in the %s", rec.errors, place)
			}
		})
	}
}

func TestLeakCheckPassesCleanRun(t *testing.T) {
	h, rec := recorded(t)
	h.Stub("show", "")
	h.Run(`read -r s; show "${#s}"; echo ok`, secret+"\n")
	if len(rec.errors) != 0 {
		t.Errorf("clean run reported %q", rec.errors)
	}
}

func TestMustFailWantsExactError(t *testing.T) {
	h, rec := recorded(t)
	h.MustFail(`echo "hcloud-k3s: error: broken" >&2; exit 1`, "", "broken")
	h.MustFail(`echo "hcloud-k3s: error: broken, and more" >&2; exit 1`, "", "broken")
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "broken, and more") {
		t.Errorf("reported %q, want one error about the other message", rec.errors)
	}
}

func TestAssertUntouchedSeesWrites(t *testing.T) {
	h, rec := recorded(t)
	h.MustRun(`mkdir -p "$HCLOUD_K3S_ROOT/etc"; echo a >"$HCLOUD_K3S_ROOT/etc/a"`, "")
	before := h.Files()
	AssertUntouched(rec, before, h.Files())
	h.MustRun(`sleep 0.01; echo b >"$HCLOUD_K3S_ROOT/etc/a.tmp"; mv "$HCLOUD_K3S_ROOT/etc/a.tmp" "$HCLOUD_K3S_ROOT/etc/a"`, "")
	AssertUntouched(rec, before, h.Files())
	if len(rec.errors) != 1 || !strings.HasSuffix(rec.errors[0], "/etc/a was written") {
		t.Errorf("reported %q, want /etc/a written", rec.errors)
	}
	h.AssertFile("/etc/a", "b\n")
}

func TestShellcheckFindsProblems(t *testing.T) {
	t.Parallel()
	unused := "#!/bin/bash\nx=1\n"
	Shellcheck(t, unused, "SC2034")
	rec := &recorder{TB: t}
	Shellcheck(rec, unused)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "SC2034") {
		t.Errorf("shellcheck reported %q, want SC2034", rec.errors)
	}
}

func TestShellcheckMissingFailsInCI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "true")
	rec := &recorder{TB: t}
	Shellcheck(rec, "#!/bin/bash\n")
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "shellcheck is not installed") {
		t.Errorf("without shellcheck in CI, reported %q", rec.errors)
	}
}

package shelltest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Result is one run of a script.
type Result struct {
	Stdout, Stderr string
	Err            error
	Calls          []string // the stubs' invocations during the run, in order
}

// Run executes script as Pulumi does, its text as the command and stdin on
// its standard input, with only the stubs and the system's directories on
// PATH. It fails the test if a secret leaks.
func (h *Host) Run(script, stdin string) Result {
	h.t.Helper()
	for _, f := range []string{"calls", "env"} {
		h.Must(os.RemoveAll(filepath.Join(h.State, f)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Env = []string{"PATH=" + h.Bin + ":/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + h.Dir, "HCLOUD_K3S_ROOT=" + h.Root}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err, Calls: Lines(h.StateFile("calls"))}
	h.checkNoSecret(res)
	return res
}

// MustRun runs the script and fails the test if it fails.
func (h *Host) MustRun(script, stdin string) Result {
	h.t.Helper()
	res := h.Run(script, stdin)
	if res.Err != nil {
		h.t.Fatalf("script failed: %v\nstdout:\n%s\nstderr:\n%s", res.Err, res.Stdout, res.Stderr)
	}
	return res
}

// MustFail runs the script, expecting it to fail with stderr exactly the
// error want, as the prelude's fail prints it.
func (h *Host) MustFail(script, stdin, want string) Result {
	h.t.Helper()
	res := h.Run(script, stdin)
	if res.Err == nil {
		h.t.Fatalf("script succeeded, want failure %q\nstdout:\n%s", want, res.Stdout)
	}
	if got := res.Stderr; got != "hcloud-k3s: error: "+want+"\n" {
		h.t.Errorf("stderr = %q, want the error %q", got, want)
	}
	return res
}

func (h *Host) checkNoSecret(res Result) {
	h.t.Helper()
	places := []struct{ name, text string }{{"stdout", res.Stdout}, {"stderr", res.Stderr},
		{"stub arguments", h.StateFile("calls")}, {"stub environments", h.StateFile("env")}}
	for _, secret := range h.Secrets {
		for _, p := range places {
			if strings.Contains(p.text, secret) {
				h.t.Errorf("the secret %q appears in the %s:\n%s", secret, p.name, p.text)
			}
		}
	}
}

// Called lists the calls that start with prefix.
func (r Result) Called(prefix string) []string {
	var out []string
	for _, c := range r.Calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// AssertCalls checks the calls that start with prefix, in order; no want
// means no such call.
func (r Result) AssertCalls(t testing.TB, prefix string, want ...string) {
	t.Helper()
	if got := r.Called(prefix); !slices.Equal(got, want) {
		t.Errorf("calls starting %q = %q, want %q", prefix, got, want)
	}
}

// Says checks that the script logged message, as a line of its own.
func (r Result) Says(t testing.TB, message string) {
	t.Helper()
	if !slices.Contains(Lines(r.Stdout), "hcloud-k3s: "+message) {
		t.Errorf("stdout lacks %q:\n%s", "hcloud-k3s: "+message, r.Stdout)
	}
}

// Lines splits text into lines; empty text has none.
func Lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

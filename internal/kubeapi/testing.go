package kubeapi

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// shared is the control plane of a test package, started by its first test
// that asks for it, from the binaries Main found.
var shared struct {
	bin    string
	built  error
	once   sync.Once
	server *Server
	err    error
}

// Main is a test package's TestMain: it builds the binaries when missing
// before m.Run, whose -timeout alarm would otherwise count a cold build
// against the tests (testing.go: (*M).Run starts it), runs the tests, and
// stops the package's control plane if one started. go test itself kills a
// test binary at -timeout plus a minute from its start (cmd/go's test.go,
// testKillTimeout), build included: so Main waits for the build at most
// buildBudget, and then the tests that need the server skip, outside CI,
// while the build goes on (.ci/run builds first, with no timeout).
func Main(m *testing.M) {
	flag.Parse()
	shared.bin, shared.built = Binaries(buildBudget())
	if shared.built != nil && !errors.Is(shared.built, ErrStillBuilding) {
		fmt.Fprintln(os.Stderr, "kubeapi:", shared.built)
		os.Exit(1)
	}
	code := m.Run()
	if shared.server != nil {
		shared.server.Stop()
	}
	os.Exit(code)
}

// buildBudget leaves the tests three minutes of go test's -timeout; with no
// timeout, the build takes as long as it takes.
func buildBudget() time.Duration {
	timeout := flag.Lookup("test.timeout").Value.(flag.Getter).Get().(time.Duration)
	if timeout <= 0 {
		return 0
	}
	return max(timeout-3*time.Minute, time.Minute)
}

// Shared is the package's control plane, started on the first call; tests
// share it, each with Nodes and namespaces of its own names. While the
// binaries are still being built it skips the test, but in CI (CI set),
// where every test must run.
func Shared(t testing.TB) *Server {
	t.Helper()
	switch {
	case errors.Is(shared.built, ErrStillBuilding) && os.Getenv("CI") == "":
		t.Skip("kubeapi: the Kubernetes binaries are still being built (a cold build takes minutes): run the tests again once it is done")
	case shared.built != nil:
		t.Fatal(shared.built)
	case shared.bin == "":
		t.Fatal("kubeapi: the package's TestMain must call kubeapi.Main")
	}
	shared.once.Do(func() { shared.server, shared.err = Start(shared.bin) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.server
}

// Run runs kubectl with the admin kubeconfig, stdin on its standard input.
func (s *Server) Run(stdin string, args ...string) (string, error) {
	cmd := exec.Command(s.Kubectl, append([]string{"--kubeconfig", s.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), err
}

// Must runs kubectl and fails the test if it fails.
func (s *Server) Must(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	out, err := s.Run(stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Namespace creates a namespace for the test, deleted after it, and waits
// for its default ServiceAccount: the controller manager makes it, and the
// API server refuses pods before it exists.
func (s *Server) Namespace(t testing.TB, name string) {
	t.Helper()
	s.Must(t, "", "create", "namespace", name)
	t.Cleanup(func() { s.Run("", "delete", "namespace", name, "--wait=false") })
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if _, err := s.Run("", "get", "serviceaccount", "default", "-n", name); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("namespace %s has no default ServiceAccount after a minute: is the controller manager running?", name)
		}
	}
}

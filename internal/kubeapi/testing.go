package kubeapi

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// shared is the control plane of a test package, started by its first test
// that asks for it.
var shared struct {
	once   sync.Once
	server *Server
	err    error
}

// Main is a test package's TestMain: it builds the binaries when missing
// before m.Run, whose -timeout alarm would otherwise count a cold build
// against the tests (testing.go: (*M).Run starts it), runs the tests, and
// stops the package's control plane if one started.
func Main(m *testing.M) {
	if _, err := Binaries(); err != nil {
		fmt.Fprintln(os.Stderr, "kubeapi:", err)
		os.Exit(1)
	}
	code := m.Run()
	if shared.server != nil {
		shared.server.Stop()
	}
	os.Exit(code)
}

// Shared is the package's control plane, started on the first call; tests
// share it, each with Nodes and namespaces of its own names.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		bin, err := Binaries()
		if err != nil {
			shared.err = err
			return
		}
		shared.server, shared.err = Start(bin)
	})
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

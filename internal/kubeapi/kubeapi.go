// Package kubeapi runs a real Kubernetes control plane on loopback for
// tests: etcd, kube-apiserver and kube-controller-manager, built from
// Kubernetes' own modules (see Binaries), with a kubeconfig and the real
// kubectl. There is no kubelet and no scheduler: Nodes are objects a test
// creates, and pods run nowhere. It is for tests only; nothing the program
// or the plugin builds imports it.
package kubeapi

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// startTimeout bounds the wait for /readyz.
const startTimeout = 2 * time.Minute

// Server is a running control plane.
type Server struct {
	URL        string // https://127.0.0.1:PORT
	Kubeconfig string // a cluster admin's (group system:masters), by static token
	Kubectl    string // the path of the real kubectl
	Version    string // what the API server reports, as v1.36.3
	dir        string
	procs      []*process
}

// process is one running binary, its output in log.
type process struct {
	name, log string
	cmd       *exec.Cmd
	exited    chan struct{}
}

// Start starts a control plane from the binaries in bin, its data and
// certificates in a new temporary directory, and waits until it is ready.
func Start(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "kubeapi-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, Kubectl: filepath.Join(bin, "kubectl"), Kubeconfig: filepath.Join(dir, "kubeconfig")}
	if err := s.start(bin); err != nil {
		err = fmt.Errorf("%w%s", err, s.logs())
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(bin string) error {
	if err := writeCerts(s.dir); err != nil {
		return err
	}
	token := rand.Text()
	if err := os.WriteFile(s.path("tokens.csv"), []byte(token+",admin,admin,system:masters\n"), 0o600); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL, peerURL := "http://127.0.0.1:"+ports[0], "http://127.0.0.1:"+ports[1]
	s.URL = "https://127.0.0.1:" + ports[2]
	if err := s.run(bin, "etcd", "--data-dir", s.path("etcd"), "--log-level", "warn", "--unsafe-no-fsync",
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL, "--initial-cluster", "default="+peerURL); err != nil {
		return err
	}
	if err := s.run(bin, "kube-apiserver", apiserverFlags(s, etcdURL, ports[2])...); err != nil {
		return err
	}
	if err := s.writeKubeconfig(token); err != nil {
		return err
	}
	if err := s.waitReady(token); err != nil {
		return err
	}
	return s.run(bin, "kube-controller-manager", controllerManagerFlags(s)...)
}

// apiserverFlags are close to what k3s gives its API server (k3s
// pkg/daemons/control/server.go): RBAC, privileged containers allowed, and
// k3s's service range.
func apiserverFlags(s *Server, etcdURL, port string) []string {
	return []string{
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", port,
		"--tls-cert-file", s.path("server.crt"), "--tls-private-key-file", s.path("server.key"),
		"--client-ca-file", s.path("ca.crt"), "--token-auth-file", s.path("tokens.csv"),
		"--authorization-mode", "Node,RBAC", "--allow-privileged=true",
		"--service-cluster-ip-range", "10.43.0.0/16",
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", s.path("sa.pub"), "--service-account-signing-key-file", s.path("sa.key"),
		// The default reconciler writes the advertise address into the
		// kubernetes Endpoints, and validation refuses a loopback one.
		"--endpoint-reconciler-type", "none",
	}
}

// controllerManagerFlags run every controller but the node-lifecycle one:
// with no kubelet posting status, it would find each Node unreachable, taint
// it and evict its pods (kube-controller-manager's names/controller_names.go
// names it). So no taint follows a cordon either: that controller adds
// node.kubernetes.io/unschedulable.
func controllerManagerFlags(s *Server) []string {
	return []string{
		"--kubeconfig", s.Kubeconfig, "--controllers", "*,-node-lifecycle-controller",
		"--leader-elect=false", "--secure-port", "0", "--use-service-account-credentials=false",
		"--service-account-private-key-file", s.path("sa.key"), "--root-ca-file", s.path("ca.crt"),
	}
}

func (s *Server) path(name string) string { return filepath.Join(s.dir, name) }

// run starts a binary, its output going to a log file in the data directory.
func (s *Server) run(bin, name string, args ...string) error {
	log, err := os.Create(s.path(name + ".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	p := &process{name: name, log: log.Name(), cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	s.procs = append(s.procs, p)
	return nil
}

func (s *Server) writeKubeconfig(token string) error {
	ca, err := os.ReadFile(s.path("ca.crt"))
	if err != nil {
		return err
	}
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: kubeapi
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: kubeapi
  context: {cluster: kubeapi, user: admin}
current-context: kubeapi
`, s.URL, base64.StdEncoding.EncodeToString(ca), token)
	return os.WriteFile(s.Kubeconfig, []byte(config), 0o600)
}

// waitReady polls /readyz until it answers ok, or a process exits, then
// reads the server's version.
func (s *Server) waitReady(token string) error {
	ca, err := os.ReadFile(s.path("ca.crt"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return client.Do(req)
	}
	for deadline := time.Now().Add(startTimeout); ; time.Sleep(200 * time.Millisecond) {
		if p := s.exited(); p != nil {
			return fmt.Errorf("%s exited: %v", p.name, p.cmd.ProcessState)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the API server was not ready within %v", startTimeout)
		}
		if resp, err := get("/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
	}
	resp, err := get("/version")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var version struct{ GitVersion string }
	if err := json.NewDecoder(resp.Body).Decode(&version); err != nil {
		return err
	}
	s.Version = version.GitVersion
	return nil
}

func (s *Server) exited() *process {
	for _, p := range s.procs {
		select {
		case <-p.exited:
			return p
		default:
		}
	}
	return nil
}

// logs is the tail of each process's log, to explain a failed start.
func (s *Server) logs() string {
	var b strings.Builder
	for _, p := range s.procs {
		data, _ := os.ReadFile(p.log)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "\n== %s (last lines of %s)\n%s", p.name, p.log, strings.Join(lines[max(0, len(lines)-20):], "\n"))
	}
	return b.String()
}

// Stop stops the processes, the controller manager first, and removes the
// data directory.
func (s *Server) Stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		p := s.procs[i]
		p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	}
	os.RemoveAll(s.dir)
}

// freePorts finds n loopback ports that nothing listens on, held open
// together so that they differ.
func freePorts(n int) ([]string, error) {
	var ports []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}

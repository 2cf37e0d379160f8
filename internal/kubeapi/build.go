package kubeapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// binaries are the commands the harness runs, by the package that builds
// each in the build module (build/go.mod names them as its tools).
var binaries = map[string]string{
	"etcd":                    "./etcd",
	"kube-apiserver":          "k8s.io/kubernetes/cmd/kube-apiserver",
	"kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
	"kubectl":                 "k8s.io/kubernetes/cmd/kubectl",
}

// buildModule is the directory of the module the binaries are built from:
// build/ beside this file, a module of its own so that k8s.io/kubernetes
// stays out of the project's go.mod.
func buildModule() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "build")
}

// kubernetesVersion is the release of k8s.io/kubernetes the build module requires.
var kubernetesVersion = regexp.MustCompile(`(?m)^\s*k8s\.io/kubernetes (v[0-9.]+)\b`)

// ErrStillBuilding is Binaries' answer when the binaries were not built in
// the time it was given: the build goes on without it.
var ErrStillBuilding = errors.New("the Kubernetes binaries are still being built")

// Binaries returns the directory holding the binaries, building them first
// when missing: into the user's cache directory, outside the repository,
// under a name that changes with the build module, and under a file lock so
// that test packages running in parallel build them once. A cold build takes
// minutes (see docs/testing.md); the module proxy is the only network it
// uses. It waits at most within (0: as long as it takes), then returns
// ErrStillBuilding while the build goes on, the lock with it.
func Binaries(within time.Duration) (string, error) {
	module := buildModule()
	version, key, err := buildKey(module)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	base := filepath.Join(cache, "hcloud-k3s")
	dir := filepath.Join(base, "kube-"+version+"-"+key)
	if complete(dir) {
		return dir, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	var deadline <-chan time.Time
	if within > 0 {
		deadline = time.After(within)
	}
	lockFile, err := lock(dir+".lock", deadline)
	if err != nil {
		return "", err
	}
	defer lockFile.Close()
	if complete(dir) { // built by another package while this one waited
		return dir, nil
	}
	return dir, build(module, version, dir, lockFile, deadline)
}

// buildKey is the Kubernetes version the module builds and a hash of the
// files that decide the binaries.
func buildKey(module string) (version, key string, err error) {
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum", "etcd/main.go"} {
		data, err := os.ReadFile(filepath.Join(module, f))
		if err != nil {
			return "", "", err
		}
		h.Write(data)
		if f == "go.mod" {
			m := kubernetesVersion.FindSubmatch(data)
			if m == nil {
				return "", "", fmt.Errorf("%s/go.mod requires no k8s.io/kubernetes release", module)
			}
			version = string(m[1])
		}
	}
	return version, hex.EncodeToString(h.Sum(nil))[:12], nil
}

func complete(dir string) bool {
	for name := range binaries {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return false
		}
	}
	return true
}

// lock takes an exclusive lock on path, held while the file it returns (or
// a copy of it in a child process) is open; it gives up at the deadline.
func lock(path string, deadline <-chan time.Time) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, err
		}
		select {
		case <-deadline:
			f.Close()
			return nil, ErrStillBuilding
		case <-time.After(time.Second):
		}
	}
}

// build builds the binaries into a scratch directory that then becomes
// dir, so that a build cut short leaves nothing that looks complete. The
// build is a process of its own that holds the lock: when the test binary
// stops waiting, or go test kills it, the build goes on. The version is
// stamped as Kubernetes' own build does (hack/lib/version.sh), so the API
// server reports it: unstamped, it says v0.0.0-master.
func build(module, version, dir string, lockFile *os.File, deadline <-chan time.Time) error {
	fmt.Fprintf(os.Stderr, "kubeapi: building Kubernetes %s binaries into %s (minutes, once; log in %s.log)\n", version, dir, dir)
	scratch, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	major, minor, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	var ldflags []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		ldflags = append(ldflags, "-X", pkg+".gitVersion="+version, "-X", pkg+".gitMajor="+major, "-X", pkg+".gitMinor="+minor)
	}
	args := []string{"-c", `go build "$@" && rm -rf "$DIR" && mv "$SCRATCH" "$DIR" || { status=$?; rm -rf "$SCRATCH"; exit $status; }`,
		"kubeapi-build", "-trimpath", "-ldflags", strings.Join(ldflags, " "), "-o", scratch + "/"}
	for _, pkg := range binaries {
		args = append(args, pkg)
	}
	log, err := os.Create(dir + ".log")
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command("bash", args...)
	cmd.Dir = module
	cmd.Env = append(os.Environ(), "GOWORK=off", "DIR="+dir, "SCRATCH="+scratch)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.ExtraFiles = []*os.File{lockFile}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("go build in %s: %v\n%s", module, err, out)
		}
		return nil
	case <-deadline:
		return ErrStillBuilding
	}
}

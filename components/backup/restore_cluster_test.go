package backup

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
)

const testSSHKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-test-key\n-----END OPENSSH PRIVATE KEY-----"

// operator is the machine that runs restore-cluster.sh: pulumi answers from
// $state/control-plane-ips (JSON), and ssh runs the node tools as stubs that
// fail on the servers listed in $state/fails-<tool>.
func operator(t *testing.T, ips string) *shelltest.Host {
	h := shelltest.New(t)
	h.Secrets = []string{testSSHKey}
	h.Set("control-plane-ips", ips)
	h.Set("ssh-key", testSSHKey+"\n")
	h.Stub("pulumi", `case "$*" in
  "stack output sshPrivateKey --show-secrets") cat "$state/ssh-key" ;;
  "stack output controlPlaneIps --json") cat "$state/control-plane-ips" ;;
  *) exit 1 ;;
esac`)
	// ssh logs "root@SERVER COMMAND", and checks it was given the stack's key.
	h.StubAt(filepath.Join(h.Bin, "ssh"), "ssh", `$(printf '%s ' "$@" | sed 's/.*root@/root@/; s/ $//')`, `key=$2 server=${7#root@} tool=$8
cmp -s "$key" "$state/ssh-key" || { echo "Permission denied (publickey)." >&2; exit 255; }
if grep -qxF "$server" "$state/fails-$tool" 2>/dev/null; then echo "hcloud-k3s: error: $tool failed on $server" >&2; exit 1; fi`)
	return h
}

// restoreCluster is the command line that runs the repository's script, as an operator would.
func restoreCluster(t *testing.T, snapshot string) string {
	path, err := filepath.Abs("restore-cluster.sh")
	if err != nil {
		t.Fatal(err)
	}
	return "bash " + shell.Quote(path) + " " + snapshot
}

const threeServers = `[
  "203.0.113.1",
  "203.0.113.2",
  "203.0.113.3"
]`

func TestRestoreClusterRestoresTheFirstThenRejoinsTheOthers(t *testing.T) {
	h := operator(t, threeServers)
	res := h.MustRun(restoreCluster(t, "snap-1"), "")
	want := []string{
		"ssh root@203.0.113.1 hcloud-k3s-etcd-restore snap-1 --check",
		"ssh root@203.0.113.2 systemctl stop k3s",
		"ssh root@203.0.113.3 systemctl stop k3s",
		"ssh root@203.0.113.1 hcloud-k3s-etcd-restore snap-1",
		"ssh root@203.0.113.2 hcloud-k3s-etcd-rejoin",
		"ssh root@203.0.113.3 hcloud-k3s-etcd-rejoin",
	}
	if got := res.Called("ssh "); !slices.Equal(got, want) {
		t.Errorf("ssh calls:\n got %q\nwant %q", got, want)
	}
	res.Says(t, "restored snap-1 on 3 control-plane server(s)")
}

func TestRestoreClusterOfOneServerHasNothingToRejoin(t *testing.T) {
	h := operator(t, `["203.0.113.1"]`)
	res := h.MustRun(restoreCluster(t, "snap-1"), "")
	res.AssertCalls(t, "ssh ", "ssh root@203.0.113.1 hcloud-k3s-etcd-restore snap-1 --check", "ssh root@203.0.113.1 hcloud-k3s-etcd-restore snap-1")
}

func TestRestoreClusterStopsNothingWhenTheCheckFails(t *testing.T) {
	h := operator(t, threeServers)
	h.SetLines("fails-hcloud-k3s-etcd-restore", "203.0.113.1")
	res := h.MustFail(restoreCluster(t, "snap-1"), "", "hcloud-k3s-etcd-restore failed on 203.0.113.1")
	res.AssertCalls(t, "ssh ", "ssh root@203.0.113.1 hcloud-k3s-etcd-restore snap-1 --check")
}

func TestRestoreClusterNamesAMemberThatDoesNotRejoin(t *testing.T) {
	h := operator(t, threeServers)
	h.SetLines("fails-hcloud-k3s-etcd-rejoin", "203.0.113.2")
	res := h.Run(restoreCluster(t, "snap-1"), "")
	if want := "hcloud-k3s: error: hcloud-k3s-etcd-rejoin failed on 203.0.113.2\nhcloud-k3s: error: 203.0.113.2 did not re-join; run hcloud-k3s-etcd-rejoin there again\n"; res.Stderr != want {
		t.Errorf("stderr = %q, want %q", res.Stderr, want)
	}
}

func TestRestoreClusterWantsASnapshotName(t *testing.T) {
	h := operator(t, threeServers)
	res := h.MustFail(restoreCluster(t, ""), "", "usage: restore-cluster.sh SNAPSHOT (k3s etcd-snapshot ls on a control-plane server lists them)")
	res.AssertCalls(t, "ssh ")
}

func TestRestoreClusterPassesShellcheck(t *testing.T) {
	script, err := os.ReadFile("restore-cluster.sh")
	if err != nil {
		t.Fatal(err)
	}
	// SC1091: the prelude it sources is linted with every node script.
	shelltest.Shellcheck(t, string(script), "SC1091")
}

func TestRestoreClusterUsesTheUsersKeyWhenTheStackHasNone(t *testing.T) {
	h := operator(t, threeServers)
	h.Set("ssh-key", "")
	h.MustFail(restoreCluster(t, "snap-1"), "", "the stack exports no sshPrivateKey: set SSH_KEY to the file of your ssh.privateKey")
	// The ssh stub accepts the key it finds in $state/ssh-key; the user's file holds the same one.
	h.Set("ssh-key", testSSHKey+"\n")
	keyFile := filepath.Join(h.Dir, "id_ed25519")
	h.Must(os.WriteFile(keyFile, []byte(testSSHKey+"\n"), 0o600))
	res := h.MustRun("SSH_KEY="+shell.Quote(keyFile)+" "+restoreCluster(t, "snap-1"), "")
	res.AssertCalls(t, "pulumi stack output sshPrivateKey")
}

package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
)

const (
	testAccessKey = "AKIAEXAMPLE"
	testSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	// savedSnapshot is the name the k3s stub gives a snapshot saved as "pre-change".
	savedSnapshot = "pre-change-prod-cp-1-1764547200"
)

// testS3 is the bucket "backups" on Hetzner Object Storage in nbg1, folder "prod".
var testS3 = config.S3{Endpoint: "nbg1.your-objectstorage.com", Region: "nbg1", Bucket: "backups", Folder: "prod",
	AccessKey: testAccessKey, SecretKey: testSecretKey}

// curlStub answers like S3 and like a k3s server's /ping, from state files:
//   - s3-offline: no connection (curl exit 6, status 000)
//   - s3-credentials: the "access:secret" S3 accepts; anything else gets 403
//   - s3-objects: the keys that exist ("bucket/" for a bucket, "bucket/folder/name" for a snapshot)
//   - ping: the /ping URLs that answer
//
// The credentials come on stdin as curl config (-K -); the stub never prints them.
const curlStub = `url= prev= sigv4=
for a; do [ "$prev" != --aws-sigv4 ] || sigv4=$a; case $a in https://*) url=$a ;; esac; prev=$a; done
case $url in
  */ping) grep -qxF "$url" "$state/ping" 2>/dev/null && echo pong; exit $? ;;
esac
config=$(cat)
[ ! -f "$state/s3-offline" ] || { printf 000; exit 6; }
[ "$sigv4" = "aws:amz:nbg1:s3" ] || { printf 400; exit 0; }
[ "$config" = "user = \"$(cat "$state/s3-credentials")\"" ] || { printf 403; exit 0; }
key=${url#https://nbg1.your-objectstorage.com/}
if grep -qxF "$key" "$state/s3-objects"; then printf 200; else printf 404; fi`

// k3sStub saves snapshots (uploading them unless $state/upload-fails), resets
// the cluster from a snapshot, and answers /readyz, asked with the admin
// kubeconfig, while $state/active exists and $state/api-down does not.
const k3sStub = `case "$1 $2" in
  "etcd-snapshot save")
    [ ! -f "$state/save-fails" ] || { echo 'time="2026-12-01T00:00:00Z" level=fatal msg="see server log for details: snapshot save already in progress"' >&2; exit 1; }
    name=$4-prod-cp-1-1764547200
    echo "time=\"2026-12-01T00:00:00Z\" level=info msg=\"Snapshot $name saved.\"" >&2
    [ -f "$state/upload-fails" ] || echo "backups/prod/$name" >>"$state/s3-objects" ;;
  "server --cluster-reset") [ ! -f "$state/reset-fails" ] || { echo "failed to download snapshot from S3" >&2; exit 1; }
    echo "Managed etcd cluster membership has been reset, restart without --cluster-reset flag now." ;;
  "kubectl --kubeconfig") [ "$4 $5" = "get --raw=/readyz" ] && [ -f "$state/active" ] && [ ! -f "$state/api-down" ] ;;
  *) exit 1 ;;
esac`

const systemctlStub = `case $1 in
  stop) rm -f "$state/active" ;;
  start) [ ! -f "$state/start-fails" ] && touch "$state/active" ;;
  *) exit 1 ;;
esac`

// newNode is a running control-plane node whose S3 bucket "backups" holds
// the snapshot "old-snapshot", with the node's credentials in its drop-in.
func newNode(t *testing.T) *shelltest.Host {
	t.Helper()
	h := shelltest.New(t)
	h.Secrets = []string{testSecretKey}
	h.Stub("curl", curlStub)
	h.Stub("k3s", k3sStub)
	h.Stub("systemctl", systemctlStub)
	h.Stub("sleep", "exit 0")
	h.Set("s3-credentials", testAccessKey+":"+testSecretKey)
	h.SetLines("s3-objects", "backups/", "backups/prod/old-snapshot")
	h.Set("active", "")
	writeFile(h, k3s.S3SecretDropInPath, k3s.S3SecretDropIn(testSecretKey))
	return h
}

func writeFile(h *shelltest.Host, path, content string) {
	file := filepath.Join(h.Root, path)
	h.Must(os.MkdirAll(filepath.Dir(file), 0o755))
	h.Must(os.WriteFile(file, []byte(content), 0o600))
}

// withArgs runs a tool as `tool ARGS...`.
func withArgs(script string, args ...string) string {
	return "set -- " + strings.Join(args, " ") + "\n" + script
}

// s3Failures are the ways S3 can fail a check, with the error each gives
// before its consequence.
var s3Failures = []struct {
	name  string
	setup func(h *shelltest.Host)
	error string
}{
	{"bucket unreachable", func(h *shelltest.Host) { h.Set("s3-offline", "") },
		"cannot reach S3 at https://nbg1.your-objectstorage.com (curl exit status 6): check etcdSnapshots.s3.endpoint and the node's connection"},
	{"wrong credentials", func(h *shelltest.Host) { h.Set("s3-credentials", testAccessKey+":another-secret") },
		"S3 refused the credentials for bucket backups (HTTP 403): check etcdSnapshots.s3.accessKey and secretKey"},
	{"bucket missing", func(h *shelltest.Host) { h.SetLines("s3-objects") },
		"S3 bucket backups does not exist at nbg1.your-objectstorage.com (HTTP 404): create it or fix etcdSnapshots.s3.bucket"},
	{"secret key not on the node", func(h *shelltest.Host) { h.Must(os.Remove(filepath.Join(h.Root, k3s.S3SecretDropInPath))) },
		"no S3 secret key in " + k3s.S3SecretDropInPath + ": run pulumi up to write it"},
}

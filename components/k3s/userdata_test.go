package k3s

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestServerUserDataLetsTheKeysInAndDownloadsTheRelease(t *testing.T) {
	data, err := ServerUserData([]string{"ssh-ed25519 AAAA cluster\n", "ssh-ed25519 BBBB ops@example.com"}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(data, "#cloud-config\n") {
		t.Fatalf("not cloud-config: %q", data)
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		// Without a Hetzner SSH key the server gets a root password: logins by password are off.
		"ssh_pwauth":          false,
		"ssh_authorized_keys": []any{"ssh-ed25519 AAAA cluster", "ssh-ed25519 BBBB ops@example.com"},
		"write_files": []any{map[string]any{
			"path": "/usr/local/lib/hcloud-k3s/download-k3s.sh", "permissions": "0700", "content": DownloadScript(testVersion),
		}},
		"runcmd": []any{[]any{"bash", "/usr/local/lib/hcloud-k3s/download-k3s.sh"}},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("user data:\n%v\nwant\n%v", doc, want)
	}
}

package k3s

import (
	_ "embed"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
	"sigs.k8s.io/yaml"
)

//go:embed download.sh
var downloadBody string

// DownloadDir is where a new server's cloud-init puts the k3s release its
// install uses (DownloadScript), one directory per version.
const DownloadDir = "/var/lib/hcloud-k3s/download"

const downloadScriptPath = "/usr/local/lib/hcloud-k3s/download-k3s.sh"

// DownloadScript downloads the k3s release version into DownloadDir while
// the server boots.
func DownloadScript(version string) string {
	return shell.Script([]shell.Param{
		{Name: "version", Value: version},
		{Name: "download_dir", Value: DownloadDir},
	}, downloadBody)
}

// ServerUserData is the user data of a server hcloud-k3s creates: root logs
// in with the authorized keys only (without a Hetzner SSH key, a server
// gets a root password: password logins are off), and cloud-init downloads
// the k3s release version while Pulumi still waits for the server's
// actions, so that the install only configures and starts k3s.
func ServerUserData(authorizedKeys []string, version string) (string, error) {
	return userData(cloudConfig{
		SSHAuthorizedKeys: authorizedKeys,
		WriteFiles:        []cloudFile{{Path: downloadScriptPath, Permissions: "0700", Content: DownloadScript(version)}},
		RunCmd:            [][]string{{"bash", downloadScriptPath}},
	})
}

// cloudConfig is the part of cloud-init's #cloud-config that hcloud-k3s uses.
type cloudConfig struct {
	SSHPasswordAuth   bool        `json:"ssh_pwauth"`
	SSHAuthorizedKeys []string    `json:"ssh_authorized_keys"`
	WriteFiles        []cloudFile `json:"write_files"`
	RunCmd            [][]string  `json:"runcmd"`
}

type cloudFile struct {
	Path        string `json:"path"`
	Permissions string `json:"permissions"`
	Content     string `json:"content"`
}

// userData renders c as cloud-init user data.
func userData(c cloudConfig) (string, error) {
	keys := make([]string, len(c.SSHAuthorizedKeys))
	for i, key := range c.SSHAuthorizedKeys {
		keys[i] = strings.TrimSpace(key)
	}
	c.SSHAuthorizedKeys = keys
	doc, err := yaml.Marshal(c)
	if err != nil {
		return "", err
	}
	return "#cloud-config\n" + string(doc), nil
}

package config

import (
	"fmt"

	"golang.org/x/crypto/ssh"
)

// SSHInput is the `ssh` key. PrivateKey is a secret: it is validated here and
// only ever leaves this package wrapped in a Pulumi secret.
type SSHInput struct {
	PrivateKey     string   `json:"privateKey" secret:"true"`
	AuthorizedKeys []string `json:"authorizedKeys"`
}

// SSH holds the key Pulumi uses to reach the servers, and humans' keys.
type SSH struct {
	PrivateKey     string // "" means: generate one
	AuthorizedKeys []string
}

// GeneratesKey tells whether hcloud-k3s makes (and exports) the key pair.
func (s SSH) GeneratesKey() bool { return s.PrivateKey == "" }

func resolveSSH(p *problems, in SSHInput) SSH {
	if in.PrivateKey != "" {
		if _, err := ssh.ParsePrivateKey([]byte(in.PrivateKey)); err != nil {
			// Never echo the value: it is a secret.
			p.addKey("ssh.privateKey", "(secret) is not an unencrypted OpenSSH or PEM private key: %v", err)
		}
	}
	for i, key := range in.AuthorizedKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(key)); err != nil {
			p.add(fmt.Sprintf("ssh.authorizedKeys[%d]", i), key, "is not an OpenSSH public key line such as \"ssh-ed25519 AAAA... you@host\"")
		}
	}
	return SSH{PrivateKey: in.PrivateKey, AuthorizedKeys: in.AuthorizedKeys}
}

// Package sshkey provides the key Pulumi uses to reach the servers: the
// user's, or an ED25519 key pair generated and kept in state. Its public half
// reaches new servers through cloud-init, not as a Hetzner SSH key: Hetzner
// refuses a second key with the same fingerprint in a project
// ("uniqueness_error", terraform-provider-hcloud#12), so two stacks (dev and
// prod) given the same ssh.privateKey could not both register it.
package sshkey

import (
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"golang.org/x/crypto/ssh"
)

// Args configures the key.
type Args struct {
	PrivateKey string // "" generates a key pair
}

// Key is the SSH key pair.
type Key struct {
	pulumi.ResourceState

	PublicKey  pulumi.StringOutput `pulumi:"publicKey"`  // an authorized_keys line
	PrivateKey pulumi.StringOutput `pulumi:"privateKey"` // secret
}

// New registers the SSH key component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Key, error) {
	k := &Key{}
	if err := ctx.RegisterComponentResource(component.Type("SSHKey"), name, k, opts...); err != nil {
		return nil, err
	}
	if args.PrivateKey == "" {
		pair, err := tls.NewPrivateKey(ctx, name, &tls.PrivateKeyArgs{Algorithm: pulumi.String("ED25519")}, pulumi.Parent(k))
		if err != nil {
			return nil, err
		}
		k.PrivateKey = pulumi.ToSecret(pair.PrivateKeyOpenssh).(pulumi.StringOutput)
		k.PublicKey = pair.PublicKeyOpenssh.ApplyT(strings.TrimSpace).(pulumi.StringOutput)
	} else {
		k.PrivateKey = pulumi.ToSecret(pulumi.String(args.PrivateKey)).(pulumi.StringOutput)
		// Deriving the public key in an apply keeps the private key secret end to end.
		k.PublicKey = pulumi.Unsecret(k.PrivateKey.ApplyT(PublicKey)).(pulumi.StringOutput)
	}
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"publicKey": k.PublicKey})
}

// PublicKey returns the authorized_keys line of a private key.
func PublicKey(privateKey string) (string, error) {
	signer, err := ssh.ParsePrivateKey([]byte(privateKey))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))), nil
}

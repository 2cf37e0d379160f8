// Package sshkey provides the key Pulumi uses to reach the servers: the
// user's, or an ED25519 key pair generated and kept in state.
package sshkey

import (
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/internal/ids"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"golang.org/x/crypto/ssh"
)

// Args configures the key.
type Args struct {
	Name       string // the cluster name
	PrivateKey string // "" generates a key pair
	Labels     map[string]string
}

// Key is the SSH key registered at Hetzner and its private half.
type Key struct {
	pulumi.ResourceState

	KeyID      pulumi.StringOutput `pulumi:"keyId"`
	PrivateKey pulumi.StringOutput `pulumi:"privateKey"` // secret
}

// New registers the SSH key component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Key, error) {
	k := &Key{}
	if err := ctx.RegisterComponentResource(ids.ComponentType("SSHKey"), name, k, opts...); err != nil {
		return nil, err
	}
	var publicKey pulumi.StringOutput
	if args.PrivateKey == "" {
		pair, err := tls.NewPrivateKey(ctx, name, &tls.PrivateKeyArgs{Algorithm: pulumi.String("ED25519")}, pulumi.Parent(k))
		if err != nil {
			return nil, err
		}
		k.PrivateKey = pulumi.ToSecret(pair.PrivateKeyOpenssh).(pulumi.StringOutput)
		publicKey = pair.PublicKeyOpenssh
	} else {
		k.PrivateKey = pulumi.ToSecret(pulumi.String(args.PrivateKey)).(pulumi.StringOutput)
		// Deriving the public key in an apply keeps the private key secret end to end.
		publicKey = k.PrivateKey.ApplyT(PublicKey).(pulumi.StringOutput)
		publicKey = pulumi.Unsecret(publicKey).(pulumi.StringOutput)
	}
	hkey, err := hcloud.NewSshKey(ctx, name, &hcloud.SshKeyArgs{
		Name:      pulumi.String(args.Name),
		PublicKey: publicKey,
		Labels:    pulumi.ToStringMap(args.Labels),
	}, pulumi.Parent(k), pulumi.DeleteBeforeReplace(true)) // key names are unique in a project
	if err != nil {
		return nil, err
	}
	k.KeyID = hkey.ID().ToStringOutput()
	return k, ctx.RegisterResourceOutputs(k, pulumi.Map{"keyId": k.KeyID})
}

// PublicKey returns the authorized_keys line of a private key.
func PublicKey(privateKey string) (string, error) {
	signer, err := ssh.ParsePrivateKey([]byte(privateKey))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))), nil
}

// Package stack is the hcloud-k3s program short of exporting: stack config →
// validated config → cluster component → stack outputs. main.go exports what
// it returns; tests run it under mocks.
package stack

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/cluster"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Build reads the stack config, validates it, registers the cluster and
// returns the stack outputs: the interface app stacks rely on (see docs/outputs.md).
func Build(ctx *pulumi.Context) (pulumi.Map, error) {
	in, err := readConfig(ctx)
	if err != nil {
		return nil, err
	}
	c, err := config.Resolve(ctx.Stack(), in)
	if err != nil {
		return nil, err
	}
	cl, err := cluster.New(ctx, cluster.Args{Config: c, HcloudToken: HcloudToken(ctx)})
	if err != nil {
		return nil, err
	}
	return cl.Outputs(), nil
}

// readConfig reads every `hcloud-k3s:` key the stack sets and decodes it
// strictly; an absent key keeps its zero value, which config.Resolve defaults.
func readConfig(ctx *pulumi.Context) (config.Input, error) {
	raw := map[string]string{}
	for _, key := range append(config.ConfigKeys(), cliConfigKeys(os.Getenv(pulumi.EnvConfig))...) {
		if value, ok := ctx.GetConfig(config.ConfigNamespace + key); ok {
			raw[key] = value
		}
	}
	return config.Decode(raw)
}

// cliConfigKeys lists the `hcloud-k3s:` keys, namespace removed, of the
// config the Pulumi CLI passes the program as JSON in PULUMI_CONFIG
// (pulumi-language-go constructEnv). The SDK looks keys up one by one and
// cannot list them, and a key the program never looks up would otherwise
// be ignored without a word.
func cliConfigKeys(env string) []string {
	var settings map[string]json.RawMessage
	if json.Unmarshal([]byte(env), &settings) != nil {
		return nil
	}
	var keys []string
	for key := range settings {
		if short, ok := strings.CutPrefix(key, config.ConfigNamespace); ok {
			keys = append(keys, short)
		}
	}
	return keys
}

// HcloudToken is the token the hcloud provider uses (hcloud:token, or the
// HCLOUD_TOKEN environment variable), as a secret; nil when neither is set.
func HcloudToken(ctx *pulumi.Context) pulumi.StringInput {
	token, ok := ctx.GetConfig("hcloud:token")
	if !ok {
		token = os.Getenv("HCLOUD_TOKEN")
	}
	if token == "" {
		return nil
	}
	return pulumi.ToSecret(pulumi.String(token)).(pulumi.StringOutput)
}

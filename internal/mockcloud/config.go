package mockcloud

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// The README's quick start has every user set two values: the hcloud token
// (`pulumi config set hcloud:token --secret`) and their own address in the
// SSH allowlist. StackConfig sets them to TestToken and OperatorCIDR; Run
// treats the token as a secret.
const (
	TokenKey     = "hcloud:token"
	TestToken    = "hcloud-test-token-0123456789abcdef0123456789abcdef0123456789abcdef01234567"
	OperatorCIDR = "198.51.100.7/32"
)

// StackConfig returns the config the Pulumi CLI would give the program for a
// stack: the project's defaults and values from Pulumi.yaml, overlaid with
// Pulumi.<stack>.yaml and the quick start's two settings, then with
// overrides (short keys, e.g. "firewall", each replacing the whole key).
// Values are JSON, as the CLI passes structured config.
func StackConfig(dir, stack string, overrides map[string]any) (map[string]string, error) {
	var project struct {
		Name   string                    `json:"name"`
		Config map[string]map[string]any `json:"config"`
	}
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &project); err != nil {
		return nil, err
	}
	values := map[string]any{}
	for key, decl := range project.Config {
		full := key
		if !strings.Contains(key, ":") {
			full = project.Name + ":" + key
		}
		if v, ok := decl["default"]; ok {
			values[full] = v
		} else if v, ok := decl["value"]; ok {
			values[full] = v
		}
	}
	var stackFile struct {
		Config map[string]any `json:"config"`
	}
	if err := readYAML(filepath.Join(dir, "Pulumi."+stack+".yaml"), &stackFile); err != nil {
		return nil, err
	}
	for key, v := range stackFile.Config {
		values[key] = v
	}
	values[TokenKey] = TestToken
	setOperatorAllowlist(values, project.Name+":firewall")
	for key, v := range overrides {
		values[project.Name+":"+key] = v
	}
	return encode(values)
}

func readYAML(path string, out any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// encode renders values as the CLI does: strings as they are, the rest as JSON.
func encode(values map[string]any) (map[string]string, error) {
	out := map[string]string{}
	for key, v := range values {
		if s, ok := v.(string); ok {
			out[key] = s
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", key, err)
		}
		out[key] = string(data)
	}
	return out, nil
}

// setOperatorAllowlist does what `pulumi config set --path
// 'firewall.sshAllowedCidrs[0]' <your address>` does to the firewall key.
func setOperatorAllowlist(values map[string]any, key string) {
	firewall, _ := values[key].(map[string]any)
	if firewall == nil {
		firewall = map[string]any{}
	}
	firewall["sshAllowedCidrs"] = []any{OperatorCIDR}
	values[key] = firewall
}

// CiliumK3s is the k3s config key of a cluster whose network is Cilium with
// opts, with the add-ons the stack files disable kept disabled.
func CiliumK3s(opts map[string]any) map[string]any {
	return map[string]any{"cni": "cilium", "disable": []any{"traefik", "servicelb"}, "cilium": opts}
}

package rules

import (
	"encoding/json"
	"fmt"
)

// settings are one policy's properties, JSON-decoded as the engine sends policy config.
type settings map[string]any

func (s settings) ints(key string, fallback []int) []int {
	return listSetting(s, key, fallback, func(v any) (int, bool) {
		n, ok := v.(float64)
		return int(n), ok && n == float64(int(n))
	})
}

func (s settings) strings(key string) []string {
	return listSetting(s, key, nil, func(v any) (string, bool) {
		str, ok := v.(string)
		return str, ok
	})
}

// listSetting reads a list setting, falling back when it is absent or holds a wrong type.
func listSetting[T any](s settings, key string, fallback []T, convert func(any) (T, bool)) []T {
	raw, isList := s[key].([]any)
	list, ok := convertAll(raw, convert)
	if !isList || !ok {
		return fallback
	}
	return list
}

// ConfigLookup reads a stack config value by "namespace:key", like (*pulumi.Context).GetConfig.
type ConfigLookup func(key string) (string, bool)

// stackSettings reads a stack policy's settings from the stack config key "<pack>:<policy>": policyx
// does not pass policy-pack config to stack policies (pulumi/pulumi#24657).
func stackSettings(lookup ConfigLookup, policy string) (settings, error) {
	key := PackName + ":" + policy
	raw, ok := lookup(key)
	if !ok {
		return settings{}, nil
	}
	var s settings
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, fmt.Errorf("stack config %s must be a JSON object of policy settings: %w", key, err)
	}
	return s, nil
}

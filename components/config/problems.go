package config

import (
	"fmt"
	"strings"
)

// ValidationError lists every problem found in a stack configuration, so a
// user fixes them all in one round.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid stack configuration (%d problem(s)):\n  - %s",
		len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// problems collects messages of the form `<key>: <value> <why and what is allowed>`.
type problems []string

func (p *problems) add(key string, value any, allowed string, args ...any) {
	*p = append(*p, fmt.Sprintf("%s%s: %s %s", ConfigNamespace, key, show(value), fmt.Sprintf(allowed, args...)))
}

// addKey reports a problem with a key without echoing its value, which may
// be a secret.
func (p *problems) addKey(key string, why string, args ...any) {
	*p = append(*p, fmt.Sprintf("%s%s: %s", ConfigNamespace, key, fmt.Sprintf(why, args...)))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Problems: p}
}

// ConfigNamespace prefixes every hcloud-k3s config key.
const ConfigNamespace = "hcloud-k3s:"

func show(value any) string {
	switch value.(type) {
	case string, []string:
		return fmt.Sprintf("%q", value)
	default:
		return fmt.Sprint(value)
	}
}

func or(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// valueOr is the value a pointer field was set to, or the default when unset.
func valueOr[T any](value *T, fallback T) T {
	if value == nil {
		return fallback
	}
	return *value
}

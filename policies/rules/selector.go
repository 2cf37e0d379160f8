package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// selector is a Kubernetes-style label selector, the syntax Hetzner uses for label_selector targets and firewalls.
type selector []requirement

type requirement struct {
	key    string
	op     string // one of the op* constants
	values []string
}

const (
	opEquals    = "="
	opNotEquals = "!="
	opIn        = "in"
	opNotIn     = "notin"
	opExists    = "exists"
	opNotExists = "!exists"
)

var (
	setRequirement = regexp.MustCompile(`^(\S+)\s+(in|notin)\s*\(([^()]*)\)$`)
	labelKey       = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$`)
	labelValue     = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$`)
)

// parseSelector parses forms like "a=b,c!=d,e,!f,g in (h,i),j notin (k)".
func parseSelector(s string) (selector, error) {
	var sel selector
	for _, term := range splitTopLevel(s) {
		req, err := parseRequirement(strings.TrimSpace(term))
		if err != nil {
			return nil, fmt.Errorf("label selector %q: %w", s, err)
		}
		sel = append(sel, req)
	}
	return sel, nil
}

// splitTopLevel splits at commas outside parentheses, so "a in (b,c)" stays whole.
func splitTopLevel(s string) []string {
	var terms []string
	depth, start := 0, 0
	for i, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			terms = append(terms, s[start:i])
			start = i + 1
		}
	}
	return append(terms, s[start:])
}

func parseRequirement(term string) (requirement, error) {
	if key, ok := strings.CutPrefix(term, "!"); ok {
		return requirement{key: strings.TrimSpace(key), op: opNotExists}.validate()
	}
	if m := setRequirement.FindStringSubmatch(term); m != nil {
		values := strings.Split(m[3], ",")
		for i := range values {
			values[i] = strings.TrimSpace(values[i])
		}
		return requirement{key: m[1], op: m[2], values: values}.validate()
	}
	for _, op := range []string{"!=", "==", "="} {
		if key, value, ok := strings.Cut(term, op); ok {
			kind := opEquals
			if op == "!=" {
				kind = opNotEquals
			}
			return requirement{key: strings.TrimSpace(key), op: kind, values: []string{strings.TrimSpace(value)}}.validate()
		}
	}
	return requirement{key: term, op: opExists}.validate()
}

func (r requirement) validate() (requirement, error) {
	if !labelKey.MatchString(r.key) {
		return r, fmt.Errorf("invalid label key %q", r.key)
	}
	for _, v := range r.values {
		if !labelValue.MatchString(v) || (v == "" && (r.op == opIn || r.op == opNotIn)) {
			return r, fmt.Errorf("invalid label value %q", v)
		}
	}
	return r, nil
}

func (s selector) matches(labels map[string]string) bool {
	for _, r := range s {
		if !r.matches(labels) {
			return false
		}
	}
	return true
}

func (r requirement) matches(labels map[string]string) bool {
	value, has := labels[r.key]
	switch r.op {
	case opEquals, opIn:
		return has && slices.Contains(r.values, value)
	case opNotEquals, opNotIn:
		return !has || !slices.Contains(r.values, value)
	case opExists:
		return has
	default: // opNotExists
		return !has
	}
}

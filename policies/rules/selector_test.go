package rules

import (
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

func TestSelectorMatching(t *testing.T) {
	cp := labels.Set{"cluster": "c1", "role": "control-plane", "pool": "cp"}
	tests := []struct {
		selector string
		want     bool
	}{
		{"cluster=c1", true},
		{"cluster==c1", true},
		{"cluster = c1 , role = control-plane", true},
		{"cluster=c2", false},
		{"cluster!=c2", true},
		{"cluster!=c1", false},
		{"missing!=x", true},
		{"pool", true},
		{"missing", false},
		{"!missing", true},
		{"!pool", false},
		{"role in (control-plane, worker)", true},
		{"role in (worker)", false},
		{"missing in (x)", false},
		{"role notin (worker,etcd)", true},
		{"role notin (control-plane)", false},
		{"missing notin (x)", true},
		{"cluster=c1,role in (control-plane),!gpu,pool", true},
		{"cluster=c1,role=worker", false},
		{"example.com/tier=", false},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			sel, err := parseSelector(tt.selector)
			if err != nil {
				t.Fatal(err)
			}
			if got := sel.Matches(cp); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSelectorRejectsInvalidSyntax(t *testing.T) {
	for _, s := range []string{"", "a=b,", "=b", "a in (b", "a in b", "a=b c", "!a=b", "a in ()", "a in (b,)", "a b"} {
		t.Run(s, func(t *testing.T) {
			if sel, err := parseSelector(s); err == nil {
				t.Errorf("parsed %q as %v, want an error", s, sel)
			}
		})
	}
}

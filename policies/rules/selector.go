package rules

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// parseSelector parses a label selector, whose syntax Hetzner takes from Kubernetes ("a=b,c!=d,e,!f,
// g in (h,i),j notin (k)"). It rejects what Kubernetes reads as matching everything or an empty value:
// an empty selector and empty sets such as "a in ()".
func parseSelector(s string) (labels.Selector, error) {
	requirements, err := labels.ParseToRequirements(s)
	if err != nil {
		return nil, err
	}
	if len(requirements) == 0 {
		return nil, errors.New("empty label selector")
	}
	for _, r := range requirements {
		isSet := r.Operator() == selection.In || r.Operator() == selection.NotIn
		if isSet && slices.Contains(r.ValuesUnsorted(), "") {
			return nil, fmt.Errorf("label selector %q: empty value in the set of %q", s, r.Key())
		}
	}
	return labels.NewSelector().Add(requirements...), nil
}

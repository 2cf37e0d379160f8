package rules

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

type resource = policyx.AnalyzerResource

// stack indexes the resources of one AnalyzeStack call by URN and type.
type stack struct {
	byURN  map[string]*resource
	byType map[string][]*resource
}

func newStack(resources []policyx.AnalyzerResource) *stack {
	s := &stack{byURN: map[string]*resource{}, byType: map[string][]*resource{}}
	for i := range resources {
		r := &resources[i]
		s.byURN[r.URN] = r
		s.byType[r.Type] = append(s.byType[r.Type], r)
	}
	return s
}

func (s *stack) ofType(t string) []*resource {
	return s.byType[t]
}

// refs resolves the resources of type t that the values ids, taken from property key of owner,
// point at. Known IDs are matched against the resources' id; IDs that are unknown (preview) or
// not found fall back to the engine's dependency record for key. complete is false when some
// ID could be resolved neither way.
func (s *stack) refs(owner *resource, key, t string, ids []property.Value) (found []*resource, complete bool) {
	unresolved := false
	for _, v := range ids {
		if r := s.byID(t, v); r != nil {
			found = appendNew(found, r)
		} else {
			unresolved = true
		}
	}
	if !unresolved {
		return found, true
	}
	deps := s.dependencies(owner, key, t)
	return appendNew(found, deps...), len(deps) > 0
}

// ref resolves a property holding a single reference, or returns nil.
func (s *stack) ref(owner *resource, key, t string) *resource {
	found, _ := s.refs(owner, key, t, idValues(owner, key))
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// idValues returns the IDs that owner's property key holds, one or a list. An unknown value
// counts as one unknown ID; so does an absent one the engine recorded dependencies for, as
// Pulumi's mocks drop unknown inputs.
func idValues(owner *resource, key string) []property.Value {
	v, ok := owner.Properties.GetOk(key)
	switch {
	case (!ok || v.IsNull()) && len(owner.PropertyDependencies[key]) > 0:
		return []property.Value{property.New(property.Computed)}
	case !ok || v.IsNull():
		return nil
	case v.IsArray():
		return v.AsArray().AsSlice()
	}
	return []property.Value{v}
}

func (s *stack) byID(t string, v property.Value) *resource {
	id, ok := asID(v)
	if !ok {
		return nil
	}
	for _, r := range s.ofType(t) {
		if rid, ok := get(r.Properties, "id", asID); ok && rid == id {
			return r
		}
	}
	return nil
}

// dependencies returns the resources of type t that owner's property key was computed from.
func (s *stack) dependencies(owner *resource, key, t string) []*resource {
	var deps []*resource
	for _, urn := range owner.PropertyDependencies[key] {
		if r := s.byURN[urn]; r != nil && r.Type == t {
			deps = appendNew(deps, r)
		}
	}
	return deps
}

// appendNew appends the items not yet in list.
func appendNew[T comparable](list []T, items ...T) []T {
	for _, item := range items {
		if !slices.Contains(list, item) {
			list = append(list, item)
		}
	}
	return list
}

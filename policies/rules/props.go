package rules

import (
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"k8s.io/apimachinery/pkg/labels"
)

// The accessors below never call an As* method on a computed value, which panics
// (pulumi/pulumi#24654). Converters report ok=false for null, unknown and mistyped values.

// get returns m[key] converted by as; ok is false when the value is absent, null, unknown or mistyped.
func get[T any](m property.Map, key string, as func(property.Value) (T, bool)) (T, bool) {
	v, present := m.GetOk(key)
	if !present {
		var zero T
		return zero, false
	}
	return as(v)
}

// optional returns m[key] converted by as, or the zero value when it is absent or null;
// ok is false only when the value is unknown or mistyped.
func optional[T any](m property.Map, key string, as func(property.Value) (T, bool)) (T, bool) {
	var zero T
	return orDefault(m, key, zero, as)
}

// orDefault returns m[key] converted by as, or def when it is absent or null;
// ok is false only when the value is unknown or mistyped.
func orDefault[T any](m property.Map, key string, def T, as func(property.Value) (T, bool)) (T, bool) {
	v, present := m.GetOk(key)
	if !present || v.IsNull() {
		return def, true
	}
	return as(v)
}

func asString(v property.Value) (string, bool) {
	if !v.IsString() {
		return "", false
	}
	return v.AsString(), true
}

func asNumber(v property.Value) (float64, bool) {
	if !v.IsNumber() {
		return 0, false
	}
	return v.AsNumber(), true
}

func asBool(v property.Value) (bool, bool) {
	if !v.IsBool() {
		return false, false
	}
	return v.AsBool(), true
}

func asList(v property.Value) ([]property.Value, bool) {
	if !v.IsArray() {
		return nil, false
	}
	return v.AsArray().AsSlice(), true
}

func asMap(v property.Value) (property.Map, bool) {
	if !v.IsMap() {
		return property.Map{}, false
	}
	return v.AsMap(), true
}

// asID reads a resource ID, which Hetzner references carry as a number or a string.
func asID(v property.Value) (string, bool) {
	if n, ok := asNumber(v); ok {
		return strconv.FormatFloat(n, 'f', -1, 64), true
	}
	return asString(v)
}

// asStrings reads a list of strings; ok is false if the list or any element is unknown.
var asStrings = listOf(asString)

// listOf makes a converter for lists whose elements as converts; ok is false if any element fails.
func listOf[T any](as func(property.Value) (T, bool)) func(property.Value) ([]T, bool) {
	return func(v property.Value) ([]T, bool) {
		items, ok := asList(v)
		if !ok {
			return nil, false
		}
		return convertAll(items, as)
	}
}

// convertAll converts every item; ok is false if any conversion fails.
func convertAll[In, T any](items []In, convert func(In) (T, bool)) ([]T, bool) {
	out := make([]T, 0, len(items))
	for _, item := range items {
		converted, ok := convert(item)
		if !ok {
			return nil, false
		}
		out = append(out, converted)
	}
	return out, true
}

// asStringMap reads a map of strings such as labels; ok is false if it or any value is unknown.
func asStringMap(v property.Value) (map[string]string, bool) {
	m, ok := asMap(v)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, m.Len())
	for k, item := range m.All {
		s, ok := asString(item)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// asSelector reads and parses a label selector; ok is false when it is unknown or invalid.
func asSelector(v property.Value) (labels.Selector, bool) {
	s, ok := asString(v)
	if !ok {
		return nil, false
	}
	sel, err := parseSelector(s)
	return sel, err == nil
}

package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// ConfigKeys lists the `hcloud-k3s:` config keys, one per Input field.
func ConfigKeys() []string {
	return slices.Sorted(maps.Keys(jsonFields(reflect.TypeFor[Input]())))
}

// Decode reads the stack configuration as the Pulumi CLI hands it to the
// program: `hcloud-k3s:` keys without the namespace, strings as they are and
// structured values as JSON. Every key and every field must be one that
// hcloud-k3s reads: a misspelt one would otherwise be dropped silently and
// its default used instead (`apiLoadBalancer.publicInterfce: false` would
// leave the API open to the world). All problems are reported at once.
func Decode(raw map[string]string) (Input, error) {
	var in Input
	var p problems
	fields := jsonFields(reflect.TypeFor[Input]())
	known := ConfigKeys()
	target := reflect.ValueOf(&in).Elem()
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		index, ok := fields[key]
		if !ok {
			p.addKey(key, "is not an hcloud-k3s setting; did you mean %s? Known settings: %s", closest(key, known, 1)[0], strings.Join(known, ", "))
			continue
		}
		field := target.Field(index)
		if field.Kind() == reflect.String {
			field.SetString(raw[key])
			continue
		}
		decodeJSON(&p, key, raw[key], field)
	}
	return in, p.err()
}

// secretKeys hold secrets (the SSH private key, the S3 secret key) and are
// never echoed in an error.
var secretKeys = []string{"ssh", "etcdSnapshots"}

// decodeJSON decodes one structured key into its field, reporting a value of
// the wrong shape and every unknown field by its path.
func decodeJSON(p *problems, key, value string, field reflect.Value) {
	report := func(why string, args ...any) { p.add(key, value, why, args...) }
	if slices.Contains(secretKeys, key) {
		report = func(why string, args ...any) { p.addKey(key, "(secret) "+why, args...) }
	}
	var generic any
	if err := json.Unmarshal([]byte(value), &generic); err != nil {
		report("is not a structured value: set it with `pulumi config set --path`")
		return
	}
	unknownFields(p, key, generic, field.Type())
	if err := json.Unmarshal([]byte(value), field.Addr().Interface()); err != nil {
		report("has the wrong shape: %v", err)
	}
}

// unknownFields walks a decoded JSON value against the Go type it decodes
// into and reports each object field that type does not have.
func unknownFields(p *problems, path string, value any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := value.(type) {
	case map[string]any:
		if t.Kind() == reflect.Map {
			for k, item := range v {
				unknownFields(p, path+"."+k, item, t.Elem())
			}
			return
		}
		if t.Kind() != reflect.Struct {
			return // a shape error json.Unmarshal reports
		}
		fields := jsonFields(t)
		known := slices.Sorted(maps.Keys(fields))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			index, ok := fields[k]
			if !ok {
				p.addKey(path+"."+k, "is not a field of %s; did you mean %s? Known fields: %s", path, closest(k, known, 1)[0], strings.Join(known, ", "))
				continue
			}
			unknownFields(p, path+"."+k, v[k], t.Field(index).Type)
		}
	case []any:
		if t.Kind() == reflect.Slice {
			for i, item := range v {
				unknownFields(p, fmt.Sprintf("%s[%d]", path, i), item, t.Elem())
			}
		}
	}
}

// jsonFields maps each JSON field name of a struct type to its field index.
func jsonFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

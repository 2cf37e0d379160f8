package provider

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"sigs.k8s.io/yaml"
)

// yamlProgram is the part of a Pulumi YAML program the check reads.
type yamlProgram struct {
	Resources map[string]struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
	} `json:"resources"`
	Outputs map[string]any `json:"outputs"`
}

// The YAML example uses the Cluster as the schema describes it: every
// property an input of the right type, every output it reads one the
// Cluster has. With its config filled in, its inputs are a cluster
// package config accepts.
func TestYAMLExampleMatchesTheSchema(t *testing.T) {
	data, err := os.ReadFile("../../examples/yaml/Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var program yamlProgram
	if err := yaml.Unmarshal(data, &program); err != nil {
		t.Fatal(err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(Schema, &spec); err != nil {
		t.Fatal(err)
	}
	cluster := spec.Resources["hcloud-k3s:index:Cluster"]
	var clusters []string
	for name, r := range program.Resources {
		if r.Type != "hcloud-k3s:index:Cluster" {
			continue
		}
		clusters = append(clusters, name)
		for _, problem := range conforms(r.Properties, cluster.InputProperties, spec.Types, name) {
			t.Error(problem)
		}
		filled := fillIn(r.Properties, map[string]string{"pulumi.stack": "dev", "operatorCidr": "198.51.100.7/32"})
		in, err := settings(wire(t, resource.NewPropertyMapFromMap(filled)))
		if err == nil {
			_, err = config.Resolve("dev", in)
		}
		if err != nil {
			t.Errorf("%s's inputs are refused: %v", name, err)
		}
	}
	if len(clusters) != 1 {
		t.Fatalf("the example has clusters %v, want one", clusters)
	}
	for name, value := range program.Outputs {
		ref := regexp.MustCompile(`^\$\{` + clusters[0] + `\.([a-zA-Z]+)\}$`).FindStringSubmatch(fmt.Sprint(value))
		if ref == nil {
			continue
		}
		if _, ok := cluster.Properties[ref[1]]; !ok {
			t.Errorf("output %s reads %s, which the Cluster does not have", name, ref[1])
		}
	}
}

// interpolation is a YAML program's `${...}`, a string of any type until run.
var interpolation = regexp.MustCompile(`^\$\{([^}]+)\}$`)

// conforms lists where properties do not fit the schema's properties.
func conforms(values map[string]any, props map[string]schema.PropertySpec, types map[string]schema.ComplexTypeSpec, path string) []string {
	var problems []string
	for _, key := range slices.Sorted(maps.Keys(values)) {
		prop, ok := props[key]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s.%s is not an input; inputs: %v", path, key, slices.Sorted(maps.Keys(props))))
			continue
		}
		problems = append(problems, fits(values[key], prop.TypeSpec, types, path+"."+key)...)
	}
	return problems
}

func fits(value any, t schema.TypeSpec, types map[string]schema.ComplexTypeSpec, path string) []string {
	if s, ok := value.(string); ok && interpolation.MatchString(s) {
		return nil
	}
	wrong := []string{fmt.Sprintf("%s: %v is not a %s", path, value, describe(t))}
	switch {
	case t.Ref != "":
		object, ok := value.(map[string]any)
		if !ok {
			return wrong
		}
		return conforms(object, types[strings.TrimPrefix(t.Ref, "#/types/")].Properties, types, path)
	case t.Type == "array":
		items, ok := value.([]any)
		if !ok {
			return wrong
		}
		var problems []string
		for i, item := range items {
			problems = append(problems, fits(item, *t.Items, types, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return problems
	case t.Type == "object":
		object, ok := value.(map[string]any)
		if !ok {
			return wrong
		}
		var problems []string
		for k, v := range object {
			problems = append(problems, fits(v, *t.AdditionalProperties, types, path+"."+k)...)
		}
		return problems
	}
	var ok bool
	switch t.Type {
	case "string":
		_, ok = value.(string)
	case "boolean":
		_, ok = value.(bool)
	case "integer":
		n, isNumber := value.(float64)
		ok = isNumber && n == float64(int64(n))
	case "number":
		_, ok = value.(float64)
	}
	if !ok {
		return wrong
	}
	return nil
}

func describe(t schema.TypeSpec) string {
	if t.Ref != "" {
		return strings.TrimPrefix(t.Ref, "#/types/")
	}
	return t.Type
}

// fillIn replaces each `${name}` string with its value.
func fillIn(value map[string]any, values map[string]string) map[string]any {
	var fill func(any) any
	fill = func(v any) any {
		switch v := v.(type) {
		case string:
			if m := interpolation.FindStringSubmatch(v); m != nil {
				return values[m[1]]
			}
		case []any:
			out := make([]any, len(v))
			for i, item := range v {
				out[i] = fill(item)
			}
			return out
		case map[string]any:
			out := map[string]any{}
			for k, item := range v {
				out[k] = fill(item)
			}
			return out
		}
		return v
	}
	return fill(value).(map[string]any)
}

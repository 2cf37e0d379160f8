// Package schemagen builds the schema of the hcloud-k3s component package
// (components/provider/schema.json) from the places that already say what it holds:
// the Cluster's inputs from config.Input (the stack config's Go types, by
// their json names), their descriptions from Pulumi.yaml, the token input
// from package provider, and the outputs from docs/outputs.md's table. A new
// config field or output therefore reaches the schema without an edit here.
// It uses pulumi/pkg's schema types, so only tests import it: neither the
// program nor the plugin.
package schemagen

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/component"
	"github.com/hcloud-k3s/hcloud-k3s/components/provider"
	"github.com/hcloud-k3s/hcloud-k3s/internal/docs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// PluginDownloadURL is where the engine fetches the plugin a schema names:
// the assets of this repository's GitHub releases (.github/workflows/release.yml).
const PluginDownloadURL = "github://api.github.com/hcloud-k3s/hcloud-k3s"

const clusterDescription = "A production k3s cluster on Hetzner Cloud: private network, firewall, a control plane of " +
	"1, 3 or 5 servers with embedded etcd, worker pools, an optional API load balancer and the Hetzner add-ons. " +
	"Its inputs are the hcloud-k3s stack config keys, validated the same way (docs/configuration.md); " +
	"its outputs are the stack outputs (docs/outputs.md)."

// Package is the component package's schema. pulumiYAML is the project's
// Pulumi.yaml, outputsMD docs/outputs.md.
func Package(pulumiYAML, outputsMD []byte) (schema.PackageSpec, error) {
	keys, _, err := docs.ConfigKeys(pulumiYAML)
	if err != nil {
		return schema.PackageSpec{}, err
	}
	descriptions := map[string]string{}
	for _, k := range keys {
		descriptions[k.Path] = k.Description
	}
	g := generator{types: map[string]schema.ComplexTypeSpec{}, descriptions: descriptions}
	inputs, err := g.properties(reflect.TypeFor[config.Input](), true)
	if err != nil {
		return schema.PackageSpec{}, err
	}
	inputs[provider.HcloudTokenInput] = schema.PropertySpec{
		TypeSpec: schema.TypeSpec{Type: "string"}, Secret: true, Description: provider.HcloudTokenDescription,
	}
	outputs, required, err := Outputs(outputsMD)
	if err != nil {
		return schema.PackageSpec{}, err
	}
	return schema.PackageSpec{
		Name:              provider.Name,
		DisplayName:       provider.Name,
		Description:       "Production k3s clusters on Hetzner Cloud, as a Pulumi component for every language.",
		Keywords:          []string{"pulumi", "hcloud", "hetzner", "k3s", "kubernetes", "kind/component"},
		Repository:        "https://github.com/hcloud-k3s/hcloud-k3s",
		PluginDownloadURL: PluginDownloadURL,
		Resources: map[string]schema.ResourceSpec{
			component.Type("Cluster"): {
				IsComponent: true,
				ObjectTypeSpec: schema.ObjectTypeSpec{
					Type: "object", Description: clusterDescription, Properties: outputs, Required: required,
				},
				InputProperties: inputs,
			},
		},
		Types: g.types,
	}, nil
}

// generator turns Go types into schema types, collecting the object types.
type generator struct {
	types        map[string]schema.ComplexTypeSpec
	descriptions map[string]string // Pulumi.yaml's, by config key
}

// properties are the properties of a struct type, one per json-tagged
// field. For config.Input (topLevel) each must have its Pulumi.yaml
// description.
func (g *generator) properties(t reflect.Type, topLevel bool) (map[string]schema.PropertySpec, error) {
	props := map[string]schema.PropertySpec{}
	for i := range t.NumField() {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		typ, err := g.typeOf(field.Type, name)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), field.Name, err)
		}
		prop := schema.PropertySpec{TypeSpec: typ, Secret: field.Tag.Get("secret") == "true"}
		if topLevel {
			description, ok := g.descriptions[name]
			if !ok {
				return nil, fmt.Errorf("config key %s (config.Input.%s) is not declared in Pulumi.yaml", name, field.Name)
			}
			prop.Description = description
		}
		props[name] = prop
	}
	return props, nil
}

// typeOf is the schema type of a config field's Go type; a struct becomes
// an object type named after it (ControlPlaneInput → ControlPlane), described
// as the config key that first uses it.
func (g *generator) typeOf(t reflect.Type, key string) (schema.TypeSpec, error) {
	switch t.Kind() {
	case reflect.Pointer:
		return g.typeOf(t.Elem(), key)
	case reflect.String:
		return schema.TypeSpec{Type: "string"}, nil
	case reflect.Bool:
		return schema.TypeSpec{Type: "boolean"}, nil
	case reflect.Int, reflect.Int32, reflect.Int64:
		return schema.TypeSpec{Type: "integer"}, nil
	case reflect.Float64:
		return schema.TypeSpec{Type: "number"}, nil
	case reflect.Slice:
		items, err := g.typeOf(t.Elem(), key)
		return schema.TypeSpec{Type: "array", Items: &items}, err
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		values, err := g.typeOf(t.Elem(), key)
		return schema.TypeSpec{Type: "object", AdditionalProperties: &values}, err
	case reflect.Struct:
		token := component.Type(strings.TrimSuffix(t.Name(), "Input"))
		if _, seen := g.types[token]; !seen {
			g.types[token] = schema.ComplexTypeSpec{} // reserve: a type may refer to itself
			props, err := g.properties(t, false)
			if err != nil {
				return schema.TypeSpec{}, err
			}
			g.types[token] = schema.ComplexTypeSpec{ObjectTypeSpec: schema.ObjectTypeSpec{
				Type: "object", Properties: props, Description: g.descriptions[key],
			}}
		}
		return schema.TypeSpec{Ref: "#/types/" + token}, nil
	}
	return schema.TypeSpec{}, fmt.Errorf("Go type %s has no schema type: add it to schemagen.typeOf", t)
}

// outputRow is a row of docs/outputs.md's table: | `name` | type | secret | meaning |.
var outputRow = regexp.MustCompile("(?m)^\\| `([a-zA-Z]+)` \\| ([^|]+) \\| (yes|no) \\|([^|]*)\\|$")

// outputTypes are the types docs/outputs.md gives outputs, in schema terms.
var outputTypes = map[string]schema.TypeSpec{
	"string":                     {Type: "string"},
	"int":                        {Type: "integer"},
	"list of string":             {Type: "array", Items: &schema.TypeSpec{Type: "string"}},
	"map: pool → list of string": {Type: "object", AdditionalProperties: &schema.TypeSpec{Type: "array", Items: &schema.TypeSpec{Type: "string"}}},
	"map":                        {Type: "object", AdditionalProperties: &schema.TypeSpec{Type: "string"}},
	"map: pool → map":            {Type: "object", AdditionalProperties: &schema.TypeSpec{Type: "object", AdditionalProperties: &schema.TypeSpec{Ref: "pulumi.json#/Any"}}},
}

// Outputs are the Cluster's output properties, read from docs/outputs.md's
// table, and those always set: every output whose meaning does not say it
// is there "only" in some case.
func Outputs(outputsMD []byte) (map[string]schema.PropertySpec, []string, error) {
	props := map[string]schema.PropertySpec{}
	var required []string
	for _, row := range outputRow.FindAllStringSubmatch(string(outputsMD), -1) {
		name, typ, secret, meaning := row[1], strings.TrimSpace(row[2]), row[3] == "yes", strings.TrimSpace(row[4])
		spec, ok := outputTypes[typ]
		if !ok {
			return nil, nil, fmt.Errorf("docs/outputs.md: output %s has type %q, which schemagen.outputTypes does not know", name, typ)
		}
		props[name] = schema.PropertySpec{TypeSpec: spec, Secret: secret, Description: meaning}
		if !strings.Contains(strings.ToLower(meaning), "only") {
			required = append(required, name)
		}
	}
	if len(props) == 0 {
		return nil, nil, fmt.Errorf("docs/outputs.md: no output table found")
	}
	slices.Sort(required)
	return props, required, nil
}

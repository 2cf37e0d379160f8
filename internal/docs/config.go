package docs

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// The generated part of a document lies between these two lines; the
// prose around it is written by hand.
const (
	BeginGenerated = "<!-- BEGIN GENERATED from Pulumi.yaml by `go test ./internal/docs -update`: do not edit by hand -->"
	EndGenerated   = "<!-- END GENERATED -->"
)

// Key is one row of the configuration reference.
type Key struct {
	Path        string // the key, with the fields of an object default as dotted paths
	Type        string
	Default     string // Markdown; "required" when Pulumi.yaml declares none
	Description string
}

// declaration is a key of Pulumi.yaml's config section in its long form.
type declaration struct {
	Type        string    `yaml:"type"`
	Description string    `yaml:"description"`
	Secret      bool      `yaml:"secret"`
	Items       *items    `yaml:"items"`
	Default     yaml.Node `yaml:"default"`
	Value       yaml.Node `yaml:"value"`
}

type items struct {
	Type string `yaml:"type"`
}

// ConfigKeys reads the config section of a Pulumi.yaml, in file order: the
// project's keys, each object default's fields after it, and the settings of
// other namespaces (such as hcloud:pollInterval) that the file gives values.
func ConfigKeys(pulumiYAML []byte) (keys, settings []Key, err error) {
	var project struct {
		Config yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(pulumiYAML, &project); err != nil {
		return nil, nil, fmt.Errorf("Pulumi.yaml: %w", err)
	}
	config := &project.Config
	if config.Kind == 0 {
		return nil, nil, errors.New("Pulumi.yaml has no config section")
	}
	if config.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("Pulumi.yaml line %d: config is not a map", config.Line)
	}
	for i := 0; i+1 < len(config.Content); i += 2 {
		name, node := config.Content[i].Value, config.Content[i+1]
		var decl declaration
		if node.Kind == yaml.MappingNode {
			if err := node.Decode(&decl); err != nil {
				return nil, nil, fmt.Errorf("Pulumi.yaml config %s: %w", name, err)
			}
		} else {
			decl.Value = *node // the short form, `key: value`
		}
		if strings.Contains(name, ":") {
			settings = append(settings, Key{Path: name, Type: kindOf(&decl.Value), Default: code(&decl.Value), Description: decl.Description})
			continue
		}
		keys = append(keys, declared(name, decl)...)
	}
	return keys, settings, nil
}

// declared is the row of a project key, followed by rows for the fields of
// its default when that is an object.
func declared(name string, decl declaration) []Key {
	def := &decl.Default
	if def.Kind == 0 {
		def = &decl.Value
	}
	key := Key{Path: name, Type: decl.Type, Default: code(def), Description: decl.Description}
	if key.Type == "" {
		key.Type = kindOf(def)
	}
	if decl.Items != nil && decl.Items.Type != "" {
		key.Type += " of " + decl.Items.Type
	}
	if decl.Secret {
		key.Type += " (secret)"
	}
	if def.Kind == 0 {
		key.Default = "required"
	}
	return append([]Key{key}, fields(name, def)...)
}

// fields are the rows for an object value's fields, nested ones included.
func fields(path string, node *yaml.Node) []Key {
	node = resolve(node)
	if node.Kind != yaml.MappingNode {
		return nil
	}
	var rows []Key
	for i := 0; i+1 < len(node.Content); i += 2 {
		field, value := path+"."+node.Content[i].Value, node.Content[i+1]
		rows = append(rows, Key{Path: field, Type: kindOf(value), Default: code(value)})
		rows = append(rows, fields(field, value)...)
	}
	return rows
}

// ConfigReference renders the configuration reference from a Pulumi.yaml:
// a table of the project's keys and a table of the other settings it makes.
func ConfigReference(pulumiYAML []byte) (string, error) {
	keys, settings, err := ConfigKeys(pulumiYAML)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| Key | Type | Default | Description in `Pulumi.yaml` |\n|---|---|---|---|\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Path, k.Type, cell(k.Default), text(k.Description))
	}
	if len(settings) > 0 {
		b.WriteString("\nOther settings `Pulumi.yaml` makes for every stack:\n\n| Key | Type | Value | Description in `Pulumi.yaml` |\n|---|---|---|---|\n")
		for _, k := range settings {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Path, k.Type, cell(k.Default), text(k.Description))
		}
	}
	return b.String(), nil
}

// Splice replaces the generated part of doc, between BeginGenerated and
// EndGenerated, with generated.
func Splice(doc, generated string) (string, error) {
	begin := strings.Index(doc, BeginGenerated+"\n")
	end := strings.Index(doc, EndGenerated)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("no %q line followed by %q", BeginGenerated, EndGenerated)
	}
	begin += len(BeginGenerated) + 1
	return doc[:begin] + "\n" + generated + "\n" + doc[end:], nil
}

// HandWritten is doc without its generated part.
func HandWritten(doc string) string {
	begin := strings.Index(doc, BeginGenerated)
	end := strings.Index(doc, EndGenerated)
	if begin < 0 || end < begin {
		return doc
	}
	return doc[:begin] + doc[end+len(EndGenerated):]
}

func resolve(node *yaml.Node) *yaml.Node {
	for node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	return node
}

// kindOf names a value's type as Pulumi.yaml's config types do.
func kindOf(node *yaml.Node) string {
	node = resolve(node)
	switch node.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "array"
	case yaml.ScalarNode:
		switch node.ShortTag() {
		case "!!int":
			return "integer"
		case "!!float":
			return "number"
		case "!!bool":
			return "boolean"
		case "!!null":
			return "null"
		}
		return "string"
	}
	return ""
}

// code renders a default: a scalar or a list in flow style as code, an
// object with fields as a pointer to the rows that follow.
func code(node *yaml.Node) string {
	node = resolve(node)
	if node.Kind == yaml.MappingNode && len(node.Content) > 0 {
		return "fields below"
	}
	return "`" + flow(node) + "`"
}

// flow is a value in YAML's flow style.
func flow(node *yaml.Node) string {
	node = resolve(node)
	var parts []string
	switch node.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			parts = append(parts, flow(node.Content[i])+": "+flow(node.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case yaml.SequenceNode:
		for _, item := range node.Content {
			parts = append(parts, flow(item))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.ScalarNode:
		if node.Value == "" {
			return `""`
		}
		return node.Value
	}
	return ""
}

// cell escapes what would end a table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// text escapes prose for a table cell: Markdown would read <name> as HTML,
// and * and _ as emphasis.
var text = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`).Replace

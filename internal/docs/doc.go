// Package docs renders the parts of the documentation that follow from the
// repository's own files, so they cannot drift from them: the configuration
// reference in docs/configuration.md is rendered from Pulumi.yaml.
//
// Regenerate it with `go test ./internal/docs -update` (what go generate
// runs); without -update, the test fails when the document differs.
package docs

//go:generate go test . -run TestConfigurationReference -update

// Package repotest tests the repository's own files rather than a package:
// the stack files and the README's quick start, run through the Pulumi
// CLI's config validation (pulumi/pkg/v3, which only this package's and
// internal/enginetest's tests import), and what actionlint cannot check in
// the GitHub workflows. Paths are relative to the repository root, root.
package repotest

// root is the repository root, seen from this package.
const root = "../.."

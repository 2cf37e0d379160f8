// Package shell assembles the bash scripts hcloud-k3s runs on nodes: a shared
// prelude, the script's parameters as quoted assignments, then its body.
package shell

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed prelude.sh
var prelude string

// Param is one script parameter, assigned before the body runs.
type Param struct {
	Name, Value string
}

// Script returns the text of a script. It is deterministic, so a change
// shows in `pulumi preview` exactly when the script's behaviour changes.
func Script(params []Param, body string) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	b.WriteString(prelude)
	for _, p := range params {
		fmt.Fprintf(&b, "%s=%s\n", p.Name, Quote(p.Value))
	}
	b.WriteString(body)
	return b.String()
}

// Quote single-quotes a value for bash.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

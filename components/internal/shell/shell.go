// Package shell assembles the bash scripts hcloud-k3s runs on nodes: a shared
// prelude, the shared functions the script calls, the script's parameters as
// quoted assignments, then its body.
package shell

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

var (
	//go:embed prelude.sh
	prelude string
	//go:embed functions.sh
	functionsText string
	functions     = parseFunctions(functionsText)
)

// Param is one script parameter, assigned before the body runs.
type Param struct {
	Name, Value string
}

// Script returns the text of a script. It is deterministic, so a change
// shows in `pulumi preview` exactly when the script's behaviour changes: a
// shared function is included only in the scripts that call it, so a new
// one changes no other script.
func Script(params []Param, body string) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	b.WriteString(prelude)
	for _, f := range functions {
		if f.calledIn(body) {
			b.WriteString(f.text)
		}
	}
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

// function is one shared function of functions.sh, its comment included.
// It may call the prelude's functions, not another of functions.sh.
type function struct {
	name, text string
}

var functionStart = regexp.MustCompile(`^([a-z_]+)\(\) \{$`)

// parseFunctions splits functions.sh into its functions: each is its
// comment, a `name() {` line and everything up to a closing `}` line.
func parseFunctions(text string) []function {
	var out []function
	var current function
	for _, line := range strings.SplitAfter(text, "\n") {
		current.text += line
		if m := functionStart.FindStringSubmatch(strings.TrimSuffix(line, "\n")); m != nil {
			current.name = m[1]
		}
		if line == "}\n" {
			out = append(out, current)
			current = function{}
		}
	}
	return out
}

// calledIn tells whether a script body calls the function.
func (f function) calledIn(body string) bool {
	return regexp.MustCompile(`\b` + f.name + `\b`).MatchString(body)
}

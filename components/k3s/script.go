package k3s

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed install.sh
var installBody string

// Role is the k3s subcommand a node runs.
type Role string

// The two k3s roles.
const (
	RoleServer Role = "server"
	RoleAgent  Role = "agent"
)

// Install describes one node's installation.
type Install struct {
	Role      Role
	NodeIP    string   // the private IP; the script finds the interface that has it
	Config    string   // rendered config.yaml
	JoinPeers []string // for the first control-plane node: members to join instead of initialising, if any is up
}

// Script is the command text of a node's install. It is deterministic and
// free of secrets; the version and token come on stdin (see Stdin).
func (in Install) Script() string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	assign(&b, "role", string(in.Role))
	assign(&b, "node_ip", in.NodeIP)
	assign(&b, "join_peers", strings.Join(in.JoinPeers, " "))
	assign(&b, "config", strings.TrimRight(in.Config, "\n"))
	b.WriteString(installBody)
	return b.String()
}

// Stdin is what the install script reads: the pinned version, then the token.
func Stdin(version, token string) string {
	return version + "\n" + token + "\n"
}

func assign(b *strings.Builder, name, value string) {
	fmt.Fprintf(b, "%s=%s\n", name, shellQuote(value))
}

// shellQuote single-quotes a value for bash.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// FetchKubeconfigScript prints the admin kubeconfig of a server.
const FetchKubeconfigScript = "cat " + KubeconfigPath

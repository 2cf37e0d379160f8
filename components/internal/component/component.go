// Package component names hcloud-k3s's component resources: the type tokens
// a preview shows (hcloud-k3s:index:Cluster, …:Node) and that a component
// package's schema would publish.
package component

// Type is the type token of an hcloud-k3s component.
func Type(name string) string { return "hcloud-k3s:index:" + name }

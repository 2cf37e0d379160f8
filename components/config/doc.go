// Package config turns a stack's raw configuration into a validated,
// defaulted description of the cluster. It is pure Go: no Pulumi resources,
// no network.
//
// Each section of the configuration is a vertical slice in its own file: the
// input as the user writes it, the validated type the components read, and
// the resolution from one to the other (controlplane.go, workerpools.go,
// network.go, firewall.go, apilb.go, ssh.go, k3s.go, cni.go (k3s.cni and
// k3s.cilium), addons.go, upgrade.go, snapshots.go). cluster.go holds the whole (Input, Cluster, Resolve) and the
// checks across sections; decode.go reads the stack config strictly;
// problems.go collects every problem with its key. Hetzner's own facts
// (locations, server types, limits) come from package hetzner.
//
// An autoscaled pool is a worker pool with `autoscaling: {min, max}`
// instead of `count` (workerpools.go); its bounds and the autoscaler's
// settings are resolved in autoscaling.go. The cluster's network (flannel
// or Cilium) is resolved in cni.go.
package config

// Package hetzner is the one place of Hetzner Cloud facts hcloud-k3s relies
// on: locations and network zones, the load balancer types, what a server
// type catalogue read from Hetzner says can be ordered where, the limits
// that shape a cluster, the pulumi-hcloud type tokens,
// and the labels hcloud-k3s puts on what it creates. It is pure Go: no
// Pulumi resources, no network. The config package validates against it,
// the components and the policy pack read its labels, and the test models
// (internal/cloudmodel) key their latencies and API costs by its tokens.
package hetzner

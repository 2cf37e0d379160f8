// Package cloudmodel is Hetzner and the nodes as the tests model them: one
// registry of what creating, changing and deleting each kind of resource
// costs (Hetzner API requests, the actions the provider waits for, how long
// a remote command runs), and the timing models that read it (the longest
// path through a dependency graph, the provider's polling, the requests it
// makes). The engine tests, the graph tests, the mocked cloud and the
// figures in docs/scale-and-speed.md all read this one table; the
// figures are assumed, not measured on Hetzner.
//
// The model: a Hetzner create takes as long as the actions it waits for,
// one after another; its requests (POST, GET) take no time. A resource
// without an action (a network, a placement group) takes no time. What
// polling adds on top is PollDelay, reported apart.
package cloudmodel

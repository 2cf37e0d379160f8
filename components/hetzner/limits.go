package hetzner

// Hetzner Cloud limits that shape the cluster.
const (
	MaxServersPerNetwork   = 100 // a private network holds at most 100 servers
	MaxServersPerPlacement = 10  // a spread placement group holds at most 10 servers
)

package hetzner

// Hetzner Cloud limits that shape the cluster.
const (
	MaxServersPerNetwork   = 100 // a private network holds at most 100 servers
	MaxServersPerPlacement = 10  // a spread placement group holds at most 10 servers
	// PrivateNetworkMTU is the MTU of a server's private network interface;
	// the public one has 1500 (docs.hetzner.com/cloud/networks/technical-concepts/architecture).
	PrivateNetworkMTU = 1450
)

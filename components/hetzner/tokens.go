package hetzner

// Type tokens of the pulumi-hcloud resources hcloud-k3s creates or the
// policy pack reads (pulumi-hcloud v1.41 schema).
const (
	TypeNetwork             = "hcloud:index/network:Network"
	TypeNetworkSubnet       = "hcloud:index/networkSubnet:NetworkSubnet"
	TypeFirewall            = "hcloud:index/firewall:Firewall"
	TypeFirewallAttachment  = "hcloud:index/firewallAttachment:FirewallAttachment"
	TypePlacementGroup      = "hcloud:index/placementGroup:PlacementGroup"
	TypeServer              = "hcloud:index/server:Server"
	TypeSSHKey              = "hcloud:index/sshKey:SshKey"
	TypeLoadBalancer        = "hcloud:index/loadBalancer:LoadBalancer"
	TypeLoadBalancerNetwork = "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork"
	TypeLoadBalancerService = "hcloud:index/loadBalancerService:LoadBalancerService"
	TypeLoadBalancerTarget  = "hcloud:index/loadBalancerTarget:LoadBalancerTarget"
)

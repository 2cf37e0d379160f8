// Package spec turns a stack's raw configuration into a validated, defaulted
// description of the cluster. It is pure Go: no Pulumi resources, no network.
package spec

// Input is the stack configuration as the user wrote it, one field per
// `hcloud-k3s:` config key. Pointers mark values whose zero value is a valid
// choice distinct from "not set".
type Input struct {
	ClusterName       string             `json:"clusterName"`
	K3sVersion        string             `json:"k3sVersion"`
	ControlPlane      ControlPlaneInput  `json:"controlPlane"`
	WorkerPools       []WorkerPoolInput  `json:"workerPools"`
	Network           NetworkInput       `json:"network"`
	Firewall          FirewallInput      `json:"firewall"`
	APILoadBalancer   LoadBalancerInput  `json:"apiLoadBalancer"`
	APIServerHostname string             `json:"apiServerHostname"`
	SSH               SSHInput           `json:"ssh"`
	K3s               K3sInput           `json:"k3s"`
	Addons            AddonsInput        `json:"addons"`
	Upgrade           UpgradeInput       `json:"upgrade"`
	DrainTimeout      string             `json:"drainTimeout"`
	EtcdSnapshots     EtcdSnapshotsInput `json:"etcdSnapshots"`
}

// ControlPlaneInput is the `controlPlane` key.
type ControlPlaneInput struct {
	Count       *int     `json:"count"`
	ServerType  string   `json:"serverType"`
	Locations   []string `json:"locations"`
	Image       string   `json:"image"`
	Schedulable bool     `json:"schedulable"`
}

// WorkerPoolInput is one entry of the `workerPools` key.
type WorkerPoolInput struct {
	Name       string            `json:"name"`
	Count      *int              `json:"count"`
	ServerType string            `json:"serverType"`
	Location   string            `json:"location"`
	Image      string            `json:"image"`
	Labels     map[string]string `json:"labels"`
	Taints     []string          `json:"taints"`
}

// NetworkInput is the `network` key.
type NetworkInput struct {
	CIDR string `json:"cidr"`
	Zone string `json:"zone"`
}

// FirewallInput is the `firewall` key.
type FirewallInput struct {
	SSHAllowedCIDRs []string `json:"sshAllowedCidrs"`
	APIAllowedCIDRs []string `json:"apiAllowedCidrs"`
}

// LoadBalancerInput is the `apiLoadBalancer` key.
type LoadBalancerInput struct {
	Enabled         bool   `json:"enabled"`
	Type            string `json:"type"`
	Location        string `json:"location"`
	PublicInterface *bool  `json:"publicInterface"`
}

// SSHInput is the `ssh` key. PrivateKey is a secret: it is validated here and
// only ever leaves this package wrapped in a Pulumi secret.
type SSHInput struct {
	PrivateKey     string   `json:"privateKey"`
	AuthorizedKeys []string `json:"authorizedKeys"`
}

// K3sInput is the `k3s` key.
type K3sInput struct {
	FlannelBackend  string    `json:"flannelBackend"`
	Disable         *[]string `json:"disable"`
	ClusterCIDR     string    `json:"clusterCidr"`
	ServiceCIDR     string    `json:"serviceCidr"`
	ExtraServerArgs []string  `json:"extraServerArgs"`
	ExtraAgentArgs  []string  `json:"extraAgentArgs"`
}

// AddonsInput is the `addons` key: what runs in the cluster from day one.
type AddonsInput struct {
	CloudControllerManager  AddonInput `json:"cloudControllerManager"`
	CSIDriver               AddonInput `json:"csiDriver"`
	SystemUpgradeController AddonInput `json:"systemUpgradeController"`
}

// AddonInput switches one add-on and pins its version.
type AddonInput struct {
	Enabled *bool  `json:"enabled"`
	Version string `json:"version"`
}

// UpgradeInput is the `upgrade` key: how a k3sVersion change rolls out.
type UpgradeInput struct {
	AgentConcurrency *int  `json:"agentConcurrency"`
	Drain            *bool `json:"drain"`
}

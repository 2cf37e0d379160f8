package k3s

import (
	"errors"
	"fmt"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Endpoint is one way to reach the Kubernetes API: a kubeconfig context.
type Endpoint struct {
	Context string // context, cluster entry name
	Host    string // IP or DNS name of the API server
}

// URL is the API server URL of the endpoint.
func (e Endpoint) URL() string { return ServerURL(e.Host) }

// Endpoints lists the contexts a cluster's kubeconfig offers: one per
// control-plane node (its public IP), the API load balancer when there is one,
// and apiServerHostname when set. The default is the best endpoint reachable
// from outside the network: a public load balancer, else the hostname, else
// the first control-plane node. lbIP is the load balancer's public IP, or its
// private IP when its public interface is off; "" without a load balancer.
func Endpoints(c config.Cluster, controlPlanePublicIPs []string, lbIP string) (all []Endpoint, def Endpoint) {
	for i, ip := range controlPlanePublicIPs {
		all = append(all, Endpoint{Context: c.Name + "-" + c.ControlPlane.Nodes[i].Name, Host: ip})
	}
	def = all[0]
	if c.APIServerHostname != "" {
		def = Endpoint{Context: c.Name, Host: c.APIServerHostname}
		all = append(all, def)
	}
	if lbIP != "" {
		lb := Endpoint{Context: c.Name + "-lb", Host: lbIP}
		all = append(all, lb)
		if c.APILoadBalancer.PublicInterface {
			def = lb
		}
	}
	return all, def
}

// InternalURL is the API URL for consumers inside the private network: the
// load balancer's private IP, else the first control-plane node's.
func InternalURL(c config.Cluster) string {
	if c.APILoadBalancer.Enabled {
		return ServerURL(c.APILoadBalancer.PrivateIP.String())
	}
	return ServerURL(c.FirstControlPlane().PrivateIP.String())
}

// RewriteKubeconfig turns the admin kubeconfig k3s writes (one context,
// server 127.0.0.1) into one with a context per endpoint, all sharing the
// cluster CA and the admin credentials, with def as the current context.
// Its errors quote nothing of k3sYAML, which holds the admin's client key:
// not even the parser's message, which can (`no kind "<value>" is registered`).
func RewriteKubeconfig(k3sYAML, clusterName string, endpoints []Endpoint, def Endpoint) (string, error) {
	src, err := clientcmd.Load([]byte(k3sYAML))
	if err != nil {
		return "", errors.New("the k3s kubeconfig is not a kubeconfig (the parser's message is withheld: it may quote the client key)")
	}
	ctx, ok := src.Contexts[src.CurrentContext]
	if !ok {
		return "", errors.New("the k3s kubeconfig's current context is missing")
	}
	cluster, user := src.Clusters[ctx.Cluster], src.AuthInfos[ctx.AuthInfo]
	if cluster == nil || user == nil {
		return "", errors.New("the k3s kubeconfig's current context lacks its cluster or user")
	}
	userName := clusterName + "-admin"
	out := clientcmdapi.NewConfig()
	out.AuthInfos[userName] = user
	for _, ep := range endpoints {
		out.Clusters[ep.Context] = &clientcmdapi.Cluster{Server: ep.URL(), CertificateAuthorityData: cluster.CertificateAuthorityData}
		out.Contexts[ep.Context] = &clientcmdapi.Context{Cluster: ep.Context, AuthInfo: userName}
	}
	out.CurrentContext = def.Context
	if err := clientcmd.Validate(*out); err != nil {
		return "", fmt.Errorf("rewritten kubeconfig is invalid: %w", err)
	}
	data, err := clientcmd.Write(*out)
	return string(data), err
}

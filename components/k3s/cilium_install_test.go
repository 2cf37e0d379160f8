package k3s

import (
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

// The install with Cilium as the network, against the stubs. A server writes
// the config k3s reads, without flannel, its network policy controller and
// kube-proxy, starts k3s and waits for its API only: until Cilium runs, its
// node is NotReady, and Cilium is installed once every node has registered.
// An agent installs as with flannel, and waits for its unit only.
func TestInstallWithCilium(t *testing.T) {
	c := resolve(t, withCilium(config.CiliumInput{Routing: "native", Encryption: "wireguard"}))
	first := c.ControlPlane.Nodes[0]
	serverConfig, err := ServerConfig(c, first, NodeAddresses{PrivateIP: testNodeIP, PublicIP: publicIP(1)}, nil).Render()
	if err != nil {
		t.Fatal(err)
	}
	agentConfig, err := agent(c).Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nflannel-backend: none\n", "\ndisable-network-policy: true\n", "\ndisable-kube-proxy: true\n"} {
		if !strings.Contains(serverConfig, want) {
			t.Fatalf("the server config lacks %q:\n%s", strings.TrimSpace(want), serverConfig)
		}
	}

	t.Run("server", func(t *testing.T) {
		n := newNode(t, RoleServer)
		n.install.Config = serverConfig
		res := n.mustRun()
		n.AssertFile(ConfigPath, serverConfig)
		res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=server INSTALL_K3S_FORCE_RESTART=true")
		res.AssertCalls(t, "k3s ", n.readyz()) // the API, not a Ready node
		res.Says(t, "k3s v1.33.5+k3s1 is ready")
		again := n.mustRun()
		again.Says(t, "k3s v1.33.5+k3s1 is running with this configuration: nothing to do")
	})
	t.Run("agent", func(t *testing.T) {
		n := newNode(t, RoleAgent)
		n.install.Config = agentConfig
		res := n.mustRun()
		n.AssertFile(ConfigPath, agentConfig)
		res.AssertCalls(t, "k3s ")
		res.AssertCalls(t, "systemctl ", "systemctl is-active --quiet k3s-agent")
		res.Says(t, "k3s agent v1.33.5+k3s1 started")
	})
}

package k3s

import (
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shelltest"
	"sigs.k8s.io/yaml"
)

// The join runs on the stubs of the install's tests: the ip stub gives the
// server testNodeIP on its private interface, inside testNetwork.
const (
	testNetwork    = "10.0.0.0/16"
	testJoinConfig = "kubelet-arg:\n- cloud-provider=external\nnode-label:\n- tier=burst\ntoken-file: /etc/rancher/k3s/token\n"
)

func testJoin(peers ...string) Join {
	return Join{Version: testVersion, Config: testJoinConfig, JoinPeers: peers, Network: testNetwork}
}

func TestJoinFirstBootInstallsWithTheAddressFoundAtBoot(t *testing.T) {
	for name, peers := range map[string][]string{
		"through the API load balancer":  {"10.0.255.254"},
		"through a control-plane member": {"10.0.255.253", "10.0.255.252", "10.0.255.251"},
	} {
		t.Run(name, func(t *testing.T) {
			n := newNode(t, RoleAgent)
			n.SetLines("peers-up", "https://"+peers[len(peers)-1]+":6443/ping")
			res := n.MustRun(testJoin(peers...).Script(), n.stdin)
			n.AssertFile(ConfigPath, testJoinConfig+"node-ip: "+testNodeIP+"\nserver: https://"+peers[len(peers)-1]+":6443\n")
			n.AssertFile(TokenPath, testToken+"\n")
			n.AssertFile("/etc/rancher/k3s/config.yaml.d/10-flannel-iface.yaml", "flannel-iface: enp7s0\n")
			res.AssertCalls(t, "installer ", "installer INSTALL_K3S_VERSION=v1.33.5+k3s1 INSTALL_K3S_EXEC=agent INSTALL_K3S_FORCE_RESTART=true")
			res.Says(t, "k3s agent v1.33.5+k3s1 started")
		})
	}
}

func TestJoinOnRebootChangesNothing(t *testing.T) {
	n := newNode(t, RoleAgent)
	n.SetLines("peers-up", "https://10.0.255.254:6443/ping")
	script := testJoin("10.0.255.254").Script()
	n.MustRun(script, n.stdin)
	before := n.Files()
	n.Unset("peers-up") // the join address is on disk now: no peer is asked again
	res := n.MustRun(script, n.stdin)
	want := []string{"ip -o -4 addr show", "cloud-init status --wait", "ip -o -4 addr show", "k3s --version", "systemctl is-active --quiet k3s-agent"}
	if !slices.Equal(res.Calls, want) {
		t.Errorf("calls = %q, want only the checks %q", res.Calls, want)
	}
	res.Says(t, "k3s v1.33.5+k3s1 is running with this configuration: nothing to do")
	shelltest.AssertUntouched(t, before, n.Files())
}

func TestJoinWaitsForAnAddressInTheNetwork(t *testing.T) {
	n := newNode(t, RoleAgent)
	n.Set("no-private-iface", "")
	n.MustFail(testJoin("10.0.255.254").Script(), n.stdin,
		"no address in the cluster's network 10.0.0.0/16 after 120s; is the server attached to it?")
	if n.Exists(ConfigPath) {
		t.Error("a node without its private address wrote a k3s config")
	}
}

func TestJoinScriptPassesShellcheck(t *testing.T) {
	shelltest.Shellcheck(t, testJoin("10.0.255.254").Script())
}

func TestAutoscaledConfigIsTheFixedWorkersLessWhatBootDecides(t *testing.T) {
	c := testCluster(t)
	pool := c.WorkerPools[0]
	fixed := AgentConfig(c, pool, pool.Nodes[0], NodeAddresses{PrivateIP: "10.0.0.2", PublicIP: "203.0.113.9"})
	fixed.NodeName, fixed.NodeIP, fixed.NodeExternalIP = "", "", ""
	want, _ := fixed.Render()
	got, err := AutoscaledAgentConfig(c, pool).Render()
	if err != nil || got != want {
		t.Errorf("autoscaled config:\n%s\nwant the fixed worker's without node name and addresses:\n%s", got, want)
	}
	if strings.Contains(got, "node-name") || strings.Contains(got, "node-ip") {
		t.Errorf("the config names a node or an address known only at boot:\n%s", got)
	}
}

func TestCloudInitKeepsTheTokenOutOfTheScript(t *testing.T) {
	user, err := testJoin("10.0.255.254").CloudInit(testToken, []string{"ssh-ed25519 AAAAC3Nza user@host"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(user, "#cloud-config\n") {
		t.Fatalf("user data is not a cloud-config:\n%s", user)
	}
	var doc cloudConfig
	if err := yaml.Unmarshal([]byte(user), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SSHPasswordAuth || !slices.Equal(doc.SSHAuthorizedKeys, []string{"ssh-ed25519 AAAAC3Nza user@host"}) {
		t.Errorf("root login: password %v, keys %q; want keys only, as on fixed servers", doc.SSHPasswordAuth, doc.SSHAuthorizedKeys)
	}
	files := map[string]cloudFile{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f
	}
	if f := files[TokenPath]; f.Content != testToken+"\n" || f.Permissions != "0600" {
		t.Errorf("token file = %+v, want the token, root only", f)
	}
	if f := files[joinScriptPath]; f.Content != testJoin("10.0.255.254").Script() || strings.Contains(f.Content, testToken) {
		t.Error("the join script is not the rendered script, or holds the token")
	}
	unit := files["/etc/systemd/system/"+joinUnit].Content
	for _, line := range []string{"StandardInput=file:" + TokenPath, "ExecStart=" + joinScriptPath, "WantedBy=multi-user.target"} {
		if !strings.Contains(unit, line+"\n") {
			t.Errorf("join unit lacks %q:\n%s", line, unit)
		}
	}
	start := []string{"systemctl", "start", "--no-block", joinUnit}
	if !slices.ContainsFunc(doc.RunCmd, func(cmd []string) bool { return slices.Equal(cmd, start) }) {
		t.Errorf("runcmd %q does not start the join without blocking cloud-init, which the install waits for", doc.RunCmd)
	}
}

func testCluster(t *testing.T) config.Cluster {
	t.Helper()
	c, err := config.Resolve("dev", config.Input{
		Firewall: config.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		WorkerPools: []config.WorkerPoolInput{{Name: "burst", Count: func() *int { n := 1; return &n }(),
			Labels: map[string]string{"tier": "burst"}, Taints: []string{"burst=true:NoSchedule"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

package addons

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

const testClusterToken = "K10-cluster-token-for-autoscaled-nodes"

func autoscaledCluster(t *testing.T, k3sVersion string, labels map[string]string) config.Cluster {
	t.Helper()
	max := 5
	c, err := config.Resolve("prod", config.Input{
		K3sVersion: k3sVersion,
		Firewall:   config.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		WorkerPools: []config.WorkerPoolInput{
			{Name: "general"},
			{Name: "burst", ServerType: "cx33", Labels: labels, Taints: []string{"burst=true:NoSchedule"},
				Autoscaling: &config.AutoscalingInput{Max: &max}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func decodeClusterConfig(t *testing.T, encoded string) clusterConfig {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatal(err)
	}
	var doc clusterConfig
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestAutoscalerFlagsNameEveryAutoscaledPool(t *testing.T) {
	flags := AutoscalerFlags(autoscaledCluster(t, "", nil))
	want := []string{
		"--cloud-provider=hetzner",
		"--nodes=0:5:cx33:nbg1:prod-burst",
		"--enforce-node-group-min-size=true",
		"--scale-down-delay-after-add=10m0s",
		"--scale-down-unneeded-time=10m0s",
		"--scale-down-utilization-threshold=0.5",
		"--stderrthreshold=info",
	}
	if !slices.Equal(flags, want) {
		t.Errorf("flags = %q\nwant  %q", flags, want)
	}
}

func TestClusterConfigCarriesEachPoolsJoinLabelsAndTaints(t *testing.T) {
	c := autoscaledCluster(t, "", map[string]string{"tier": "burst"})
	encoded, err := AutoscalerClusterConfig(c, testClusterToken, []string{"ssh-ed25519 AAAA key"})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeClusterConfig(t, encoded)
	if doc.ImagesForArch["amd64"] != "ubuntu-24.04" || doc.ImagesForArch["arm64"] != "ubuntu-24.04" {
		t.Errorf("images = %v, want the pool's image for both architectures", doc.ImagesForArch)
	}
	if len(doc.NodeConfigs) != 1 {
		t.Fatalf("node configs for %d groups, want one, prod-burst", len(doc.NodeConfigs))
	}
	burst := doc.NodeConfigs["prod-burst"]
	if burst.Labels["tier"] != "burst" || len(burst.Taints) != 1 || burst.Taints[0] != (taint{Key: "burst", Value: "true", Effect: "NoSchedule"}) {
		t.Errorf("labels %v, taints %v: want the pool's", burst.Labels, burst.Taints)
	}
	for _, want := range []string{"#cloud-config\n", testClusterToken, "node-label:", "tier=burst", "burst=true:NoSchedule", c.K3sVersion.String(), "ssh-ed25519 AAAA key"} {
		if !strings.Contains(burst.CloudInit, want) {
			t.Errorf("cloud-init lacks %q", want)
		}
	}
}

// New nodes take a new k3sVersion, label or taint from the cloud-init of
// the config, and the autoscaler reads it when it starts: the config
// without the token, which the Deployment's digest is taken from, changes.
func TestConfigChangesReachNewNodes(t *testing.T) {
	render := func(c config.Cluster) string {
		s, err := AutoscalerClusterConfig(c, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := render(autoscaledCluster(t, "v1.35.1+k3s1", map[string]string{"tier": "burst"}))
	for name, changed := range map[string]config.Cluster{
		"k3s version": autoscaledCluster(t, "v1.35.2+k3s1", map[string]string{"tier": "burst"}),
		"labels":      autoscaledCluster(t, "v1.35.1+k3s1", map[string]string{"tier": "spot"}),
	} {
		if render(changed) == base {
			t.Errorf("a new %s leaves the autoscaler's config as it was", name)
		}
	}
	if render(autoscaledCluster(t, "v1.35.1+k3s1", map[string]string{"tier": "burst"})) != base {
		t.Error("the same config renders differently")
	}
}

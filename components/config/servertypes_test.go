package config_test

import (
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
)

func intp(n int) *int { return &n }

// cluster resolves a config with a control plane in cpLocation and one
// worker pool of poolType.
func cluster(t *testing.T, cpType, cpLocation, poolType string) config.Cluster {
	t.Helper()
	c, err := config.Resolve("dev", config.Input{
		Firewall:     config.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		ControlPlane: config.ControlPlaneInput{ServerType: cpType, Locations: []string{cpLocation}},
		WorkerPools:  []config.WorkerPoolInput{{Name: "workers", Count: intp(2), ServerType: poolType}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newProject orders every server: nothing runs yet.
func newProject(config.Node, string) bool { return true }

func TestCheckOrderableAsksTheCatalogue(t *testing.T) {
	soldOut := mockcloud.Catalogue()
	mockcloud.SoldOut(soldOut, "cx23", "nbg1")
	tests := []struct {
		name             string
		cpType, location string
		poolType         string
		catalogue        hetzner.Catalogue
		want             string // "" accepts
	}{
		{"the defaults", "cx23", "nbg1", "cx23", nil, ""},
		{"cpx gen2 in Singapore", "cpx22", "sin", "cpx62", nil, ""},
		{"cpx gen1 in the US", "cpx21", "ash", "ccx13", nil, ""},
		{"cpx gen1 in Singapore", "ccx13", "sin", "cpx11", nil,
			`hcloud-k3s:workerPools[0].serverType: "cpx11" is not offered in sin: the closest types orderable there are cpx12, cpx22, ccx13`},
		{"the default sold out in its location", "cx23", "nbg1", "cpx22", soldOut,
			`hcloud-k3s:controlPlane.serverType: "cx23" cannot be ordered in nbg1 now (Hetzner lists it as unavailable there): the closest types orderable there are cpx22, ccx13, cx33`},
		{"the default sold out elsewhere", "cx23", "fsn1", "cx23", soldOut, ""},
		{"deprecated", "cx23", "nbg1", "cx22", nil,
			`hcloud-k3s:workerPools[0].serverType: "cx22" is deprecated by Hetzner in nbg1 (unavailable after 2026-01-01T00:00:00Z): use its successor cx23`},
		{"deprecated, successor not offered", "ccx13", "ash", "cpx51", withDeprecated("cpx51", "ash"),
			`hcloud-k3s:workerPools[0].serverType: "cpx51" is deprecated by Hetzner in ash: the closest types orderable there are ccx33, ccx43, cpx41`},
		{"the default cx outside europe", "cx23", "hil", "ccx13", nil,
			`hcloud-k3s:controlPlane.serverType: "cx23" is not offered in hil: the closest types orderable there are cpx21, ccx13, cpx11`},
		{"arm where Hetzner has none", "ccx13", "ash", "cax11", nil,
			`hcloud-k3s:workerPools[0].serverType: "cax11" is not offered in ash: Hetzner offers no arm server type in ash now: pick another location`},
		{"a name Hetzner does not list", "cx23", "nbg1", "cx99", nil,
			`hcloud-k3s:workerPools[0].serverType: "cx99" is not a Hetzner Cloud server type; the closest are cx22, cx23, cx32`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			catalogue := tt.catalogue
			if catalogue == nil {
				catalogue = mockcloud.Catalogue()
			}
			err := config.CheckOrderable(cluster(t, tt.cpType, tt.location, tt.poolType), catalogue, newProject)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v\nwant it to contain %s", err, tt.want)
			}
		})
	}
}

// withDeprecated is the catalogue with serverType deprecated in location.
func withDeprecated(serverType, location string) hetzner.Catalogue {
	c := mockcloud.Catalogue()
	c[serverType].Offers[location] = hetzner.Offer{Available: true, Deprecated: true}
	return c
}

func TestCheckOrderableLeavesRunningServersAlone(t *testing.T) {
	c := cluster(t, "cx23", "nbg1", "cx22")
	running := func(n config.Node, _ string) bool { return !strings.HasPrefix(n.Name, "workers-") }
	if err := config.CheckOrderable(c, mockcloud.Catalogue(), running); err != nil {
		t.Errorf("servers that run a deprecated type are refused: %v", err)
	}
	one := func(n config.Node, _ string) bool { return n.Name != "workers-1" }
	err := config.CheckOrderable(c, mockcloud.Catalogue(), one)
	if ve, ok := err.(*config.ValidationError); !ok || len(ve.Problems) != 1 || !strings.Contains(ve.Problems[0], `"cx22" is deprecated`) {
		t.Errorf("a new worker of a deprecated type: error = %v, want that one problem", err)
	}
}

// An autoscaled pool registers no server, but the autoscaler orders its
// type whenever it scales up: the type is checked even when every server of
// the cluster already runs.
func TestCheckOrderableChecksAnAutoscaledPoolsType(t *testing.T) {
	soldOut := mockcloud.Catalogue()
	mockcloud.SoldOut(soldOut, "cpx32", "nbg1")
	c, err := config.Resolve("dev", config.Input{
		Firewall: config.FirewallInput{SSHAllowedCIDRs: []string{"198.51.100.7/32"}},
		WorkerPools: []config.WorkerPoolInput{{Name: "burst", ServerType: "cpx32",
			Autoscaling: &config.AutoscalingInput{Min: intp(0), Max: intp(3)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	allRunning := func(config.Node, string) bool { return false }
	err = config.CheckOrderable(c, soldOut, allRunning)
	if err == nil || !strings.Contains(err.Error(), `hcloud-k3s:workerPools[0].serverType: "cpx32" cannot be ordered in nbg1 now`) {
		t.Errorf("CheckOrderable = %v, want the autoscaled pool's sold-out type refused", err)
	}
	if err := config.CheckOrderable(c, mockcloud.Catalogue(), allRunning); err != nil {
		t.Errorf("CheckOrderable = %v, want an orderable type accepted", err)
	}
}

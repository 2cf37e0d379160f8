package cluster

import (
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
)

func TestResizeNoticeSaysWhatPreviewCannotShow(t *testing.T) {
	nodes := []config.Node{{Name: "cp-1", Hostname: "prod-cp-1"}, {Name: "cp-2", Hostname: "prod-cp-2"}, {Name: "cp-3", Hostname: "prod-cp-3"}}
	seen := existing{servers: map[string]server{"prod-cp-1": {serverType: "cx23"}, "prod-cp-2": {serverType: "cx33"}, "prod-cp-3": {serverType: "cx23"}}}
	status := seen.status(nodes, "cx33")
	const after = ": each server is powered off, resized, and ready again before the next starts. " +
		"Hetzner grows the disk, so a server cannot move back to a type with a smaller disk."
	want := "controlPlane.serverType: cx33 resizes cp-1, cp-3 one at a time" + after
	if got := resizeNotice("controlPlane.serverType", "cx33", nodes, status, 1); got != want {
		t.Errorf("notice =\n%s\nwant\n%s", got, want)
	}
	want = "workerPools[0].serverType: cx33 resizes cp-1, cp-3 2 at a time" + after
	if got := resizeNotice("workerPools[0].serverType", "cx33", nodes, status, 2); got != want {
		t.Errorf("a batch of two reads\n%s\nwant\n%s", got, want)
	}
	if got := resizeNotice("controlPlane.serverType", "cx23", nodes, existing{}.status(nodes, "cx23"), 1); got != "" {
		t.Errorf("nothing resized, notice %q", got)
	}
}

func TestOrdersOnlyWhatHetznerMustSell(t *testing.T) {
	seen := existing{servers: map[string]server{"prod-cp-1": {serverType: "cx23", location: "nbg1"}}}
	for _, tt := range []struct {
		name       string
		node       config.Node
		serverType string
		want       bool
	}{
		{"a running server", config.Node{Hostname: "prod-cp-1", Location: "nbg1"}, "cx23", false},
		{"a new server", config.Node{Hostname: "prod-cp-2", Location: "nbg1"}, "cx23", true},
		{"a new type", config.Node{Hostname: "prod-cp-1", Location: "nbg1"}, "cx33", true},
		{"a new location", config.Node{Hostname: "prod-cp-1", Location: "fsn1"}, "cx23", true},
	} {
		if got := seen.orders(tt.node, tt.serverType); got != tt.want {
			t.Errorf("%s: orders = %v, want %v", tt.name, got, tt.want)
		}
	}
}

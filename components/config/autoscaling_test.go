package config

import (
	"strings"
	"testing"
	"time"
)

// autoscaled is valid() with a second pool that the autoscaler sizes.
func autoscaled(min, max int) Input {
	in := valid()
	in.WorkerPools = append(in.WorkerPools, WorkerPoolInput{
		Name: "burst", ServerType: "cx33", Autoscaling: &AutoscalingInput{Min: intp(min), Max: intp(max)},
	})
	return in
}

func TestAutoscaledPoolResolves(t *testing.T) {
	c, err := Resolve("prod", autoscaled(1, 5))
	if err != nil {
		t.Fatal(err)
	}
	pool := c.WorkerPools[1]
	if pool.Autoscaling == nil || *pool.Autoscaling != (Autoscaling{Min: 1, Max: 5}) {
		t.Fatalf("autoscaling = %+v, want {1 5}", pool.Autoscaling)
	}
	if len(pool.Nodes) != 0 {
		t.Errorf("an autoscaled pool has no fixed nodes, got %d", len(pool.Nodes))
	}
	if got := c.NodeGroup(pool); got != "prod-burst" {
		t.Errorf("node group = %q, want prod-burst", got)
	}
	if pool.ServerType != "cx33" || pool.Location != "nbg1" || pool.Image != DefaultImage {
		t.Errorf("an autoscaled pool keeps the pool's settings: %+v", pool)
	}
	a := c.Addons.ClusterAutoscaler
	if want := clusterAutoscalerReleases[c.K3sVersion.Minor]; a.Version != want || want == "" {
		t.Errorf("autoscaler version = %q, want the release of Kubernetes 1.%d (%q)", a.Version, c.K3sVersion.Minor, want)
	}
	if a.ScaleDownDelayAfterAdd != 10*time.Minute || a.ScaleDownUnneededTime != 10*time.Minute || a.ScaleDownUtilizationThreshold != 0.5 {
		t.Errorf("autoscaler defaults = %+v, want the autoscaler's own (10m, 10m, 0.5)", a)
	}
	if c.MaxServerCount() != 1+2+5 {
		t.Errorf("worst case = %d servers, want 8 (1 control plane, 2 fixed workers, 5 at max)", c.MaxServerCount())
	}
}

func TestAutoscalerVersionFollowsTheKubernetesMinor(t *testing.T) {
	for tag, want := range map[string]string{"v1.29.15+k3s1": "v1.29.5", "v1.33.5+k3s1": "v1.33.6", "v1.36.2+k3s1": "v1.36.1"} {
		in := autoscaled(0, 3)
		in.K3sVersion = tag
		c, err := Resolve("dev", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Addons.ClusterAutoscaler.Version; got != want {
			t.Errorf("k3s %s: autoscaler %s, want %s", tag, got, want)
		}
	}
}

func TestAutoscalingRejects(t *testing.T) {
	expectRejections(t, []rejection{
		{"min above max", func(in *Input) { *in = autoscaled(4, 2) },
			`hcloud-k3s:workerPools[1].autoscaling.min: 4 is above max (2): min must be at most max`},
		{"max zero", func(in *Input) { *in = autoscaled(0, 0) },
			`hcloud-k3s:workerPools[1].autoscaling.max: 0 must be 1 or more`},
		{"max beyond the network's room", func(in *Input) { *in = autoscaled(0, 98) },
			`hcloud-k3s:workerPools: "101 servers (3 fixed, the autoscaled pools at their max)" exceed the 100 servers a Hetzner private network holds`},
		{"both count and autoscaling", func(in *Input) { *in = autoscaled(0, 3); in.WorkerPools[1].Count = intp(2) },
			`hcloud-k3s:workerPools[1].count: 2 is set together with workerPools[1].autoscaling: a pool is either fixed (count) or autoscaled`},
		{"no autoscaler for an old minor", func(in *Input) { *in = autoscaled(0, 3); in.K3sVersion = "v1.28.15+k3s1" },
			`hcloud-k3s:workerPools: "v1.28.15+k3s1" has no cluster-autoscaler release for Kubernetes 1.28`},
		{"autoscaler of another minor", func(in *Input) {
			*in = autoscaled(0, 3)
			in.Addons.ClusterAutoscaler.Version = "v1.33.6"
		}, `hcloud-k3s:addons.clusterAutoscaler.version: "v1.33.6" must be a cluster-autoscaler release v1.36.<patch>`},
		{"no cloud-controller-manager", func(in *Input) {
			*in = autoscaled(0, 3)
			off := false
			in.Addons.CloudControllerManager.Enabled = &off
		}, `hcloud-k3s:addons.cloudControllerManager.enabled: false must be true with autoscaled pools`},
		{"server names too long", func(in *Input) {
			*in = autoscaled(0, 3)
			in.ClusterName = "a-rather-long-cluster-name-xyz"
			in.WorkerPools[1].Name = "pool-with-a-long-name"[:20]
		}, `hcloud-k3s:workerPools[1].name: "pool-with-a-long-nam" is too long for an autoscaled pool`},
		{"autoscaled pools of two images", func(in *Input) {
			*in = autoscaled(0, 3)
			in.WorkerPools = append(in.WorkerPools, WorkerPoolInput{Name: "batch", Image: "debian-12", Autoscaling: &AutoscalingInput{Max: intp(2)}})
		}, `hcloud-k3s:workerPools[2].image: "debian-12" differs from "ubuntu-24.04", the image of autoscaled pool burst`},
		{"threshold above 1", func(in *Input) {
			*in = autoscaled(0, 3)
			t := 1.5
			in.Addons.ClusterAutoscaler.ScaleDownUtilizationThreshold = &t
		}, `hcloud-k3s:addons.clusterAutoscaler.scaleDownUtilizationThreshold: 1.5 must be above 0 and at most 1`},
		{"malformed delay", func(in *Input) { *in = autoscaled(0, 3); in.Addons.ClusterAutoscaler.ScaleDownDelayAfterAdd = "soon" },
			`hcloud-k3s:addons.clusterAutoscaler.scaleDownDelayAfterAdd: "soon" is not a duration of at least 1s`},
	})
}

func TestAnAutoscaledControlPlaneIsRefusedByKey(t *testing.T) {
	_, err := Decode(map[string]string{"controlPlane": `{"count": 3, "autoscaling": {"min": 1, "max": 5}}`})
	if err == nil || !strings.Contains(err.Error(), "hcloud-k3s:controlPlane.autoscaling: is not a field of controlPlane") {
		t.Fatalf("got %v, want controlPlane.autoscaling refused by name", err)
	}
}

func TestAutoscaledPoolsAloneAreWorkers(t *testing.T) {
	in := autoscaled(0, 3)
	in.WorkerPools = in.WorkerPools[1:]
	if _, err := Resolve("dev", in); err != nil {
		t.Fatalf("a cluster whose only pool is autoscaled from 0 has somewhere to run workloads: %v", err)
	}
}

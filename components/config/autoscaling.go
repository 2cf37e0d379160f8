package config

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// AutoscalingInput is a worker pool's `autoscaling` key: the bounds the
// cluster-autoscaler keeps the pool's size within, instead of a fixed count.
type AutoscalingInput struct {
	Min *int `json:"min"`
	Max *int `json:"max"`
}

// Autoscaling are an autoscaled pool's bounds.
type Autoscaling struct {
	Min, Max int
}

// ClusterAutoscalerInput is the `addons.clusterAutoscaler` key. The
// autoscaler runs exactly when a pool is autoscaled, so it has no switch.
type ClusterAutoscalerInput struct {
	Version                       string   `json:"version"`
	ScaleDownDelayAfterAdd        string   `json:"scaleDownDelayAfterAdd"`
	ScaleDownUnneededTime         string   `json:"scaleDownUnneededTime"`
	ScaleDownUtilizationThreshold *float64 `json:"scaleDownUtilizationThreshold"`
}

// ClusterAutoscaler are the cluster-autoscaler's settings.
type ClusterAutoscaler struct {
	// Version is the image tag, v1.<minor>.<patch>.
	Version                       string
	ScaleDownDelayAfterAdd        time.Duration
	ScaleDownUnneededTime         time.Duration
	ScaleDownUtilizationThreshold float64
}

// Defaults of the autoscaler's flags, as cluster-autoscaler documents them
// (FAQ.md "What are the parameters to CA?" and config/flags/flags.go at
// cluster-autoscaler-1.36.1).
const (
	DefaultScaleDownDelayAfterAdd        = 10 * time.Minute
	DefaultScaleDownUnneededTime         = 10 * time.Minute
	DefaultScaleDownUtilizationThreshold = 0.5
)

// clusterAutoscalerReleases is the newest cluster-autoscaler release of each
// Kubernetes minor (tags cluster-autoscaler-1.<minor>.<patch> of
// kubernetes/autoscaler). Its README asks for the release whose minor is the
// cluster's: the autoscaler simulates the scheduler of that minor. 1.29 is
// the first whose Hetzner provider reads per-pool cloud-init, labels and
// taints (HCLOUD_CLUSTER_CONFIG in hetzner_manager.go).
var clusterAutoscalerReleases = map[int]string{
	29: "v1.29.5", 30: "v1.30.7", 31: "v1.31.5", 32: "v1.32.7",
	33: "v1.33.6", 34: "v1.34.5", 35: "v1.35.2", 36: "v1.36.1",
}

// autoscalerVersion is a cluster-autoscaler image tag; it captures the minor.
var autoscalerVersion = regexp.MustCompile(`^v1\.([0-9]+)\.[0-9]+$`)

// maxServerName: a server's name is its hostname, one DNS label.
const maxServerName = 63

// nodeGroupSuffix is what the autoscaler appends to the node group's name to
// name a server: "-" and up to 16 hex digits (newNodeName in
// hetzner_node_group.go: fmt.Sprintf("%s-%x", id, rand.Int63())).
const nodeGroupSuffix = 1 + 16

// NodeGroup is the autoscaler's name for an autoscaled pool: the prefix of
// its servers' names and the value of their LabelNodeGroup label. The
// cluster's name keeps it apart from other clusters' in the same project.
func (c Cluster) NodeGroup(pool WorkerPool) string { return c.Name + "-" + pool.Name }

// AutoscaledPools are the pools the autoscaler sizes, in config order.
func (c Cluster) AutoscaledPools() []WorkerPool {
	var pools []WorkerPool
	for _, pool := range c.WorkerPools {
		if pool.Autoscaling != nil {
			pools = append(pools, pool)
		}
	}
	return pools
}

// MaxServerCount is the most servers the cluster can put on its network:
// its fixed nodes and every autoscaled pool at its maximum.
func (c Cluster) MaxServerCount() int {
	n := c.ServerCount()
	for _, pool := range c.AutoscaledPools() {
		n += pool.Autoscaling.Max
	}
	return n
}

func resolveAutoscaling(p *problems, key string, in *AutoscalingInput) *Autoscaling {
	if in == nil {
		return nil
	}
	a := &Autoscaling{Min: valueOr(in.Min, 0), Max: valueOr(in.Max, 0)}
	if a.Min < 0 {
		p.add(key+".min", a.Min, "is negative: use 0 or more")
	}
	if a.Max < 1 {
		p.add(key+".max", a.Max, "must be 1 or more: the most servers the autoscaler may run in this pool")
	}
	if a.Min > a.Max {
		p.add(key+".min", a.Min, "is above max (%d): min must be at most max", a.Max)
	}
	return a
}

func resolveClusterAutoscaler(p *problems, in ClusterAutoscalerInput) ClusterAutoscaler {
	const key = "addons.clusterAutoscaler"
	a := ClusterAutoscaler{
		Version:                       in.Version,
		ScaleDownDelayAfterAdd:        resolveDuration(p, key+".scaleDownDelayAfterAdd", in.ScaleDownDelayAfterAdd, DefaultScaleDownDelayAfterAdd),
		ScaleDownUnneededTime:         resolveDuration(p, key+".scaleDownUnneededTime", in.ScaleDownUnneededTime, DefaultScaleDownUnneededTime),
		ScaleDownUtilizationThreshold: valueOr(in.ScaleDownUtilizationThreshold, DefaultScaleDownUtilizationThreshold),
	}
	if t := a.ScaleDownUtilizationThreshold; t <= 0 || t > 1 {
		p.add(key+".scaleDownUtilizationThreshold", t, "must be above 0 and at most 1: the share of a node's CPU and memory requested below which it may be removed")
	}
	return a
}

func resolveDuration(p *problems, key, s string, fallback time.Duration) time.Duration {
	if s == "" {
		return fallback
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		p.add(key, s, "is not a duration of at least 1s, such as 5m")
		return fallback
	}
	return d
}

// checkAutoscaling checks what autoscaled pools need of the whole cluster:
// an autoscaler release for its Kubernetes minor, the cloud-controller-manager,
// and server names that fit a hostname.
func checkAutoscaling(p *problems, c *Cluster) {
	pools := c.AutoscaledPools()
	if len(pools) == 0 {
		return
	}
	if c.Addons.ClusterAutoscaler.Version == "" {
		release, ok := clusterAutoscalerReleases[c.K3sVersion.Minor]
		if !ok && c.K3sVersion.Major == 1 {
			p.add("workerPools", c.K3sVersion.String(), "has no cluster-autoscaler release for Kubernetes 1.%d known to hcloud-k3s: "+
				"autoscaled pools need Kubernetes 1.29 to 1.36, or pin addons.clusterAutoscaler.version to the autoscaler release of your minor", c.K3sVersion.Minor)
		}
		c.Addons.ClusterAutoscaler.Version = release
	} else if m := autoscalerVersion.FindStringSubmatch(c.Addons.ClusterAutoscaler.Version); m == nil || m[1] != strconv.Itoa(c.K3sVersion.Minor) {
		p.add("addons.clusterAutoscaler.version", c.Addons.ClusterAutoscaler.Version, "must be a cluster-autoscaler release v1.%d.<patch>: its minor must be the cluster's Kubernetes minor (k3sVersion %s)", c.K3sVersion.Minor, c.K3sVersion)
	}
	if !c.Addons.CloudControllerManager.Enabled {
		p.add("addons.cloudControllerManager.enabled", false, "must be true with autoscaled pools: the CCM gives new nodes the provider ID the autoscaler finds their servers by, and removes the Nodes of deleted servers")
	}
	for i, pool := range c.WorkerPools {
		if pool.Autoscaling == nil {
			continue
		}
		// HCLOUD_CLUSTER_CONFIG has one image per architecture for every node group.
		if pool.Image != pools[0].Image {
			p.add(fmt.Sprintf("workerPools[%d].image", i), pool.Image, "differs from %q, the image of autoscaled pool %s: the autoscaler creates every autoscaled pool's servers from one image", pools[0].Image, pools[0].Name)
		}
		if group := c.NodeGroup(pool); len(group)+nodeGroupSuffix > maxServerName {
			p.add(fmt.Sprintf("workerPools[%d].name", i), pool.Name, "is too long for an autoscaled pool: the autoscaler names servers %s-<16 hex digits>, and a server name is at most %d characters; "+
				"shorten the pool or cluster name to at most %d characters together", group, maxServerName, maxServerName-nodeGroupSuffix-1)
		}
	}
}

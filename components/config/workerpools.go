package config

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
)

const maxPoolNameLength = 20

// WorkerPoolInput is one entry of the `workerPools` key.
type WorkerPoolInput struct {
	Name       string            `json:"name"`
	Count      *int              `json:"count"`
	ServerType string            `json:"serverType"`
	Location   string            `json:"location"`
	Image      string            `json:"image"`
	Labels     map[string]string `json:"labels"`
	Taints     []string          `json:"taints"`
	// Autoscaling replaces Count: the cluster-autoscaler sizes the pool.
	Autoscaling *AutoscalingInput `json:"autoscaling"`
}

// WorkerPool is a named group of identical k3s agents.
type WorkerPool struct {
	Name       string
	ServerType string
	Location   string
	Image      string
	Labels     map[string]string
	Taints     []Taint
	Nodes      []Node // none when autoscaled: the autoscaler makes the servers
	// Autoscaling is set when the cluster-autoscaler sizes the pool.
	Autoscaling *Autoscaling
}

func resolveWorkerPools(p *problems, in []WorkerPoolInput, home, zone string) []WorkerPool {
	seen := map[string]bool{}
	pools := make([]WorkerPool, 0, len(in))
	for i, pool := range in {
		key := fmt.Sprintf("workerPools[%d]", i)
		switch {
		case !validName(pool.Name, maxPoolNameLength):
			p.add(key+".name", pool.Name, "is invalid: %s", nameRule(maxPoolNameLength))
		case pool.Name == "cp":
			p.add(key+".name", pool.Name, "is reserved for the control plane: pick another pool name")
		case seen[pool.Name]:
			p.add(key+".name", pool.Name, "is used by another pool: pool names must be unique")
		}
		seen[pool.Name] = true
		pools = append(pools, resolveWorkerPool(p, key, pool, home, zone))
	}
	return pools
}

func resolveWorkerPool(p *problems, key string, in WorkerPoolInput, home, zone string) WorkerPool {
	count := valueOr(in.Count, 1)
	if in.Autoscaling != nil {
		if in.Count != nil {
			p.add(key+".count", *in.Count, "is set together with %s.autoscaling: a pool is either fixed (count) or autoscaled (autoscaling: {min, max}), not both", key)
		}
		count = 0
	}
	if count < 0 {
		p.add(key+".count", count, "is negative: use 0 or more")
		count = 0
	}
	pool := WorkerPool{
		Name:        in.Name,
		ServerType:  or(in.ServerType, DefaultServerType),
		Location:    or(in.Location, home),
		Image:       or(in.Image, DefaultImage),
		Labels:      in.Labels,
		Autoscaling: resolveAutoscaling(p, key+".autoscaling", in.Autoscaling),
	}
	checkInZone(p, key+".location", pool.Location, zone)
	for _, k := range slices.Sorted(maps.Keys(in.Labels)) {
		if problem := nodeLabelProblem(k); problem != "" {
			p.add(key+".labels", k, "%s", problem)
		} else if problem := labelValueProblem(in.Labels[k]); problem != "" {
			p.add(key+".labels."+k, in.Labels[k], "%s", problem)
		}
	}
	for j, s := range in.Taints {
		taint, err := ParseTaint(s)
		if err != nil {
			p.add(fmt.Sprintf("%s.taints[%d]", key, j), s, "%s", err)
			continue
		}
		pool.Taints = append(pool.Taints, taint)
	}
	for i := range count {
		pool.Nodes = append(pool.Nodes, Node{
			Name:      fmt.Sprintf("%s-%d", in.Name, i+1),
			Location:  pool.Location,
			Placement: i / hetzner.MaxServersPerPlacement,
		})
	}
	return pool
}

package config

import "time"

// UpgradeInput is the `upgrade` key: how a k3sVersion change rolls out.
type UpgradeInput struct {
	AgentConcurrency *int  `json:"agentConcurrency"`
	Drain            *bool `json:"drain"`
}

// Upgrade is how system-upgrade-controller rolls out a new k3s version:
// control-plane nodes one at a time, then agents.
type Upgrade struct {
	AgentConcurrency int
	Drain            bool
}

func resolveUpgrade(p *problems, in UpgradeInput) Upgrade {
	u := Upgrade{AgentConcurrency: valueOr(in.AgentConcurrency, 1), Drain: valueOr(in.Drain, true)}
	if u.AgentConcurrency < 1 {
		p.add("upgrade.agentConcurrency", u.AgentConcurrency, "must be 1 or more: how many agents upgrade at once")
	}
	return u
}

// DefaultDrainTimeout bounds `kubectl drain` of a node leaving the cluster.
const DefaultDrainTimeout = 5 * time.Minute

func resolveDrainTimeout(p *problems, s string) time.Duration {
	return resolveDuration(p, "drainTimeout", s, DefaultDrainTimeout)
}

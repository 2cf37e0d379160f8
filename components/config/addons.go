package config

import (
	"regexp"
	"slices"
)

// AddonsInput is the `addons` key: what runs in the cluster from day one.
type AddonsInput struct {
	CloudControllerManager  AddonInput             `json:"cloudControllerManager"`
	CSIDriver               AddonInput             `json:"csiDriver"`
	SystemUpgradeController AddonInput             `json:"systemUpgradeController"`
	ClusterAutoscaler       ClusterAutoscalerInput `json:"clusterAutoscaler"`
}

// AddonInput switches one add-on and pins its version.
type AddonInput struct {
	Enabled *bool  `json:"enabled"`
	Version string `json:"version"`
}

// Addons are the cluster add-ons installed through pulumi-kubernetes.
type Addons struct {
	CloudControllerManager  Addon
	CSIDriver               Addon
	SystemUpgradeController Addon
	// ClusterAutoscaler runs when a worker pool is autoscaled.
	ClusterAutoscaler ClusterAutoscaler
}

// Addon is one switchable, pinned add-on.
type Addon struct {
	Enabled bool
	Version string
}

// Pinned add-on releases.
const (
	DefaultCCMVersion = "1.35.0" // hcloud-cloud-controller-manager Helm chart
	DefaultCSIVersion = "2.22.1" // hcloud-csi Helm chart
	DefaultSUCVersion = "v0.20.1"
)

var chartVersionPattern = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+$`)

func resolveAddons(p *problems, in AddonsInput) Addons {
	a := Addons{
		CloudControllerManager:  resolveAddon(p, "addons.cloudControllerManager", in.CloudControllerManager, DefaultCCMVersion),
		CSIDriver:               resolveAddon(p, "addons.csiDriver", in.CSIDriver, DefaultCSIVersion),
		SystemUpgradeController: resolveAddon(p, "addons.systemUpgradeController", in.SystemUpgradeController, DefaultSUCVersion),
		ClusterAutoscaler:       resolveClusterAutoscaler(p, in.ClusterAutoscaler),
	}
	// Its objects are written for one release (components/addons).
	if v := a.SystemUpgradeController.Version; chartVersionPattern.MatchString(v) && v != DefaultSUCVersion {
		p.add("addons.systemUpgradeController.version", v, "is not %s, the system-upgrade-controller release whose objects hcloud-k3s writes", DefaultSUCVersion)
	}
	return a
}

func resolveAddon(p *problems, key string, in AddonInput, defaultVersion string) Addon {
	a := Addon{Enabled: valueOr(in.Enabled, true), Version: or(in.Version, defaultVersion)}
	if !chartVersionPattern.MatchString(a.Version) {
		p.add(key+".version", a.Version, "is not a pinned release such as %s", defaultVersion)
	}
	return a
}

// checkOneServiceLoadBalancer refuses k3s's ServiceLB next to the Hetzner
// CCM: k3s keeps running ServiceLB's controller unless servicelb is disabled
// (k3s pkg/cli/server/server.go, pkg/daemons/control/server.go), and two
// controllers would each answer every LoadBalancer Service.
func checkOneServiceLoadBalancer(p *problems, c Cluster) {
	if c.Addons.CloudControllerManager.Enabled && !slices.Contains(c.K3s.Disable, "servicelb") {
		p.add("k3s.disable", c.K3s.Disable, "must include servicelb while addons.cloudControllerManager is enabled: "+
			"the Hetzner cloud-controller-manager serves LoadBalancer Services, and k3s's ServiceLB would answer them too")
	}
}

// ExternalCloudProvider tells whether the Hetzner cloud-controller-manager
// initialises nodes; without it k3s keeps its embedded cloud controller, or
// nodes would stay tainted uninitialized forever.
func (c Cluster) ExternalCloudProvider() bool { return c.Addons.CloudControllerManager.Enabled }

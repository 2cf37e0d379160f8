package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a k3s release tag such as v1.33.5+k3s1 (or v1.34.0-rc1+k3s1).
type Version struct {
	Major, Minor, Patch int
	RC                  int // 0 for a final release
	K3s                 int // the k3s build of that Kubernetes release
	tag                 string
}

var versionPattern = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)(?:-rc(\d+))?\+k3s(\d+)$`)

// ParseVersion parses a pinned k3s release tag. Channels ("stable") and
// partial versions are refused: a cluster must not change version by itself.
func ParseVersion(tag string) (Version, error) {
	m := versionPattern.FindStringSubmatch(tag)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a k3s release tag such as v1.33.5+k3s1", tag)
	}
	n := make([]int, 5)
	for i, s := range m[1:] {
		if s != "" {
			n[i], _ = strconv.Atoi(s)
		}
	}
	return Version{Major: n[0], Minor: n[1], Patch: n[2], RC: n[3], K3s: n[4], tag: tag}, nil
}

func (v Version) String() string { return v.tag }

// OrOlder is the version a node that has no k3s installs: running, the
// oldest release the control plane runs, when that is older than v (an
// upgrade under way), else v; v too when running is not a release tag (the
// control plane could not be read).
func (v Version) OrOlder(running string) string {
	if r, err := ParseVersion(strings.TrimSpace(running)); err == nil && r.Less(v) {
		return r.String()
	}
	return v.String()
}

// Less orders releases; a release candidate comes before its final release.
func (v Version) Less(o Version) bool {
	a := [5]int{v.Major, v.Minor, v.Patch, rcRank(v.RC), v.K3s}
	b := [5]int{o.Major, o.Minor, o.Patch, rcRank(o.RC), o.K3s}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func rcRank(rc int) int {
	if rc == 0 {
		return 1 << 30
	}
	return rc
}

// DefaultK3sVersion is the k3s stable channel's release; docs/configuration.md: Defaults.
const DefaultK3sVersion = "v1.36.4+k3s1"

// minimumK3s is the oldest release hcloud-k3s supports: control-plane nodes
// join concurrently, which needs k3s to retry "too many learner members"
// (fixed in v1.26.5), and older minors are out of support anyway.
var minimumK3s, _ = ParseVersion("v1.28.0+k3s1")

func resolveK3sVersion(p *problems, tag string) Version {
	version, err := ParseVersion(or(tag, DefaultK3sVersion))
	if err != nil {
		p.add("k3sVersion", or(tag, DefaultK3sVersion), "is not a pinned k3s release: use a tag such as %s from github.com/k3s-io/k3s/releases", DefaultK3sVersion)
	} else if version.Less(minimumK3s) {
		p.add("k3sVersion", version.String(), "is older than %s, the oldest release hcloud-k3s supports", minimumK3s)
	}
	return version
}

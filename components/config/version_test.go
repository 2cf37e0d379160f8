package config

import "testing"

func TestVersionOrder(t *testing.T) {
	order := []string{"v1.32.9+k3s1", "v1.33.0-rc1+k3s1", "v1.33.0+k3s1", "v1.33.0+k3s2", "v1.33.5+k3s1", "v1.34.1+k3s1"}
	for i := range order[1:] {
		a, _ := ParseVersion(order[i])
		b, _ := ParseVersion(order[i+1])
		if !a.Less(b) || b.Less(a) {
			t.Errorf("want %s < %s", a, b)
		}
	}
}

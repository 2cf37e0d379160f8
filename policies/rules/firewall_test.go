package rules

import "testing"

func TestPortsContain(t *testing.T) {
	tests := []struct {
		spec string
		port int
		want bool
	}{
		{"22", 22, true},
		{"22", 23, false},
		{"any", 6443, true},
		{"6000-7000", 6443, true},
		{"1-65535", 22, true},
		{"6444-7000", 6443, false},
		{"", 22, false},
		{"ssh", 22, false},
		{"7000-6000", 6443, false},
	}
	for _, tt := range tests {
		if got := portsContain(tt.spec, tt.port); got != tt.want {
			t.Errorf("portsContain(%q, %d) = %v, want %v", tt.spec, tt.port, got, tt.want)
		}
	}
}

func TestIsWorld(t *testing.T) {
	tests := map[string]bool{
		"0.0.0.0/0": true, "::/0": true, " ::0/0 ": true,
		"0.0.0.0/1": false, "198.51.100.7/32": false, "0.0.0.0": false, "nonsense": false,
	}
	for cidr, want := range tests {
		if got := isWorld(cidr); got != want {
			t.Errorf("isWorld(%q) = %v, want %v", cidr, got, want)
		}
	}
}

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

func TestCoversWorld(t *testing.T) {
	tests := []struct {
		cidrs []string
		want  bool
	}{
		{[]string{"0.0.0.0/0"}, true},
		{[]string{"::/0"}, true},
		{[]string{" ::0/0 "}, true},
		{[]string{"0.0.0.0/1", "128.0.0.0/1"}, true},
		{[]string{"128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"}, true},
		{[]string{"0.0.0.0/1", "0.0.0.0/2", "128.0.0.0/1"}, true},
		{[]string{"::/1", "8000::/1"}, true},
		{[]string{"0.0.0.0/1"}, false},
		{[]string{"0.0.0.0/1", "192.0.0.0/2"}, false},
		{[]string{"0.0.0.0/1", "8000::/1"}, false},
		{[]string{"0.0.0.0/1", "128.0.0.1/1"}, true},
		{[]string{"198.51.100.7/32"}, false},
		{[]string{"nonsense", "0.0.0.0"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := coversWorld(tt.cidrs); got != tt.want {
			t.Errorf("coversWorld(%q) = %v, want %v", tt.cidrs, got, tt.want)
		}
	}
}

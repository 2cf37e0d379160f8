package config

import (
	"strings"
	"testing"
)

func TestDecodeReadsEveryKind(t *testing.T) {
	in, err := Decode(map[string]string{
		"clusterName":     "prod",
		"controlPlane":    `{"count":3,"locations":["fsn1","nbg1","hel1"]}`,
		"workerPools":     `[{"name":"general","count":2,"labels":{"team":"a"}}]`,
		"apiLoadBalancer": `{"enabled":true,"publicInterface":false}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if in.ClusterName != "prod" || *in.ControlPlane.Count != 3 || in.WorkerPools[0].Labels["team"] != "a" ||
		*in.APILoadBalancer.PublicInterface {
		t.Errorf("decoded %+v", in)
	}
}

// A misspelt key or field is refused with the closest known name, instead
// of being dropped and its default used.
func TestDecodeRefusesUnknownKeysAndFields(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]string
		want string
	}{
		{"unknown key", map[string]string{"workerPool": `[{"name":"w"}]`},
			"hcloud-k3s:workerPool: is not an hcloud-k3s setting; did you mean workerPools?"},
		{"unknown field", map[string]string{"controlPlane": `{"serverTyp":"cx33"}`},
			"hcloud-k3s:controlPlane.serverTyp: is not a field of controlPlane; did you mean serverType?"},
		{"the typo that opens the API", map[string]string{"apiLoadBalancer": `{"enabled":true,"publicInterfce":false}`},
			"hcloud-k3s:apiLoadBalancer.publicInterfce: is not a field of apiLoadBalancer; did you mean publicInterface?"},
		{"unknown field in a list item", map[string]string{"workerPools": `[{"name":"a"},{"name":"b","taint":["x:NoSchedule"]}]`},
			"hcloud-k3s:workerPools[1].taint: is not a field of workerPools[1]; did you mean taints?"},
		{"unknown field in a nested object", map[string]string{"addons": `{"csiDriver":{"enable":false}}`},
			"hcloud-k3s:addons.csiDriver.enable: is not a field of addons.csiDriver; did you mean enabled?"},
		{"wrong shape", map[string]string{"controlPlane": `{"count":"three"}`},
			`hcloud-k3s:controlPlane: "{\"count\":\"three\"}" has the wrong shape`},
		{"not structured", map[string]string{"network": `10.0.0.0/16`},
			"hcloud-k3s:network: \"10.0.0.0/16\" is not a structured value: set it with `pulumi config set --path`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain: %s", err, tt.want)
			}
		})
	}
}

// Map keys are the user's own (node labels), not fields.
func TestDecodeAcceptsAnyLabelKey(t *testing.T) {
	if _, err := Decode(map[string]string{"workerPools": `[{"name":"a","labels":{"anything/at-all":"x"}}]`}); err != nil {
		t.Fatal(err)
	}
}

// Keys holding secrets are never echoed, whichever way their value is wrong.
func TestDecodeNeverEchoesSecrets(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"ssh", `{"privateKey":"c2VjcmV0","privateKy":1}`, "ssh.privateKy: is not a field of ssh; did you mean privateKey?"},
		{"ssh", `c2VjcmV0`, "hcloud-k3s:ssh: (secret) is not a structured value"},
		{"ssh", `{"privateKey":["c2VjcmV0"]}`, "hcloud-k3s:ssh: (secret) has the wrong shape"},
		{"etcdSnapshots", `{"s3":{"secretKey":"c2VjcmV0","retention":"many"}}`, "hcloud-k3s:etcdSnapshots.s3.retention: is not a field"},
		{"etcdSnapshots", `{"s3":{"secretKey":["c2VjcmV0"]}}`, "hcloud-k3s:etcdSnapshots: (secret) has the wrong shape"},
	}
	for _, tt := range tests {
		_, err := Decode(map[string]string{tt.key: tt.value})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s = %s: error %v, want it to contain %q", tt.key, tt.value, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%s: the error shows the secret: %v", tt.key, err)
		}
	}
}

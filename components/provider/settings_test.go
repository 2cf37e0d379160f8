package provider

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// wire is inputs as the engine sends them to Construct.
func wire(t *testing.T, inputs resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(inputs, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The inputs decode as the same settings in stack config do: strings as
// they are, structured values field by field, secrets in the clear for
// package config to keep secret; the token is not a setting.
func TestSettingsAreTheStackConfigsSettings(t *testing.T) {
	inputs := resource.NewPropertyMapFromMap(map[string]any{
		"clusterName":  "edge",
		"controlPlane": map[string]any{"count": 3, "locations": []any{"fsn1", "nbg1", "hel1"}},
		"workerPools":  []any{map[string]any{"name": "general", "count": 2, "labels": map[string]any{"tier": "web"}}},
		"drainTimeout": "10m",
	})
	inputs["ssh"] = resource.MakeSecret(resource.NewProperty(resource.PropertyMap{"privateKey": resource.NewProperty("KEY")}))
	inputs[HcloudTokenInput] = resource.MakeSecret(resource.NewProperty("token"))
	got, err := settings(wire(t, inputs))
	if err != nil {
		t.Fatal(err)
	}
	want, err := config.Decode(map[string]string{
		"clusterName":  "edge",
		"controlPlane": `{"count":3,"locations":["fsn1","nbg1","hel1"]}`,
		"workerPools":  `[{"name":"general","count":2,"labels":{"tier":"web"}}]`,
		"drainTimeout": "10m",
		"ssh":          `{"privateKey":"KEY"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings = %+v, want %+v", got, want)
	}
}

func TestSettingsRefuse(t *testing.T) {
	unknown := resource.PropertyMap{
		"clusterName": resource.MakeComputed(resource.NewProperty("")),
		"firewall":    resource.NewProperty(resource.PropertyMap{"sshAllowedCidrs": resource.MakeComputed(resource.NewProperty(""))}),
	}
	cases := []struct {
		name   string
		inputs resource.PropertyMap
		want   string
	}{
		{"a value not known at preview", unknown,
			"hcloud-k3s:clusterName, hcloud-k3s:firewall: not known yet"},
		{"an unknown setting, as config.Decode does", resource.NewPropertyMapFromMap(map[string]any{"controlPlan": map[string]any{}}),
			"hcloud-k3s:controlPlan: is not an hcloud-k3s setting; did you mean controlPlane?"},
		{"an unknown field, as config.Decode does", resource.NewPropertyMapFromMap(map[string]any{"apiLoadBalancer": map[string]any{"publicInterfce": false}}),
			"hcloud-k3s:apiLoadBalancer.publicInterfce: is not a field of apiLoadBalancer; did you mean publicInterface?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := settings(wire(t, c.inputs))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("settings: %v, want an error with %q", err, c.want)
			}
		})
	}
}

package provider

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// settings reads the component's inputs as the stack config the program
// reads: each one a config key, a string as it is and a structured value as
// JSON, decoded by config.Decode with the same strictness and messages. A
// secret input is read in the clear here, as the CLI hands the program its
// decrypted config; package config keeps it secret from there on.
func settings(inputs *structpb.Struct) (config.Input, error) {
	props, err := plugin.UnmarshalProperties(inputs, plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true})
	if err != nil {
		return config.Input{}, fmt.Errorf("reading the inputs: %w", err)
	}
	raw := map[string]string{}
	var unknown []string
	for key, value := range props {
		name := string(key)
		switch {
		case name == HcloudTokenInput:
		case value.ContainsUnknowns():
			unknown = append(unknown, config.ConfigNamespace+name)
		case value.IsString():
			raw[name] = value.StringValue()
		default:
			encoded, err := json.Marshal(value.Mappable())
			if err != nil {
				return config.Input{}, fmt.Errorf("%s%s: %w", config.ConfigNamespace, name, err)
			}
			raw[name] = string(encoded)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return config.Input{}, fmt.Errorf("%s: not known yet, because each depends on a resource this update creates; "+
			"the cluster's settings decide which resources it has, so they must be known at preview, as stack config is",
			strings.Join(unknown, ", "))
	}
	return config.Decode(raw)
}

package cluster

import (
	"fmt"

	"github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// readCatalogue reads every server type Hetzner lists, with where each can
// be ordered now: one request (GET /server_types, 50 types a page,
// hcloud-go ServerTypeClient.AllWithOpts; Hetzner lists fewer).
func readCatalogue(ctx *pulumi.Context, opts ...pulumi.InvokeOption) (hetzner.Catalogue, error) {
	result, err := hcloud.GetServerTypes(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading Hetzner's server types, to check that the servers this update orders can be ordered "+
			"(nothing was changed; check hcloud:token and that api.hetzner.cloud is reachable, then run it again): %w", err)
	}
	return catalogueOf(result.ServerTypes), nil
}

// catalogueOf keeps what the check needs of each listed type: per location,
// locations[].available and the deprecation there (the type-wide
// deprecation fields and the datacenters' server-type lists are phased
// out: pulumi-hcloud v1.41 getServerTypes and getDatacenters).
func catalogueOf(listed []hcloud.GetServerTypesServerType) hetzner.Catalogue {
	catalogue := hetzner.Catalogue{}
	for _, t := range listed {
		offers := map[string]hetzner.Offer{}
		for _, l := range t.Locations {
			offers[l.Name] = hetzner.Offer{Available: l.Available, Deprecated: l.IsDeprecated, UnavailableAfter: l.UnavailableAfter}
		}
		catalogue[t.Name] = hetzner.ServerType{
			Name: t.Name, Architecture: t.Architecture, Cores: t.Cores, Memory: t.Memory, Offers: offers,
		}
	}
	return catalogue
}

package provider_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/provider"
	"github.com/hcloud-k3s/hcloud-k3s/internal/plugintest"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The plugin binary starts as the engine starts it, prints its port and
// serves its schema and version: what `pulumi package add` asks of it.
func TestPluginBinaryServesTheSchema(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pulumi-resource-hcloud-k3s")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/pulumi-resource-hcloud-k3s").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	client := pulumirpc.NewResourceProviderClient(plugintest.Start(t, bin))
	schema, err := client.GetSchema(context.Background(), &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if schema.GetSchema() != string(provider.Schema) {
		t.Error("the plugin serves another schema than schema.json")
	}
	info, err := client.GetPluginInfo(context.Background(), &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if info.GetVersion() != provider.Version {
		t.Errorf("the plugin says it is version %q, want %q", info.GetVersion(), provider.Version)
	}
}

package provider

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The release workflow builds the plugin for linux and darwin on amd64 and
// arm64, stamps its Version, and names each archive as the Pulumi CLI asks
// a github:// pluginDownloadURL for it (sdk/go/common/workspace
// standardAssetName: pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz),
// from the repository the schema names.
func TestReleaseBuildsWhatTheSchemaPointsAt(t *testing.T) {
	data, err := os.ReadFile("../../.github/workflows/release.yml")
	if err != nil {
		t.Fatal(err)
	}
	var workflow struct {
		Jobs struct {
			Build struct {
				Strategy struct {
					Matrix map[string][]string `json:"matrix"`
				} `json:"strategy"`
				Steps []struct {
					Run string `json:"run"`
				} `json:"steps"`
			} `json:"build"`
		} `json:"jobs"`
	}
	if err := yaml.Unmarshal(data, &workflow); err != nil {
		t.Fatal(err)
	}
	build := workflow.Jobs.Build
	if want := map[string][]string{"goos": {"linux", "darwin"}, "goarch": {"amd64", "arm64"}}; !reflect.DeepEqual(build.Strategy.Matrix, want) {
		t.Errorf("release.yml builds %v, want %v", build.Strategy.Matrix, want)
	}
	var script string
	for _, step := range build.Steps {
		script += step.Run
	}
	for _, want := range []string{
		"-X " + reflect.TypeFor[server]().PkgPath() + ".Version=${TAG#v}",
		"./cmd/pulumi-resource-" + Name,
		`"pulumi-resource-` + Name + `-${TAG}-${GOOS}-${GOARCH}.tar.gz"`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("release.yml's build does not run %q:\n%s", want, script)
		}
	}
	var spec struct {
		PluginDownloadURL string `json:"pluginDownloadURL"`
		Repository        string `json:"repository"`
	}
	if err := json.Unmarshal(Schema, &spec); err != nil {
		t.Fatal(err)
	}
	if want := "github://api.github.com/" + strings.TrimPrefix(spec.Repository, "https://github.com/"); spec.PluginDownloadURL != want {
		t.Errorf("pluginDownloadURL = %s, want %s, the releases of %s", spec.PluginDownloadURL, want, spec.Repository)
	}
}

package kubeapi

import (
	"encoding/json"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestServerIsTheReleaseTheBuildModuleRequires(t *testing.T) {
	s := Shared(t)
	want, _, err := buildKey(buildModule())
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != want {
		t.Errorf("the API server reports %s, want %s", s.Version, want)
	}
	var kubectl struct{ ClientVersion struct{ GitVersion string } }
	if err := json.Unmarshal([]byte(s.Must(t, "", "version", "--client", "-o", "json")), &kubectl); err != nil {
		t.Fatal(err)
	}
	if got := kubectl.ClientVersion.GitVersion; got != want {
		t.Errorf("kubectl reports %s, want %s", got, want)
	}
}

// Namespace waits for the default ServiceAccount, which only the controller
// manager makes.
func TestControllerManagerRuns(t *testing.T) {
	Shared(t).Namespace(t, "kubeapi-controllers")
}

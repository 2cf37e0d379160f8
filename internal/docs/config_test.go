package docs

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md's generated part from Pulumi.yaml")

const (
	pulumiYAML    = "../../Pulumi.yaml"
	configuration = "../../docs/configuration.md"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docs/configuration.md's reference is what Pulumi.yaml yields; -update
// rewrites it.
func TestConfigurationReferenceIsUpToDate(t *testing.T) {
	generated, err := ConfigReference([]byte(read(t, pulumiYAML)))
	if err != nil {
		t.Fatal(err)
	}
	doc := read(t, configuration)
	want, err := Splice(doc, generated)
	if err != nil {
		t.Fatalf("docs/configuration.md: %v", err)
	}
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(configuration, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", configuration)
		return
	}
	got, wantLines := strings.Split(doc, "\n"), strings.Split(want, "\n")
	for i := range min(len(got), len(wantLines)) {
		if got[i] != wantLines[i] {
			t.Fatalf("docs/configuration.md differs from what Pulumi.yaml yields at line %d (run go test ./internal/docs -update):\n have %s\n want %s", i+1, got[i], wantLines[i])
		}
	}
	t.Fatalf("docs/configuration.md has %d lines, Pulumi.yaml yields %d (run go test ./internal/docs -update)", len(got), len(wantLines))
}

// Every key Pulumi.yaml declares is explained in the hand-written part of
// docs/configuration.md: the key itself or its fields (`key` followed by `,
// . or [), or an object it belongs to (`object`).
func TestEveryDeclaredKeyIsExplained(t *testing.T) {
	keys, settings, err := ConfigKeys([]byte(read(t, pulumiYAML)))
	if err != nil {
		t.Fatal(err)
	}
	prose := HandWritten(read(t, configuration))
	for _, k := range append(keys, settings...) {
		explained := regexp.MustCompile("`" + regexp.QuoteMeta(k.Path) + "[`.\\[]").MatchString(prose)
		for p := k.Path; !explained && strings.Contains(p, "."); {
			p = p[:strings.LastIndex(p, ".")]
			explained = strings.Contains(prose, "`"+p+"`")
		}
		if !explained {
			t.Errorf("docs/configuration.md does not explain %s, which Pulumi.yaml declares", k.Path)
		}
	}
}

const fixture = `name: p
runtime: go
config:
  aws:region: eu-west-1
  hcloud:pollInterval:
    value: 1s
  name:
    type: string
    description: "One of a|b, named <cluster>-<n>."
    default: ""
  token:
    type: string
    secret: true
  pools:
    type: array
    items:
      type: object
    default: []
  box:
    type: object
    default:
      count: 1
      on: true
      tags: [a, b]
      inner: {version: 1.35.0, cron: "0 */12 * * *"}
  empty:
    type: object
    default: {}
`

func TestConfigReferenceRendersTheDeclarations(t *testing.T) {
	got, err := ConfigReference([]byte(fixture))
	if err != nil {
		t.Fatal(err)
	}
	want := "| Key | Type | Default | Description in `Pulumi.yaml` |\n|---|---|---|---|\n" +
		"| `name` | string | `\"\"` | One of a\\|b, named &lt;cluster&gt;-&lt;n&gt;. |\n" +
		"| `token` | string (secret) | required |  |\n" +
		"| `pools` | array of object | `[]` |  |\n" +
		"| `box` | object | fields below |  |\n" +
		"| `box.count` | integer | `1` |  |\n" +
		"| `box.on` | boolean | `true` |  |\n" +
		"| `box.tags` | array | `[a, b]` |  |\n" +
		"| `box.inner` | object | fields below |  |\n" +
		"| `box.inner.version` | string | `1.35.0` |  |\n" +
		"| `box.inner.cron` | string | `0 */12 * * *` |  |\n" +
		"| `empty` | object | `{}` |  |\n" +
		"\nOther settings `Pulumi.yaml` makes for every stack:\n\n" +
		"| Key | Type | Value | Description in `Pulumi.yaml` |\n|---|---|---|---|\n" +
		"| `aws:region` | string | `eu-west-1` |  |\n" +
		"| `hcloud:pollInterval` | string | `1s` |  |\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestConfigKeysRefusesAFileWithoutConfig(t *testing.T) {
	if _, _, err := ConfigKeys([]byte("name: p\nruntime: go\n")); err == nil {
		t.Error("no error for a Pulumi.yaml without config")
	}
	if _, _, err := ConfigKeys([]byte("config: [a]\n")); err == nil {
		t.Error("no error for a config list")
	}
}

func TestSpliceReplacesOnlyTheGeneratedPart(t *testing.T) {
	doc := "# Title\n\nBefore.\n\n" + BeginGenerated + "\n\nold\n\n" + EndGenerated + "\n\nAfter.\n"
	got, err := Splice(doc, "new\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "# Title\n\nBefore.\n\n" + BeginGenerated + "\n\nnew\n\n" + EndGenerated + "\n\nAfter.\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if hand := HandWritten(got); strings.Contains(hand, "new") || !strings.Contains(hand, "After.") {
		t.Errorf("hand-written part %q", hand)
	}
	if _, err := Splice("# Title\n"+EndGenerated+"\n"+BeginGenerated+"\n", "new\n"); err == nil {
		t.Error("no error for markers out of order")
	}
}

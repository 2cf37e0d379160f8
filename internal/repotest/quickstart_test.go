package repotest

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	cliworkspace "github.com/pulumi/pulumi/pkg/v3/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/esc"
	pulumiconfig "github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// configSet is one `pulumi config set` of the README's quick start.
type configSet struct {
	key, value   string
	path, secret bool
}

var (
	configSetCommand = regexp.MustCompile(`pulumi config set ([^&]+)`)
	// shellWord is a '…' or "…" quoted or bare word of a shell command line.
	shellWord = regexp.MustCompile(`'[^']*'|"[^"]*"|\S+`)
	// commandSubstitution stands for what `$(curl … ipify …)` prints: the operator's address.
	commandSubstitution = regexp.MustCompile(`\$\([^)]*\)`)
)

// quickStartSettings reads the `pulumi config set` commands of the README's
// quick start, as a new user copies them.
func quickStartSettings(t *testing.T) []configSet {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sets []configSet
	inQuickStart := false
	for scanner := bufio.NewScanner(f); scanner.Scan(); {
		line := scanner.Text()
		if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ") {
			inQuickStart = line == "## Quick start"
		}
		if !inQuickStart {
			continue
		}
		for _, m := range configSetCommand.FindAllStringSubmatch(line, -1) {
			sets = append(sets, parseConfigSet(m[1]))
		}
	}
	if len(sets) == 0 {
		t.Fatal("the README's quick start has no `pulumi config set`")
	}
	return sets
}

func parseConfigSet(args string) configSet {
	var set configSet
	var positional []string
	for _, word := range shellWord.FindAllString(args, -1) {
		switch word {
		case "--path":
			set.path = true
		case "--secret":
			set.secret = true
		default:
			word = strings.Trim(word, `'"`)
			positional = append(positional, commandSubstitution.ReplaceAllString(word, "203.0.113.7"))
		}
	}
	set.key = positional[0]
	if len(positional) > 1 {
		set.value = positional[1]
	} else {
		set.value = "prompted-for-value" // `--secret` without a value prompts for it
	}
	return set
}

// A new user's first `pulumi up`, exactly as the README's quick start has
// it, passes the Pulumi CLI's own stack-config validation
// (pkg/v3/workspace.ValidateStackConfigAndApplyProjectConfig, which `up`,
// `preview` and `destroy` run before the program) for every stack file.
func TestQuickStartPassesTheCLIConfigValidation(t *testing.T) {
	settings := quickStartSettings(t)
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) { validateStack(t, root, name, settings) })
	}
}

// The app-stack example's stack file passes the same validation.
func TestAppStackPassesTheCLIConfigValidation(t *testing.T) {
	validateStack(t, filepath.Join(root, "examples/app-stack"), "dev", nil)
}

// validateStack applies settings to the stack file in dir, as `pulumi config
// set` would, and runs the CLI's validation on the result.
func validateStack(t *testing.T, dir, name string, settings []configSet) {
	t.Helper()
	project, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	stack, err := workspace.LoadProjectStack(sink, project, filepath.Join(dir, "Pulumi."+name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		key, err := pulumiconfig.ParseKey(qualified(project.Name.String(), s.key))
		if err != nil {
			t.Fatal(err)
		}
		value := pulumiconfig.NewValue(s.value)
		if s.secret {
			value = pulumiconfig.NewSecureValue(s.value) // NopEncrypter: the ciphertext is the text
		}
		if err := stack.Config.Set(key, value, s.path); err != nil {
			t.Fatalf("pulumi config set %s: %v", s.key, err)
		}
	}
	err = cliworkspace.ValidateStackConfigAndApplyProjectConfig(context.Background(), name, project,
		esc.Value{}, stack.Config, pulumiconfig.NopEncrypter, pulumiconfig.NopDecrypter)
	if err != nil {
		t.Errorf("pulumi up on %s/%s: %v", dir, name, err)
	}
}

// The validation this test relies on does refuse a stack that lacks a
// required key, so the test above can fail.
func TestCLIValidationRefusesAMissingRequiredKey(t *testing.T) {
	project, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	decl := project.Config["clusterName"]
	decl.Default = nil
	project.Config["clusterName"] = decl
	err = cliworkspace.ValidateStackConfigAndApplyProjectConfig(context.Background(), "dev", project,
		esc.Value{}, pulumiconfig.Map{}, pulumiconfig.NopEncrypter, pulumiconfig.NopDecrypter)
	if err == nil || !strings.Contains(err.Error(), "missing configuration value 'clusterName'") {
		t.Errorf("error = %v", err)
	}
}

// Pulumi.yaml declares exactly the keys the program decodes: the CLI
// type-checks those, and the program refuses any other.
func TestPulumiYAMLDeclaresEveryKey(t *testing.T) {
	project, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for key := range project.Config {
		if !strings.Contains(key, ":") {
			declared = append(declared, key)
		}
	}
	slices.Sort(declared)
	if !slices.Equal(declared, config.ConfigKeys()) {
		t.Errorf("Pulumi.yaml declares %v, the program reads %v", declared, config.ConfigKeys())
	}
}

// The project and stack files load as the Pulumi CLI loads them: typed
// config declarations, defaults of the declared types, known keys.
func TestProjectFilesLoad(t *testing.T) {
	proj, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if proj.Name != mockcloud.Project || proj.Runtime.Name() != "go" {
		t.Errorf("project %s, runtime %s", proj.Name, proj.Runtime.Name())
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	for _, name := range []string{"dev", "prod"} {
		if _, err := workspace.LoadProjectStack(sink, proj, filepath.Join(root, "Pulumi."+name+".yaml")); err != nil {
			t.Errorf("Pulumi.%s.yaml: %v", name, err)
		}
	}
}

func qualified(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

package repotest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3" // YAML 1.2: the key `on` stays a string
)

// workflow reads a GitHub workflow as plain data.
func workflow(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, ".github/workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// at walks a path of map keys.
func at(v any, path ...string) any {
	for _, key := range path {
		m, _ := v.(map[string]any)
		v = m[key]
	}
	return v
}

// What actionlint cannot know: the workflows do what the team workflow needs.
func TestWorkflows(t *testing.T) {
	preview, up, pulumi := workflow(t, "preview.yml"), workflow(t, "up.yml"), workflow(t, "pulumi.yml")
	checks := []struct {
		name      string
		got, want any
	}{
		{"previews run on pull requests", at(preview, "on"), map[string]any{"pull_request": nil}},
		{"previews may comment", at(preview, "permissions", "pull-requests"), "write"},
		{"every cluster stack is previewed", at(preview, "jobs", "preview", "strategy", "matrix", "stack"), []any{"dev", "prod"}},
		{"previews preview", at(preview, "jobs", "preview", "with", "command"), "preview"},
		{"ups run on main", at(up, "on", "push", "branches"), []any{"main"}},
		{"prod goes up after dev", at(up, "jobs", "prod", "needs"), "dev"},
		{"prod waits for the approval of its environment", at(up, "jobs", "prod", "with", "environment"), "production"},
		{"an up on prod is never cancelled", at(up, "jobs", "prod", "concurrency", "cancel-in-progress"), false},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	action := pulumiAction(t, pulumi)
	want := map[string]any{
		"comment-on-pr":     true,
		"policyPacks":       "policies/bin/hcloud-k3s-policy",
		"policyPackConfigs": "policies/config/${{ inputs.stack }}.json",
	}
	for key, value := range want {
		if action[key] != value {
			t.Errorf("pulumi/actions %s = %v, want %v", key, action[key], value)
		}
	}
	for _, stack := range []string{"dev", "prod"} {
		if _, err := os.Stat(filepath.Join(root, "policies/config", stack+".json")); err != nil {
			t.Errorf("stack %s has no policy config: %v", stack, err)
		}
	}
}

// Every job that builds Go restores the build and module caches, keyed on
// go.sum; a cold build of the program and its tests takes minutes.
func TestWorkflowsCacheGoBuilds(t *testing.T) {
	for _, name := range []string{"test.yml", "pulumi.yml"} {
		steps, _ := at(workflow(t, name), "jobs", strings.TrimSuffix(name, ".yml"), "steps").([]any)
		var cached bool
		for _, step := range steps {
			uses, _ := at(step, "uses").(string)
			key, _ := at(step, "with", "key").(string)
			paths, _ := at(step, "with", "path").(string)
			cached = cached || strings.HasPrefix(uses, "actions/cache@") && strings.Contains(key, "hashFiles('go.sum')") &&
				strings.Contains(paths, "~/.cache/go-build") && strings.Contains(paths, "~/go/pkg/mod")
		}
		if !cached {
			t.Errorf("%s: no actions/cache step for ~/.cache/go-build and ~/go/pkg/mod keyed on go.sum", name)
		}
	}
	if p := at(workflow(t, "pulumi.yml"), "jobs", "pulumi", "env", "PULUMI_PARALLEL"); p != 128 {
		t.Errorf("pulumi.yml PULUMI_PARALLEL = %v, want 128 as the README recommends", p)
	}
}

func pulumiAction(t *testing.T, w map[string]any) map[string]any {
	t.Helper()
	steps, _ := at(w, "jobs", "pulumi", "steps").([]any)
	for _, step := range steps {
		if uses, _ := at(step, "uses").(string); strings.HasPrefix(uses, "pulumi/actions@") {
			with, _ := at(step, "with").(map[string]any)
			return with
		}
	}
	t.Fatal("pulumi.yml runs no pulumi/actions step")
	return nil
}

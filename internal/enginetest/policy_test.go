package enginetest

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hcloud-k3s/hcloud-k3s/internal/plugintest"
	"github.com/pulumi/pulumi/pkg/v3/engine"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// policyPack is the hcloud-k3s-guardrails pack, built and started once,
// as `pulumi up --policy-pack ../../policies` runs it.
type policyPack struct {
	dir    string
	client pulumirpc.AnalyzerClient
}

func startPolicyPack(t *testing.T) policyPack {
	t.Helper()
	dir, err := filepath.Abs("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "hcloud-k3s-guardrails")
	if out, err := exec.Command("go", "build", "-o", bin, dir).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	conn := plugintest.Start(t, bin)
	return policyPack{dir: dir, client: pulumirpc.NewAnalyzerClient(conn)}
}

// use makes s run the pack on every operation with the stack's config file
// from policies/config, as the CLI does with --policy-pack-config.
func (p policyPack) use(s *Stack) {
	s.Analyzers = []*deploytest.PluginLoader{deploytest.NewAnalyzerLoader(p.dir, p.load)}
	s.policyPacks = []engine.LocalPolicyPack{{Path: p.dir, Config: filepath.Join(p.dir, "config", s.name+".json")}}
}

// load starts a session with the pack as plugin.NewPolicyAnalyzer does:
// the handshake, then the stack's config (the pack reads stack policy
// settings from it).
func (p policyPack) load(opts *plugin.PolicyAnalyzerOptions) (plugin.Analyzer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{RootDirectory: &p.dir, ProgramDirectory: &p.dir}); err != nil {
		return nil, err
	}
	cfg := map[string]string{}
	for key, value := range opts.Config {
		cfg[key.String()] = value
	}
	_, err := p.client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Stack: opts.Stack, Project: opts.Project, Organization: opts.Organization, Config: cfg, DryRun: opts.DryRun,
	})
	if err != nil {
		return nil, err
	}
	return plugin.NewAnalyzerWithClient(tokens.QName(p.dir), p.client), nil
}

// Scenario 11: the policy pack runs in the engine on scenarios 1 and 7:
// dev and prod pass, twice, and a public API load balancer on prod is
// blocked before it is made public. Prod as shipped has three control-plane
// nodes and no S3 bucket (its credentials are the user's), so it gets the
// one advisory that asks for off-site etcd snapshots, and nothing else.
func TestPolicyPackInTheEngine(t *testing.T) {
	pack := startPolicyPack(t)
	expected := map[string][]string{"dev": nil, "prod": {"advisory control-plane-without-offsite-snapshots"}}
	for name, want := range expected {
		t.Run(name+" passes", func(t *testing.T) {
			s := newStack(newWorld(), name, nil)
			pack.use(s)
			for range 2 {
				r := s.Up(t).Check(t)
				var got []string
				for _, v := range r.Violations {
					got = append(got, strings.Join(strings.Fields(v)[:2], " "))
				}
				r.Expect(t, slices.Equal(slices.Compact(got), want), "policy violations: %v, want only %v", r.Violations, want)
			}
		})
	}
	t.Run("prod refuses a public load balancer", func(t *testing.T) {
		w := newWorld()
		s := newStack(w, "prod", nil)
		pack.use(s)
		s.Up(t).Check(t)
		s.Set("apiLoadBalancer", prodLoadBalancer(map[string]any{"publicInterface": true}))
		r := s.Up(t)
		r.Expect(t, r.Err != nil, "the up succeeded")
		r.Expect(t, len(r.Violations) > 0 && strings.HasPrefix(r.Violations[0], "mandatory load-balancer-bypasses-firewall"),
			"violations: %v", r.Violations)
		// What Hetzner holds, not what the run did: the refusal comes at preview.
		attachments := 0
		for _, o := range w.cloud.objects {
			if o.typ == lbNetworkType {
				attachments++
				public := o.state.Get("enablePublicInterface")
				r.Expect(t, public.IsBool() && !public.AsBool(), "the load balancer's public interface is %v", public)
			}
		}
		r.Expect(t, attachments == 1, "%d load balancer network attachments in the project", attachments)
	})
}

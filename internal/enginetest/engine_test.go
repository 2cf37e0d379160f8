// Package enginetest runs the hcloud-k3s program through the real Pulumi
// engine (github.com/pulumi/pulumi/pkg/v3, the library the CLI runs) with
// in-process providers for hcloud, command, random, tls and kubernetes: up,
// preview, refresh and destroy, with state carried from one to the next.
// The tests read as stories: a config, a change, and the steps the engine
// took. The package is test code only; the program never imports it.
package enginetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	facts "github.com/hcloud-k3s/hcloud-k3s/components/hetzner"
	"github.com/hcloud-k3s/hcloud-k3s/components/stack"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
	"github.com/pulumi/pulumi/pkg/v3/engine"
	lt "github.com/pulumi/pulumi/pkg/v3/engine/lifecycletest/framework"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/pkg/v3/util/cancel"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// world is everything outside the engine that outlives one operation: the
// Hetzner project, the servers commands run on, the clock, and what every
// provider did.
type world struct {
	cloud *hetzner
	// scale is how long one simulated second takes; 0 makes every
	// operation instant.
	scale time.Duration

	mu      sync.Mutex
	origin  time.Time
	ops     []operation // in the order they ended
	secrets []string    // values that must never appear outside a secret
	// readTokens are the tokens of the hcloud providers the reads of the
	// project (getServers, getNetworks) went through, in order.
	readTokens []string
	lastID     int
	learner    map[string]*sync.Mutex // per stack: etcd admits one learner at a time

	// catalogue is the server types Hetzner lists, and where each can be
	// ordered; unreachable makes every read of Hetzner's API fail.
	catalogue   facts.Catalogue
	unreachable bool
	// running is the k3s version each node runs, by hostname.
	running map[string]string
	// constructed are the components the kubernetes provider applied.
	constructed map[resource.URN]bool
	// booted is when each server created in the current engine operation
	// booted, by name; one missing booted before it began.
	booted map[string]time.Duration
	// noDownloadAtBoot makes cloud-init ignore the user data's k3s
	// download, as before servers had one.
	noDownloadAtBoot bool
	// autoscaler is the cluster-autoscaler running in the cluster (autoscaler_test.go).
	autoscaler autoscalerModel
}

func newWorld() *world {
	return &world{
		cloud: newHetzner(), learner: map[string]*sync.Mutex{}, secrets: []string{mockcloud.TestToken},
		catalogue: mockcloud.Catalogue(), running: map[string]string{}, constructed: map[resource.URN]bool{},
	}
}

// operation is one create, update, delete (or a server's resize) a
// provider carried out, with the node and script of a remote command.
type operation struct {
	Kind         string
	Type         tokens.Type
	URN          resource.URN
	Node, Script string
	// Start and End are simulated time since the engine operation began.
	Start, End time.Duration
	stack      string
}

// do carries out op: it takes op's simulated latency (one learner at a
// time for control-plane joins), runs act, and records op if act succeeds.
func (w *world) do(op operation, act func() error) error {
	op.Start = w.now()
	latency := w.latency(op)
	if join := joinLatency(op); join > 0 {
		time.Sleep(w.real(latency - join))
		lock := w.learnerLock(op.stack)
		lock.Lock()
		time.Sleep(w.real(join))
		lock.Unlock()
	} else {
		time.Sleep(w.real(latency))
	}
	if err := act(); err != nil {
		return err
	}
	op.End = w.now()
	w.mu.Lock()
	w.ops = append(w.ops, op)
	w.mu.Unlock()
	return nil
}

func (w *world) real(simulated time.Duration) time.Duration {
	return time.Duration(simulated.Seconds() * float64(w.scale))
}

// now is the simulated time since the current engine operation began.
func (w *world) now() time.Duration {
	if w.scale == 0 {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Duration(float64(time.Since(w.origin)) / float64(w.scale) * float64(time.Second))
}

func (w *world) learnerLock(stack string) *sync.Mutex {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.learner[stack] == nil {
		w.learner[stack] = &sync.Mutex{}
	}
	return w.learner[stack]
}

func (w *world) recordRead(token string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.readTokens = append(w.readTokens, token)
}

func (w *world) keepSecret(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets = append(w.secrets, s)
}

func (w *world) newCommandID(urn resource.URN) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastID++
	return fmt.Sprintf("%s-%d", urn.Name(), w.lastID)
}

// begin starts a new engine operation: it clears the record and the clock.
func (w *world) begin() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ops, w.origin, w.booted = nil, time.Now(), map[string]time.Duration{}
}

func (w *world) operations() []operation {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.ops)
}

// Stack is one stack of the hcloud-k3s project, deployed into a world.
type Stack struct {
	world     *world
	name      string
	overrides map[string]any
	snapshot  *deploy.Snapshot
	// Parallel is the engine's --parallel; 0 is the CLI's default on two
	// CPUs (8).
	Parallel int
	// Analyzers are policy packs the engine runs on every resource, loaded
	// from policyPacks.
	Analyzers   []*deploytest.PluginLoader
	policyPacks []engine.LocalPolicyPack
	// timed runs skip the framework's checks of the state (see runTimed).
	timed bool
	// consumer, when set, is the stack's program instead of main.go's: a
	// program that uses the component package (component_test.go).
	consumer *consumer
}

// newStack is a stack with the project's Pulumi.<name>.yaml config and
// the quick start's settings (mockcloud.StackConfig), plus overrides.
func newStack(w *world, name string, overrides map[string]any) *Stack {
	return &Stack{world: w, name: name, overrides: maps.Clone(overrides)}
}

// Set changes a config key, as `pulumi config set` does.
func (s *Stack) Set(key string, value any) {
	if s.overrides == nil {
		s.overrides = map[string]any{}
	}
	s.overrides[key] = value
}

// Up runs `pulumi up --yes`: a preview, then, if it succeeds, the update.
// The preview is where policy packs refuse a change.
func (s *Stack) Up(t *testing.T) *Run {
	t.Helper()
	if preview := s.Preview(t); preview.Err != nil {
		return preview
	}
	return s.run(t, engine.Update, false)
}

// Preview runs `pulumi preview`.
func (s *Stack) Preview(t *testing.T) *Run { return s.run(t, engine.Update, true) }

// Refresh runs `pulumi refresh --yes`.
func (s *Stack) Refresh(t *testing.T) *Run { return s.run(t, engine.Refresh, false) }

// Destroy runs `pulumi destroy --yes`.
func (s *Stack) Destroy(t *testing.T) *Run { return s.run(t, engine.Destroy, false) }

// Resources are the stack's resources in its state.
func (s *Stack) Resources() []*pkgresource.State {
	if s.snapshot == nil {
		return nil
	}
	return s.snapshot.Resources
}

func (s *Stack) run(t *testing.T, op lt.TestOp, dryRun bool) *Run {
	t.Helper()
	cfg, err := s.config()
	if err != nil {
		t.Fatal(err)
	}
	s.world.begin()
	run := &Run{Stack: s.name}
	target := deploy.Target{
		Name:      tokens.MustParseStackName(s.name),
		Config:    cfg,
		Decrypter: config.Base64Crypter,
		Snapshot:  lt.CloneSnapshot(t, s.snapshot),
	}
	project := workspace.Project{Name: mockcloud.Project, Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	options := lt.TestUpdateOptions{
		T:                t,
		HostF:            s.host(run),
		SkipDisplayTests: true,
		UpdateOptions: engine.UpdateOptions{
			Parallel:         int32(cmp.Or(s.Parallel, 8)),
			LocalPolicyPacks: slices.Clone(s.policyPacks), // the engine writes the packs' names into them
		},
	}
	var snap *deploy.Snapshot
	if s.timed {
		snap, err = runTimed(project, target, options, op, dryRun, run.record)
	} else {
		snap, err = op.RunStep(project, target, options, dryRun, nil, run.record, "")
	}
	run.Err = err
	run.Operations = s.world.operations()
	if !dryRun {
		s.snapshot = snap
		run.leaks = leaks(snap, s.world.secrets)
		run.leaks = append(run.leaks, scriptLeaks(run.Operations, s.world.secrets)...)
	}
	return run
}

// runTimed runs op as the framework does, but keeps only a journal of the
// steps instead of persisting and checking every intermediate snapshot,
// whose cost grows with the square of the stack's size and would swamp the
// simulated latencies of a large cluster.
func runTimed(project workspace.Project, target deploy.Target, options lt.TestUpdateOptions, op lt.TestOp, dryRun bool, validate lt.ValidateFunc) (*deploy.Snapshot, error) {
	cancelCtx, cancelSrc := cancel.NewContext(context.Background())
	defer cancelSrc.Terminate()
	host := options.HostF()
	defer host.Close()
	updateOptions := options.UpdateOptions
	updateOptions.HostFactory = func(context.Context, diag.Sink, diag.Sink, plugin.DebugContext) (plugin.Host, error) {
		return host, nil
	}
	journal := engine.NewTestJournal()
	events := make(chan engine.Event)
	fired := make(chan []engine.Event)
	go func() {
		var all []engine.Event
		for e := range events {
			all = append(all, e)
		}
		fired <- all
	}()
	ctx := &engine.Context{Cancel: cancelCtx, Events: events, SnapshotManager: journal, PluginManager: lt.NopPluginManager{}}
	_, _, err := op(lt.NewUpdateInfo(project, target), ctx, updateOptions, dryRun)
	close(events)
	err = errors.Join(validate(project, target, nil, <-fired, err), journal.Close())
	if err != nil || dryRun {
		return target.Snapshot, err
	}
	return journal.Entries().Snap(target.Snapshot)
}

// host is the plugin host of one operation: the program as the language
// runtime, and the providers and analyzers.
func (s *Stack) host(run *Run) deploytest.PluginHostFactory {
	var engineAddr string // the host's engine service, where the program logs
	program := deploytest.NewLanguageRuntimeF(func(info plugin.RunInfo, monitor *deploytest.ResourceMonitor) error {
		if s.consumer != nil {
			return s.consumer.run(info, monitor)
		}
		return runProgram(info, engineAddr)
	})
	loaders := append(s.world.providers(s.name), s.Analyzers...)
	if s.consumer != nil {
		loaders = append(loaders, s.consumer.plugin)
	}
	sink := diag.DefaultSink(&run.log, &run.log, diag.FormatOptions{Color: colors.Never}) // the program's log
	newHost := deploytest.NewPluginHostF(sink, sink, program, nil, nil, loaders...)
	return func() plugin.Host {
		host := newHost()
		engineAddr = host.ServerAddr()
		return host
	}
}

// runProgram runs main.go's program — stack.Build and its exports —
// against the engine's resource monitor, as the Go language host does.
func runProgram(info plugin.RunInfo, engineAddr string) error {
	cfg := map[string]string{}
	for key, value := range info.Config {
		cfg[key.String()] = value
	}
	var secretKeys []string
	for _, key := range info.ConfigSecretKeys {
		secretKeys = append(secretKeys, key.String())
	}
	ctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{ //nolint:usetesting // the SDK context outlives the test's
		Project:          info.Project,
		Stack:            info.Stack,
		Config:           cfg,
		ConfigSecretKeys: secretKeys,
		Parallel:         info.Parallel,
		DryRun:           info.DryRun,
		MonitorAddr:      info.MonitorAddress,
		EngineAddr:       engineAddr,
	})
	if err != nil {
		return err
	}
	return pulumi.RunWithContext(ctx, func(ctx *pulumi.Context) error {
		outputs, err := stack.Build(ctx)
		for name, value := range outputs {
			ctx.Export(name, value)
		}
		return err
	})
}

// secretConfig are the keys the README has users set with --secret.
var secretConfig = []string{mockcloud.TokenKey, mockcloud.Project + ":ssh", mockcloud.Project + ":etcdSnapshots"}

// config is the stack's config as the CLI hands it to the engine: objects
// as JSON, secrets encrypted.
func (s *Stack) config() (config.Map, error) {
	values, err := mockcloud.StackConfig("../..", s.name, s.overrides)
	if err != nil {
		return nil, err
	}
	cfg := config.Map{}
	for key, value := range values {
		k, err := config.ParseKey(key)
		if err != nil {
			return nil, err
		}
		switch {
		case slices.Contains(secretConfig, key):
			encrypted, err := config.Base64Crypter.EncryptValue(context.Background(), value)
			if err != nil {
				return nil, err
			}
			cfg[k] = config.NewSecureValue(encrypted)
		case json.Valid([]byte(value)) && strings.ContainsAny(value[:1], "[{"):
			cfg[k] = config.NewObjectValue(value)
		default:
			cfg[k] = config.NewValue(value)
		}
	}
	return cfg, nil
}

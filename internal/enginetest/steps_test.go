package enginetest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/display"
	"github.com/pulumi/pulumi/pkg/v3/engine"
	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// Step is one step the engine took: its operation on a resource, and when
// it began and ended among all the steps' events (1, 2, …).
type Step struct {
	Op         display.StepOp
	URN        resource.URN
	Begin, End int
	Failed     bool
}

// Name is the resource's name, Type its type token.
func (s Step) Name() string { return s.URN.Name() }

// Run is what one engine operation did.
type Run struct {
	Stack string
	Steps []Step // in the order they began; "same" steps and reads left out
	// Reads are the reads of resources Pulumi does not manage, which, like
	// "same" steps, change nothing (pulumi pkg/v3 engine/update.go
	// HasChanges; the CLI shows them only with --show-reads).
	Reads      []Step
	Err        error
	Operations []operation // what the providers carried out, in the order they ended
	// Violations are the policy violations reported, "level policy name".
	Violations []string
	// Errors are the error diagnostics, as the CLI prints them.
	Errors []string
	leaks  []string
	log    programLog // what the program logged (ctx.Log)
}

// programLog collects what the program logs, which the engine writes from
// several goroutines.
type programLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *programLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Logged is what the program logged during the run.
func (r *Run) Logged() string {
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	return r.log.buf.String()
}

// record is the engine's validate hook: it turns the operation's events
// into steps.
func (r *Run) record(_ workspace.Project, _ deploy.Target, _ engine.JournalEntries, events []engine.Event, err error) error {
	open := map[string]int{} // op+URN → index in r.Steps
	for seq, e := range events {
		var meta engine.StepEventMetadata
		switch p := e.Payload().(type) {
		case engine.ResourcePreEventPayload:
			meta = p.Metadata
			if meta.Op == deploy.OpSame {
				continue
			}
			open[string(meta.Op)+string(meta.URN)] = len(r.Steps)
			r.Steps = append(r.Steps, Step{Op: meta.Op, URN: meta.URN, Begin: seq + 1})
			continue
		case engine.ResourceOutputsEventPayload:
			meta = p.Metadata
		case engine.ResourceOperationFailedPayload:
			meta = p.Metadata
		case engine.PolicyViolationEventPayload:
			r.Violations = append(r.Violations, fmt.Sprintf("%s %s %s", p.EnforcementLevel, p.PolicyName, p.ResourceURN.Name()))
			continue
		case engine.DiagEventPayload:
			if p.Severity == diag.Error {
				r.Errors = append(r.Errors, colors.Never.Colorize(p.Message))
			}
			continue
		default:
			continue
		}
		if i, ok := open[string(meta.Op)+string(meta.URN)]; ok {
			r.Steps[i].End = seq + 1
			_, r.Steps[i].Failed = e.Payload().(engine.ResourceOperationFailedPayload)
			delete(open, string(meta.Op)+string(meta.URN))
		}
	}
	r.Reads = slices.DeleteFunc(slices.Clone(r.Steps), func(s Step) bool { return s.Op != deploy.OpRead })
	r.Steps = slices.DeleteFunc(r.Steps, func(s Step) bool { return s.Op == deploy.OpRead })
	return err
}

// Plan is the run as `pulumi up` would list it, one step a line, with the
// commands that ran on each node.
func (r *Run) Plan() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s: %d steps", r.Stack, len(r.Steps))
	if r.Err != nil {
		fmt.Fprintf(&b, ", error: %v", r.Err)
	}
	b.WriteString("\n")
	for _, s := range r.Steps {
		failed := ""
		if s.Failed {
			failed = "  FAILED"
		}
		fmt.Fprintf(&b, "  %4d-%-4d %-18s %s%s\n", s.Begin, s.End, s.Op, shortType(s.URN), failed)
	}
	for _, op := range r.Operations {
		if op.Node != "" {
			fmt.Fprintf(&b, "  ran %-6s %-28s on %s\n", op.Kind, op.URN.Name(), op.Node)
		}
	}
	return b.String()
}

// shortType is a step's resource as "type name", the type without its module.
func shortType(urn resource.URN) string {
	typ := string(urn.Type())
	if i := strings.LastIndex(typ, ":"); i >= 0 {
		typ = typ[i+1:]
	}
	return typ + " " + urn.Name()
}

// Of are the steps on resources of the given type, or of any type when typ
// is "", whose op is one of ops (any op when none is given).
func (r *Run) Of(typ string, ops ...display.StepOp) []Step {
	var out []Step
	for _, s := range r.Steps {
		if (typ == "" || string(s.URN.Type()) == typ) && (len(ops) == 0 || slices.Contains(ops, s.Op)) {
			out = append(out, s)
		}
	}
	return out
}

// Find is the step with op on the resource named name; ok is false when
// there is none.
func (r *Run) Find(op display.StepOp, name string) (Step, bool) {
	i := slices.IndexFunc(r.Steps, func(s Step) bool { return s.Op == op && s.Name() == name })
	if i < 0 {
		return Step{}, false
	}
	return r.Steps[i], true
}

// Names are the steps' resource names, "op name" each, sorted.
func Names(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Op)+" "+s.Name())
	}
	slices.Sort(out)
	return out
}

// Ran are the remote commands that ran, as "kind name@node", in the order
// they ended.
func (r *Run) Ran() []string {
	var out []string
	for _, op := range r.Operations {
		if op.Node != "" {
			out = append(out, op.Kind+" "+op.URN.Name()+"@"+op.Node)
		}
	}
	return out
}

// Check fails t, printing the plan, unless the run succeeded and leaked
// no secret. With -v it logs the plan.
func (r *Run) Check(t *testing.T) *Run {
	t.Helper()
	if testing.Verbose() {
		t.Log(r.Plan())
	}
	if r.Err != nil {
		t.Fatalf("%v\n%s", r.Err, r.Plan())
	}
	for _, leak := range r.leaks {
		t.Errorf("secret leaked: %s", leak)
	}
	return r
}

// Expect fails t with the plan when ok is false.
func (r *Run) Expect(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf("%s\n%s", fmt.Sprintf(format, args...), r.Plan())
	}
}

// leaks are the places in a state where a secret's value is stored in the
// clear: any input, output or stack output that is not a Pulumi secret.
func leaks(snap *deploy.Snapshot, secrets []string) []string {
	if snap == nil {
		return nil
	}
	var found []string
	for _, res := range snap.Resources {
		for _, part := range []struct {
			name string
			m    resource.PropertyMap
		}{{"input", res.Inputs}, {"output", res.Outputs}} {
			for path, s := range plainStrings(resource.NewObjectProperty(part.m), "") {
				if secret := containedSecret(s, secrets); secret != "" {
					found = append(found, fmt.Sprintf("%s %s%s holds %.12s… in the clear", res.URN, part.name, path, secret))
				}
			}
		}
	}
	return found
}

// scriptLeaks are the remote commands whose script text holds a secret.
func scriptLeaks(ops []operation, secrets []string) []string {
	var found []string
	for _, op := range ops {
		if secret := containedSecret(op.Script, secrets); secret != "" {
			found = append(found, fmt.Sprintf("the %s script of %s holds %.12s…", op.Kind, op.URN, secret))
		}
	}
	return found
}

// containedSecret is the secret s holds, in the clear or base64-encoded
// (as HCLOUD_CLUSTER_CONFIG carries the autoscaler's cloud-init); "" if none.
func containedSecret(s string, secrets []string) string {
	texts := []string{s}
	if decoded, err := base64.StdEncoding.DecodeString(s); err == nil {
		texts = append(texts, string(decoded))
	}
	for _, text := range texts {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(text, secret) {
				return secret
			}
		}
	}
	return ""
}

// plainStrings are the strings in v that are not inside a secret, by path.
func plainStrings(v resource.PropertyValue, path string) map[string]string {
	out := map[string]string{}
	switch {
	case v.IsSecret():
	case v.IsString():
		out[path] = v.StringValue()
	case v.IsArray():
		for i, e := range v.ArrayValue() {
			for p, s := range plainStrings(e, fmt.Sprintf("%s[%d]", path, i)) {
				out[p] = s
			}
		}
	case v.IsObject():
		for k, e := range v.ObjectValue() {
			for p, s := range plainStrings(e, path+"."+string(k)) {
				out[p] = s
			}
		}
	case v.IsOutput():
		if o := v.OutputValue(); !o.Secret {
			for p, s := range plainStrings(o.Element, path) {
				out[p] = s
			}
		}
	}
	return out
}

// TestLeaksFindsSecretsInTheClear checks the check every run makes: a
// secret's value in a plain input or nested output is a leak, inside a
// Pulumi secret it is not.
func TestLeaksFindsSecretsInTheClear(t *testing.T) {
	const token = "s3cr3t-token-value"
	state := &pkgresource.State{
		URN: "urn:pulumi:dev::hcloud-k3s::command:remote:Command::install",
		Inputs: resource.PropertyMap{
			"create": resource.NewProperty("echo " + token),
			"stdin":  resource.MakeSecret(resource.NewProperty(token)),
		},
		Outputs: resource.PropertyMap{
			"nested": resource.NewProperty(resource.PropertyMap{"list": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(token)})}),
		},
	}
	got := leaks(&deploy.Snapshot{Resources: []*pkgresource.State{state}}, []string{token})
	if len(got) != 2 || !strings.Contains(got[0]+got[1], "input.create") || !strings.Contains(got[0]+got[1], "output.nested.list[0]") {
		t.Errorf("leaks = %v, want the plain input and the nested output", got)
	}
	if got := scriptLeaks([]operation{{Kind: "create", Script: "k3s --token " + token}}, []string{token}); len(got) != 1 {
		t.Errorf("scriptLeaks = %v, want the script", got)
	}
}

package docs

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
)

const readme = "../../README.md"

// creationHeader begins docs/scale-and-speed.md's creation table, which
// the engine's runs write and check (TestCreationTimes in
// internal/enginetest, whose test files this package cannot import): one
// row per cluster, the cloud's path, then one column per --parallel of
// "kubeconfig / up returns".
const creationHeader = "| cluster | the cloud's path |"

var (
	// figure is a time as the creation table writes it.
	figure = regexp.MustCompile(`\d+ min \d{2} s`)
	space  = regexp.MustCompile(`\s+`)
	// parallelColumn heads a column of the creation table's times.
	parallelColumn = regexp.MustCompile("`--parallel (\\d+)`")
)

// creationCell names one figure of the creation table: a cluster's row,
// and the cloud's path (parallel 0) or a --parallel's time to a usable
// kubeconfig or until `pulumi up` returns.
type creationCell struct {
	cluster   string
	parallel  int
	upReturns bool
}

// timingClaim is a sentence of the documentation that quotes the creation
// table: its words, with %s where a figure goes, and the cells they are.
type timingClaim struct {
	file, text string
	cells      []creationCell
}

// kubeconfigAt and upAt name the two times of a --parallel's cell.
func kubeconfigAt(cluster string, parallel int) creationCell {
	return creationCell{cluster, parallel, false}
}

func upAt(cluster string, parallel int) creationCell { return creationCell{cluster, parallel, true} }

// timingClaims are the quotes of the creation table, and the cloud's path
// it begins with, as the registry has it (for Pulumi.prod.yaml's three
// control-plane nodes).
func timingClaims() []timingClaim {
	return []timingClaim{
		{scaleAndSpeed, "whatever program creates the cluster: " + pathText(cloudmodel.CloudPath(3)) + ", **%s** for three control-plane nodes",
			[]creationCell{{cluster: "3+3"}}},
		{scaleAndSpeed, "`pulumi up` can return no sooner than " + pathText(cloudmodel.AddOnPath()) + " are applied", nil},
		{readme, "a usable kubeconfig after %s for 3+3 and %s for 3+97 at `--parallel 128`, and `pulumi up` done after %s and %s",
			[]creationCell{kubeconfigAt("3+3", 128), kubeconfigAt("3+97", 128), upAt("3+3", 128), upAt("3+97", 128)}},
		{scaleAndSpeed, "| 3+3 HA | 2–3 min | %s / %s |", []creationCell{kubeconfigAt("3+3", 8), upAt("3+3", 8)}},
		{scaleAndSpeed, "| 3+40 | not published; about 1.3 s per node beyond the first servers | %s / %s at `--parallel` 128; %s / %s at 32 |",
			[]creationCell{kubeconfigAt("3+40", 128), upAt("3+40", 128), kubeconfigAt("3+40", 32), upAt("3+40", 32)}},
		{scaleAndSpeed, "| 3+97 | not published | %s / %s at `--parallel` 128; %s / %s at 32 |",
			[]creationCell{kubeconfigAt("3+97", 128), upAt("3+97", 128), kubeconfigAt("3+97", 32), upAt("3+97", 32)}},
	}
}

// pathText writes parts as "network (0 s) → subnet (2 s) → …".
func pathText(parts []cloudmodel.Part) string {
	var out []string
	for _, p := range parts {
		out = append(out, fmt.Sprintf("%s (%v s)", p.What, p.Takes.Seconds()))
	}
	return strings.Join(out, " → ")
}

// creationTable reads the creation table's figures by cell, and where the
// table is in doc.
func creationTable(t *testing.T, doc string) (cells map[creationCell]string, start, end int) {
	t.Helper()
	start = strings.Index(doc, creationHeader)
	if start < 0 {
		t.Fatalf("%s has no table beginning %q", scaleAndSpeed, creationHeader)
	}
	end = start + strings.Index(doc[start:], "\n\n") + 1
	lines := strings.Split(strings.TrimSpace(doc[start:end]), "\n")
	header := strings.Split(lines[0], "|")
	cells = map[creationCell]string{}
	for _, line := range lines[2:] {
		row := strings.Split(line, "|")
		cluster := strings.TrimSpace(row[1])
		cells[creationCell{cluster: cluster}] = strings.TrimSpace(row[2])
		for i := 3; i < len(row) && i < len(header); i++ {
			column, times := parallelColumn.FindStringSubmatch(header[i]), figure.FindAllString(row[i], -1)
			if column == nil || len(times) != 2 {
				continue
			}
			parallel, _ := strconv.Atoi(column[1])
			cells[kubeconfigAt(cluster, parallel)], cells[upAt(cluster, parallel)] = times[0], times[1]
		}
	}
	return cells, start, end
}

// pattern matches a claim's text across line breaks, with a group for each
// figure.
func (c timingClaim) pattern() *regexp.Regexp {
	var parts []string
	for _, part := range strings.Split(c.text, "%s") {
		parts = append(parts, space.ReplaceAllString(regexp.QuoteMeta(part), `\s+`))
	}
	return regexp.MustCompile(strings.Join(parts, "("+figure.String()+")"))
}

// The timing figures README.md and docs/scale-and-speed.md quote are the
// creation table's, which the engine's runs check; no other time in
// minutes appears there. -update rewrites the quotes from the table.
func TestTimingFiguresAreTheCreationTable(t *testing.T) {
	docs := map[string]string{readme: read(t, readme), scaleAndSpeed: read(t, scaleAndSpeed)}
	table, tableStart, tableEnd := creationTable(t, docs[scaleAndSpeed])
	checked := map[string][][2]int{scaleAndSpeed: {{tableStart, tableEnd}}} // spans of each file whose figures are checked
	rewritten := false
	for _, claim := range timingClaims() {
		doc := docs[claim.file]
		m := claim.pattern().FindStringSubmatchIndex(doc)
		if m == nil {
			t.Errorf("%s no longer says %q", claim.file, claim.text)
			continue
		}
		checked[claim.file] = append(checked[claim.file], [2]int{m[0], m[1]})
		for i := len(claim.cells) - 1; i >= 0; i-- { // from the end, so a rewrite keeps the earlier offsets
			want, ok := table[claim.cells[i]]
			have := doc[m[2+2*i]:m[3+2*i]]
			switch {
			case !ok:
				t.Errorf("the creation table has no figure for %+v", claim.cells[i])
			case have != want && *update:
				docs[claim.file], rewritten = docs[claim.file][:m[2+2*i]]+want+docs[claim.file][m[3+2*i]:], true
			case have != want:
				t.Errorf("%s says %s where the creation table says %s (%+v; go test ./internal/docs -update rewrites it)", claim.file, have, want, claim.cells[i])
			}
		}
	}
	if rewritten {
		for file, doc := range docs {
			if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Log("rewrote the quotes of the creation table")
		return
	}
	for file, doc := range docs {
		for _, at := range figure.FindAllStringIndex(doc, -1) {
			if !slices.ContainsFunc(checked[file], func(span [2]int) bool { return span[0] <= at[0] && at[1] <= span[1] }) {
				t.Errorf("%s: %s is not a figure of the creation table or a quote of it", file, context(doc, at))
			}
		}
	}
}

// context is the line of doc around the span at.
func context(doc string, at []int) string {
	begin := strings.LastIndex(doc[:at[0]], "\n") + 1
	end := at[1] + strings.Index(doc[at[1]:]+"\n", "\n")
	return fmt.Sprintf("%q", doc[begin:end])
}

package enginetest

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const scaleAndSpeed = "../../docs/scale-and-speed.md"

// creationHeader begins docs/scale-and-speed.md's creation table.
const creationHeader = "| cluster | the cloud's path |"

// creationTable renders the runs as docs/scale-and-speed.md shows them:
// one row per size, one column per --parallel, each cell "kubeconfig / up
// returns".
func creationTable(cloudPath time.Duration, runs []creation) string {
	var b strings.Builder
	b.WriteString(creationHeader)
	for _, p := range creationParallels {
		fmt.Fprintf(&b, " `--parallel %d` |", p)
	}
	fmt.Fprintf(&b, " longest chain |\n|%s\n", strings.Repeat("---|", len(creationParallels)+3))
	for _, workers := range creationSizes {
		fmt.Fprintf(&b, "| 3+%d | %s |", workers, minutes(cloudPath))
		chain := 0
		for _, c := range runs {
			if c.workers == workers {
				fmt.Fprintf(&b, " %s / %s |", minutes(c.kubeconfig), minutes(c.upReturns))
				chain = c.chain
			}
		}
		fmt.Fprintf(&b, " %d steps |\n", chain)
	}
	return b.String()
}

func minutes(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
}

// duration is a figure as minutes() writes it.
var duration = regexp.MustCompile(`(\d+) min (\d+) s`)

// engineStep is the engine's own work for one step on a loaded 2-core
// machine, which counts as simulated time: under a whole go test ./... at
// load 11, 3+97 (551 steps) at --parallel 8 ended 207 simulated seconds
// later than alone, at 10 ms a second: about 4 ms a step, and 1 ms more
// for a margin.
const engineStep = 5 * time.Millisecond

// slack is how much a run's figures may vary with the engine's own work:
// its steps' at its scale.
func (c creation) slack() time.Duration {
	return time.Duration(float64(time.Duration(c.steps)*engineStep) / creationScale(c.parallel).Seconds())
}

// tolerance is how far a measured time may be from the documented one: the
// run's slack, or 10% of it, for the order in which the engine starts
// queued steps varies from run to run, and at --parallel 8 and 32 moved
// the end by up to 7% (3+40 at --parallel 8 took 7 min 03 s and 7 min 31 s
// in two runs on a loaded 2-core machine).
func tolerance(documented, slack time.Duration) time.Duration {
	return max(documented/10, slack)
}

// checkCreationTable fails when a row of docs/scale-and-speed.md's creation
// table no longer holds: a time further from the measured one than the
// tolerance, or any other figure different. -update rewrites the table
// then.
func checkCreationTable(t *testing.T, cloudPath time.Duration, runs []creation) {
	t.Helper()
	measured := creationTable(cloudPath, runs)
	slacks := map[[2]int]time.Duration{} // by line and column (split at "|", so the first is empty)
	for _, c := range runs {
		slacks[[2]int{2 + slices.Index(creationSizes, c.workers), 3 + slices.Index(creationParallels, c.parallel)}] = c.slack()
	}
	raw, err := os.ReadFile(scaleAndSpeed)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start := strings.Index(doc, creationHeader)
	if start < 0 {
		t.Fatalf("%s has no table beginning %q", scaleAndSpeed, creationHeader)
	}
	end := start + strings.Index(doc[start:], "\n\n") + 1
	documented := doc[start:end]
	t.Logf("measured:\n%s", measured)
	if differences := tableDifferences(documented, measured, slacks); len(differences) > 0 {
		if *updateDocs {
			if err := os.WriteFile(scaleAndSpeed, []byte(doc[:start]+measured+doc[end:]), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote %s's creation table; go test ./internal/docs -update rewrites the quotes of it", scaleAndSpeed)
			return
		}
		t.Errorf("docs/scale-and-speed.md's creation table no longer holds (go test ./internal/enginetest -run TestCreationTimes -update rewrites it):\n%s\nhave\n%swant\n%s",
			strings.Join(differences, "\n"), documented, measured)
	}
}

// tableDifferences are the cells of the documented table that differ from
// the measured one beyond the tolerance; cells without a slack must be the
// same.
func tableDifferences(documented, measured string, slacks map[[2]int]time.Duration) []string {
	have, want := strings.Split(documented, "\n"), strings.Split(measured, "\n")
	if len(have) != len(want) {
		return []string{fmt.Sprintf("%d lines, want %d", len(have), len(want))}
	}
	var out []string
	for i := range have {
		haveCells, wantCells := strings.Split(have[i], "|"), strings.Split(want[i], "|")
		if len(haveCells) != len(wantCells) {
			out = append(out, fmt.Sprintf("%q, measured %q", have[i], want[i]))
			continue
		}
		for j := range haveCells {
			slack, timed := slacks[[2]int{i, j}]
			if haveCells[j] != wantCells[j] && (!timed || !sameWithin(haveCells[j], wantCells[j], slack)) {
				out = append(out, fmt.Sprintf("%q, measured %q", haveCells[j], wantCells[j]))
			}
		}
	}
	return out
}

// sameWithin says whether two cells are the same but for their times,
// each within the tolerance of the other's.
func sameWithin(documented, measured string, slack time.Duration) bool {
	if duration.ReplaceAllString(documented, "") != duration.ReplaceAllString(measured, "") {
		return false
	}
	have, want := duration.FindAllStringSubmatch(documented, -1), duration.FindAllStringSubmatch(measured, -1)
	for i := range have {
		d, m := parseMinutes(have[i]), parseMinutes(want[i])
		if math.Abs(float64(d-m)) > float64(tolerance(d, slack)) {
			return false
		}
	}
	return true
}

func parseMinutes(match []string) time.Duration {
	m, _ := strconv.Atoi(match[1])
	s, _ := strconv.Atoi(match[2])
	return time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}

// TestCreationTableTolerance: a documented time passes within the run's
// slack or 10%, whichever is larger; any other figure must be the same.
func TestCreationTableTolerance(t *testing.T) {
	const documented = "| 3+3 | 2 min 33 s | 3 min 00 s / 3 min 10 s | 15 steps |"
	slacks := map[[2]int]time.Duration{{0, 3}: 30 * time.Second}
	for measured, want := range map[string]bool{
		"| 3+3 | 2 min 33 s | 3 min 29 s / 3 min 40 s | 15 steps |": true,  // within the slack
		"| 3+3 | 2 min 33 s | 3 min 31 s / 3 min 10 s | 15 steps |": false, // beyond it
		"| 3+3 | 2 min 33 s | 3 min 00 s / 3 min 10 s | 16 steps |": false, // another figure
		"| 3+3 | 2 min 34 s | 3 min 00 s / 3 min 10 s | 15 steps |": false, // a time not measured
	} {
		if got := len(tableDifferences(documented, measured, slacks)) == 0; got != want {
			t.Errorf("%q against %q: holds = %v, want %v", documented, measured, got, want)
		}
	}
}

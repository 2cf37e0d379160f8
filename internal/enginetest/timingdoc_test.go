package enginetest

import (
	"fmt"
	"math"
	"os"
	"regexp"
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

// tolerance is how far a time measured at scale may be from the
// documented one. The order in which the engine starts queued steps varies
// from run to run, and at --parallel 8 and 32 moves the end by up to 7%
// (3+40 at --parallel 8 took 7 min 03 s and 7 min 31 s in two runs on a
// loaded 2-core machine); the engine's own work, which counts as simulated
// time, varied by up to 300 ms of real time with the load.
func tolerance(documented, scale time.Duration) time.Duration {
	engine := time.Duration(float64(300*time.Millisecond) / scale.Seconds())
	return max(documented/10, engine)
}

// checkCreationTable fails when a row of docs/scale-and-speed.md's creation
// table no longer holds: a time further from the measured one than the
// tolerance, or any other figure different. -update rewrites the table
// then.
func checkCreationTable(t *testing.T, measured string) {
	t.Helper()
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
	if differences := tableDifferences(documented, measured); len(differences) > 0 {
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
// the measured one beyond the tolerance.
func tableDifferences(documented, measured string) []string {
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
			if !sameWithin(haveCells[j], wantCells[j], columnScale(j)) {
				out = append(out, fmt.Sprintf("%q, measured %q", haveCells[j], wantCells[j]))
			}
		}
	}
	return out
}

// columnScale is the scale of the runs in a column of the table (split at
// "|", so the first is empty), 0 for the columns that are not measured.
func columnScale(column int) time.Duration {
	if i := column - 3; i >= 0 && i < len(creationParallels) {
		return creationScale(creationParallels[i])
	}
	return 0
}

// sameWithin says whether two cells are the same but for their times,
// each within the tolerance of the other's at scale; unmeasured cells
// (scale 0) must be the same.
func sameWithin(documented, measured string, scale time.Duration) bool {
	if scale == 0 || duration.ReplaceAllString(documented, "") != duration.ReplaceAllString(measured, "") {
		return documented == measured
	}
	have, want := duration.FindAllStringSubmatch(documented, -1), duration.FindAllStringSubmatch(measured, -1)
	for i := range have {
		d, m := parseMinutes(have[i]), parseMinutes(want[i])
		if math.Abs(float64(d-m)) > float64(tolerance(d, scale)) {
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

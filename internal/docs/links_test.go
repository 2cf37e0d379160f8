package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// link is a Markdown link's target: ](target).
var link = regexp.MustCompile(`\]\(([^()\s]+)\)`)

// prose is a Markdown file's lines outside fenced code blocks.
func prose(doc string) []string {
	var lines []string
	fenced := false
	for line := range strings.SplitSeq(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			lines = append(lines, line)
		}
	}
	return lines
}

// anchors are the fragments GitHub gives a file's headings: lowercased,
// punctuation dropped, spaces as hyphens, repeats numbered.
func anchors(doc string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, line := range prose(doc) {
		title, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !strings.HasPrefix(line, "#") || !ok {
			continue
		}
		slug := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				return unicode.ToLower(r)
			}
			return -1
		}, strings.TrimSpace(title))
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

func TestAnchors(t *testing.T) {
	got := anchors("# Day two\n## Parallelism: `--parallel`\n## Scale the control plane (1 ↔ 3 ↔ 5)\n" +
		"```sh\n# not a heading\n```\n## Change labels, taints or `controlPlane.schedulable`\n## Day two\n")
	for _, want := range []string{"day-two", "parallelism---parallel", "scale-the-control-plane-1--3--5",
		"change-labels-taints-or-controlplaneschedulable", "day-two-1"} {
		if !got[want] {
			t.Errorf("no anchor %s in %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Error("a comment in a code block made an anchor")
	}
}

// Every relative link in README.md and docs/ leads to a file of the
// repository, and every #fragment to a heading of its document.
func TestLinksResolve(t *testing.T) {
	for _, file := range documents(t) {
		doc := read(t, file)
		for _, line := range prose(doc) {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, fragment, _ := strings.Cut(target, "#")
				linked, linkedDoc := file, doc
				if path != "" {
					linked = filepath.Join(filepath.Dir(file), path)
					if _, err := os.Stat(linked); err != nil {
						t.Errorf("%s: link to %s: no such file", file, target)
						continue
					}
					if fragment != "" {
						linkedDoc = read(t, linked)
					}
				}
				if fragment != "" && !anchors(linkedDoc)[fragment] {
					t.Errorf("%s: link to %s: %s has no such heading", file, target, linked)
				}
			}
		}
	}
}

// documents are README.md and the pages of docs/.
func documents(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append(files, "../../README.md")
}

package docs

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// citedTest is a test named in a document, as a claim's evidence or in
	// a `go test -run` example.
	citedTest = regexp.MustCompile(`\b(?:Test|Benchmark|Fuzz)[A-Z][A-Za-z0-9_]*`)
	// testFunc is a test function's declaration.
	testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Z][A-Za-z0-9_]*)\(`)
)

// Every test README.md and docs/ name exists, or, as a -run pattern, is
// the start of one: a renamed or merged test must take its citations along.
func TestCitedTestsExist(t *testing.T) {
	tests := testFunctions(t)
	for _, file := range documents(t) {
		for _, name := range citedTest.FindAllString(read(t, file), -1) {
			if !startsOne(tests, name) {
				t.Errorf("%s cites %s, which no test is or begins with", file, name)
			}
		}
	}
}

// testFunctions are the names of the repository's test functions.
func testFunctions(t *testing.T) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "../..":
			return filepath.SkipDir
		case strings.HasSuffix(path, "_test.go"):
			for _, m := range testFunc.FindAllStringSubmatch(read(t, path), -1) {
				names = append(names, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func startsOne(names []string, prefix string) bool {
	for _, name := range names {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

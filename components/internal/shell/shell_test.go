package shell

import (
	"strings"
	"testing"
)

func TestScriptCarriesOnlyTheFunctionsItCalls(t *testing.T) {
	if len(functions) == 0 {
		t.Fatal("functions.sh has no function")
	}
	for _, f := range functions {
		calling := Script(nil, "x=$("+f.name+")\n")
		if !strings.Contains(calling, f.text) {
			t.Errorf("a script calling %s lacks its definition", f.name)
		}
		if other := Script(nil, "log hello\n"); strings.Contains(other, f.name+"()") {
			t.Errorf("a script not calling %s carries it", f.name)
		}
	}
}

func TestParseFunctions(t *testing.T) {
	got := parseFunctions("# a says a\na() {\n  log a\n}\n# b\nb() {\n  log b\n}\n")
	if len(got) != 2 || got[0].name != "a" || got[1].name != "b" || got[1].text != "# b\nb() {\n  log b\n}\n" {
		t.Errorf("parseFunctions = %+v", got)
	}
}

func TestQuote(t *testing.T) {
	if got := Quote("it's"); got != `'it'\''s'` {
		t.Errorf("Quote = %s", got)
	}
}

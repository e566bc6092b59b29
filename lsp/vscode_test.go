package lsp

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gosips/internal/testenv"
)

// TestVSCodeExtension checks editors/vscode: the manifest declares the
// opensips language with the grammar and the extension starts "gosips
// lsp"; node compiles every grammar regex (JavaScript's syntax is close to
// the Oniguruma one VS Code uses) and colours the example config with
// them: route headers, functions, variables and comments are found.
func TestVSCodeExtension(t *testing.T) {
	dir := filepath.Join(testenv.Root(t), "editors", "vscode")
	var pkg struct {
		Main        string
		Contributes struct {
			Languages []struct{ ID string }
			Grammars  []struct{ Language, ScopeName, Path string }
		}
	}
	readJSON(t, filepath.Join(dir, "package.json"), &pkg)
	if len(pkg.Contributes.Languages) != 1 || pkg.Contributes.Languages[0].ID != "opensips" {
		t.Errorf("languages: %+v", pkg.Contributes.Languages)
	}
	if len(pkg.Contributes.Grammars) != 1 || pkg.Contributes.Grammars[0].ScopeName != "source.opensips" {
		t.Fatalf("grammars: %+v", pkg.Contributes.Grammars)
	}
	var grammar struct{ ScopeName string }
	readJSON(t, filepath.Join(dir, pkg.Contributes.Grammars[0].Path), &grammar)
	if grammar.ScopeName != "source.opensips" {
		t.Errorf("grammar scope %q", grammar.ScopeName)
	}
	ext, err := os.ReadFile(filepath.Join(dir, pkg.Main))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ext), "args: ['lsp']") {
		t.Errorf("%s does not start gosips lsp", pkg.Main)
	}
	node := testenv.Tool(t, "node", "nodejs")
	script := `
const fs = require('fs');
const g = JSON.parse(fs.readFileSync(process.argv[1] + '/syntaxes/opensips.tmLanguage.json'));
const cfg = fs.readFileSync(process.argv[2], 'utf8');
const found = {};
function walk(o) {
  if (Array.isArray(o)) { o.forEach(walk); return; }
  if (!o || typeof o !== 'object') return;
  for (const k of ['match', 'begin', 'end']) {
    if (typeof o[k] !== 'string') continue;
    const re = new RegExp(o[k], 'gm');
    if (k === 'match') {
      for (const m of cfg.matchAll(re)) {
        const scope = o.name || (o.captures && o.captures['1'] && o.captures['1'].name) || '';
        found[scope] = (found[scope] || 0) + 1;
      }
    }
  }
  for (const v of Object.values(o)) walk(v);
}
walk(g);
console.log(JSON.stringify(found));
`
	out, err := exec.Command(node, "-e", script, dir, filepath.Join(testenv.Root(t), "examples", "opensips.cfg")).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var found map[string]int
	if err := json.Unmarshal(out, &found); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	for _, scope := range []string{"storage.type.route.opensips", "entity.name.function.opensips",
		"variable.other.pv.opensips", "comment.line.number-sign.opensips", "keyword.control.opensips",
		"variable.other.global.opensips"} {
		if found[scope] == 0 {
			t.Errorf("the grammar finds no %s in the example config (found %v)", scope, found)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

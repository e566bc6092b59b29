// Package layering enforces the package dependency directions of the
// project layout: lower layers never import higher ones, and each third-party
// SIP, parser and database library has exactly one importer.
package layering

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const mod = "gosips"

type pkg struct {
	ImportPath string
	Imports    []string
}

// rule says which packages a layer must not import (by prefix).
type rule struct {
	layer  string // package path prefix, relative to the module
	forbid []string
}

var rules = []rule{
	{"lang", []string{"api", "pv", "runtime", "sip", "modules", "db", "mi", "cmd"}},
	{"sip", []string{"api", "pv", "runtime", "modules", "db", "mi", "cmd", "lang/ast"}},
	{"api", []string{"pv", "runtime", "modules", "db/", "mi", "cmd", "lang/ast"}},
	{"pv", []string{"lang/ast", "runtime", "modules", "db", "mi", "cmd"}},
	{"db", []string{"api", "pv", "runtime", "modules", "sip", "mi", "cmd", "lang"}},
	{"mi", []string{"runtime", "modules", "pv", "db", "cmd"}},
	{"runtime", []string{"modules", "mi", "cmd", "db/"}},
	{"modules", []string{"runtime", "mi", "cmd", "lang/ast"}},
	// gosips trace drives the runtime; the modules come from cmd's imports.
	{"trace", []string{"modules", "mi", "cmd", "db/"}},
	// The language server reads the module tables and runs check.
	{"lsp", []string{"modules", "mi", "cmd", "db/", "sip"}},
	// Helpers shared by modules sit below them.
	{"internal/digest", []string{"runtime", "modules", "mi", "cmd", "db"}},
	{"internal/sdp", []string{"api", "pv", "runtime", "modules", "sip", "db", "mi", "cmd", "lang"}},
	{"internal/bencode", []string{"api", "pv", "runtime", "modules", "sip", "db", "mi", "cmd", "lang"}},
	{"internal/mediarelay", []string{"pv", "runtime", "modules", "db/", "mi", "cmd", "lang"}},
	{"internal/cjson", []string{"api", "pv", "runtime", "modules", "sip", "db", "mi", "cmd", "lang"}},
	{"internal/hep", []string{"api", "pv", "runtime", "modules", "db", "mi", "cmd", "lang"}},
}

// owners: a third-party import path prefix → the only layers that may import it.
var owners = map[string][]string{
	"github.com/emiago/sipgo":          {"sip"},
	"github.com/alecthomas/participle": {"lang"},
	"github.com/mattn/go-sqlite3":      {"db/sqlite"},
	"github.com/urfave/cli":            {"cmd"},
	"github.com/tliron/glsp":           {"lsp"},
	// The WebSocket transports (sip/ws.go) and their tests' clients.
	"github.com/gorilla/websocket": {"sip", "e2e"},
}

func under(rel, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(rel, prefix)
	}
	return rel == prefix || strings.HasPrefix(rel, prefix+"/")
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", mod+"/...")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errb.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportDirections(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod), "/")
		for _, imp := range p.Imports {
			if violation := check(rel, imp); violation != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, violation)
			}
		}
	}
}

// check returns why rel may not import imp, or "".
func check(rel, imp string) string {
	for prefix, allowed := range owners {
		if strings.HasPrefix(imp, prefix) {
			for _, a := range allowed {
				if under(rel, a) {
					return ""
				}
			}
			return "only " + strings.Join(allowed, ", ") + " may import " + prefix
		}
	}
	if !strings.HasPrefix(imp, mod+"/") {
		return ""
	}
	target := strings.TrimPrefix(imp, mod+"/")
	if under(target, "cmd") {
		return "nothing imports cmd"
	}
	for _, r := range rules {
		if !under(rel, r.layer) {
			continue
		}
		for _, f := range r.forbid {
			if under(target, f) && !under(target, r.layer) {
				return r.layer + " must not import " + strings.TrimSuffix(f, "/")
			}
		}
	}
	return ""
}

func TestCheckCatchesForbiddenEdges(t *testing.T) {
	bad := [][2]string{
		{"lang", mod + "/runtime"},
		{"api", mod + "/pv"},
		{"modules/registrar", mod + "/runtime"},
		{"runtime", mod + "/modules/tm"},
		{"pv", "github.com/emiago/sipgo/sip"},
		{"modules/usrloc", "github.com/mattn/go-sqlite3"},
		{"sip", mod + "/cmd/gosips"},
	}
	for _, b := range bad {
		if check(b[0], b[1]) == "" {
			t.Errorf("edge %s → %s should be forbidden", b[0], b[1])
		}
	}
	good := [][2]string{
		{"runtime", mod + "/pv"},
		{"modules/registrar", mod + "/modules/usrloc"},
		{"modules/registrar", mod + "/api"},
		{"sip", "github.com/emiago/sipgo/sip"},
		{"cmd/gosips", mod + "/runtime"},
		{"db/sqlite", "github.com/mattn/go-sqlite3"},
	}
	for _, g := range good {
		if why := check(g[0], g[1]); why != "" {
			t.Errorf("edge %s → %s should be allowed: %s", g[0], g[1], why)
		}
	}
}

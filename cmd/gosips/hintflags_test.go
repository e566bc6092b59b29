package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"gosips/api"
)

// TestHintsNameOnlyExistingFlags scans the string literals of the
// libraries that write diagnostics and hints for "--flag" and checks that
// gosips has such a flag: a hint must never send a user to an option that
// does not exist.
func TestHintsNameOnlyExistingFlags(t *testing.T) {
	have := map[string]bool{"help": true, "version": true}
	var walk func(cmds []*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				for _, n := range f.Names() {
					have[n] = true
				}
			}
			walk(c.Subcommands)
		}
	}
	walk(newApp().Commands)
	flagRe := regexp.MustCompile(`(?:^|[\s"'(=])--([a-z][a-z0-9-]+)`)
	for _, dir := range []string{"../../runtime", "../../lang", "../../modules", "../../api", "../../pv", "../../port", "../../mi"} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "gen" { // generators call other tools
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				for _, m := range flagRe.FindAllStringSubmatch(s, -1) {
					if !have[m[1]] {
						t.Errorf("%s: %q names --%s, which no gosips command has", path, s, m[1])
					}
				}
				return true
			})
			return nil
		})
	}
}

// TestUnknownNamesPointAtOpenSIPS: a module or function gosips lacks is
// named with the OpenSIPS module that has it, never "corrected" to a
// gosips module with other semantics.
func TestUnknownNamesPointAtOpenSIPS(t *testing.T) {
	tests := []struct{ cfg, want, not string }{
		{`loadmodule "proto_tls.so"`, `gosips does not provide OpenSIPS module "proto_tls" yet`, "did you mean"},
		{`loadmodule "proto_wss.so"`, `"proto_wss" yet`, "did you mean"},
		{`loadmodule "cachedb_redis.so"`, `"cachedb_redis" yet`, "did you mean"},
		{`loadmodule "db_berkeley.so"`, `"db_berkeley"`, "did you mean"},
		{"route { pike_check_req(); }", "pike", "did you mean"},
		{"route { rl_check(\"a\", 10); }", "ratelimit", "did you mean"},
		{"route { b2b_init_request(\"top hiding\"); }", "b2b_logic", "did you mean"},
		{"route { jab_send_message(); }", "jabber", "did you mean"},
	}
	// A function's module is either provided (load it) or named as
	// OpenSIPS' (modules are added as gosips grows).
	for i, tt := range tests {
		if !strings.HasPrefix(tt.cfg, "route") {
			continue
		}
		if _, ok := api.Default().Lookup(tt.want); ok {
			tests[i].want = `add loadmodule "` + tt.want + `.so"`
		} else {
			tests[i].want = "it belongs to OpenSIPS module " + tt.want
		}
	}
	dir := t.TempDir()
	for _, tt := range tests {
		if name, ok := strings.CutPrefix(tt.cfg, `loadmodule "`); ok {
			if _, have := api.Default().Lookup(strings.TrimSuffix(name, `.so"`)); have {
				continue // provided by now
			}
		}
		p := filepath.Join(dir, "t.cfg")
		if err := writeFile(p, tt.cfg+"\n"); err != nil {
			t.Fatal(err)
		}
		f, diags := checkFile(p, true)
		var b strings.Builder
		writeText(&b, f, diags)
		out := b.String()
		if !strings.Contains(out, tt.want) || strings.Contains(out, tt.not) {
			t.Errorf("%s:\n%s\nwant %q, not %q", tt.cfg, out, tt.want, tt.not)
		}
	}
}

package registrar_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gosips/api"
	"gosips/internal/testenv"
	_ "gosips/modules/auth"
	_ "gosips/modules/auth_db"
	_ "gosips/modules/db_sqlite"
	_ "gosips/modules/db_text"
	_ "gosips/modules/dispatcher"
	_ "gosips/modules/httpd"
	_ "gosips/modules/mi_fifo"
	_ "gosips/modules/mi_http"
	_ "gosips/modules/msilo"
	_ "gosips/modules/registrar"
	_ "gosips/modules/uac"
	_ "gosips/modules/uac_auth"
	_ "gosips/modules/uac_registrant"
	_ "gosips/modules/usrloc"
)

// corpusFiles returns the shared corpus configs, skipping when absent.
func corpusFiles(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.Corpus(t), "*", "*.cfg"))
	if len(files) == 0 {
		t.Fatal("no configs in the corpus")
	}
	return files
}

var (
	modparamRe = regexp.MustCompile(`^\s*modparam\(\s*"([^"]+)"\s*,\s*"([^"]+)"\s*,\s*("(?:[^"\\]|\\.)*"|[-+]?(?:0x[0-9a-fA-F]+|[0-9]+))`)
	callRe     = regexp.MustCompile(`\b(save|lookup|www_challenge|proxy_challenge|m_store|m_dump|ds_select_dst|ds_select_domain|ds_mark_dst|uac_auth)\(([^()]*)\)`)
	argRe      = regexp.MustCompile(`^\s*(?:"([^"$]*)"|([-+]?[0-9]+)|)\s*$`)
)

// TestCorpusModparams checks that every modparam of these modules in the
// corpus names a declared parameter of a matching type.
func TestCorpusModparams(t *testing.T) {
	reg := api.Default()
	checked := 0
	for _, file := range corpusFiles(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			m := modparamRe.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			isInt := !strings.HasPrefix(m[3], `"`)
			for _, mod := range strings.Split(m[1], "|") {
				info, ok := reg.Lookup(mod)
				if !ok || !isOurs(mod) {
					continue
				}
				checked++
				p := findParam(info.New(), m[2])
				where := filepath.Base(file) + ":" + strconv.Itoa(i+1)
				if p == nil {
					t.Errorf("%s: %s has no param %q", where, mod, m[2])
					continue
				}
				if isInt && p.Type&api.ParamInt == 0 || !isInt && p.Type&api.ParamStr == 0 {
					t.Errorf("%s: %s %s: %s value for a %v param", where, mod, m[2], kind(isInt), p.Type)
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no modparam checked")
	}
}

// TestCorpusLiteralCalls runs the fixups on the literal arguments of the
// corpus calls: none may fail (old forms are accepted as legacy).
func TestCorpusLiteralCalls(t *testing.T) {
	funcs := map[string]api.Func{}
	for _, mod := range []string{"registrar", "auth", "msilo", "dispatcher", "uac"} {
		info, _ := api.Default().Lookup(mod)
		for _, f := range info.New().Funcs() {
			funcs[f.Name] = f
		}
	}
	var legacy int
	fc := &api.FixupCtx{
		Legacy:     func(string, string) { legacy++ },
		Warn:       func(string, string) {},
		BranchFlag: func(string) (int, error) { return 1, nil },
		Module:     func(string) api.Module { return nil },
	}
	checked := 0
	for _, file := range corpusFiles(t) {
		src, _ := os.ReadFile(file)
		for i, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range callRe.FindAllStringSubmatch(line, -1) {
				f := funcs[m[1]]
				args := strings.Split(m[2], ",")
				for n, raw := range args {
					am := argRe.FindStringSubmatch(raw)
					if am == nil || n >= len(f.Args) || f.Args[n].Fixup == nil || am[0] == "" {
						continue
					}
					a := &api.FixArg{Given: true, Const: true, Str: am[1]}
					if am[2] != "" {
						a.Int, _ = strconv.ParseInt(am[2], 10, 64)
						if f.Args[n].Type == api.ArgStr {
							continue // a bare number for a string arg is the checker's error
						}
					} else if f.Args[n].Type == api.ArgInt {
						a.Int, _ = strconv.ParseInt(am[1], 10, 64) // legacy "2" coerced by the checker
					}
					checked++
					if err := f.Args[n].Fixup(fc, a); err != nil {
						t.Errorf("%s:%d: %s arg %d %q: %v", filepath.Base(file), i+1, m[1], n+1, raw, err)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no call checked")
	}
	t.Logf("%d literal arguments checked, %d legacy forms", checked, legacy)
}

func isOurs(mod string) bool {
	switch mod {
	case "usrloc", "registrar", "auth", "auth_db", "msilo", "dispatcher", "uac", "uac_auth",
		"uac_registrant", "db_sqlite", "db_text", "httpd", "mi_http", "mi_fifo":
		return true
	}
	return false
}

func findParam(m api.Module, name string) *api.Param {
	for _, p := range m.Params() {
		if p.Name == name {
			return &p
		}
	}
	return nil
}

func kind(isInt bool) string {
	if isInt {
		return "integer"
	}
	return "string"
}

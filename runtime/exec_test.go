package runtime

import (
	"fmt"
	"strings"
	"testing"

	"gosips/api"
	"gosips/lang"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/pv"
)

// testCore is a fake core module: ret(n) returns n, mark(s) records s.
type testCore struct{ marks *[]string }

func (m *testCore) Params() []api.Param {
	var dummy int
	return []api.Param{api.IntParam("max_while_loops", &dummy), api.IntParam("enable_asserts", &dummy)}
}

func (m *testCore) Funcs() []api.Func {
	return []api.Func{
		{Name: "ret", Routes: api.AllRoutes, Args: []api.Arg{{Name: "code", Type: api.ArgInt}},
			Call: func(c *api.Ctx, a []any) api.Ret { return api.Ret(a[0].(int64)) }},
		{Name: "mark", Routes: api.AllRoutes, Args: []api.Arg{{Name: "text", Type: api.ArgStr}},
			Call: func(c *api.Ctx, a []any) api.Ret { *m.marks = append(*m.marks, a[0].(string)); return 1 }},
		{Name: "onlyreq", Routes: api.RequestRoute, Call: func(c *api.Ctx, a []any) api.Ret { return 1 }},
		{Name: "later", Routes: api.AllRoutes},
	}
}

// run compiles src and runs its main route; it returns the marks and the
// route's return code.
func run(t *testing.T, src string) ([]string, api.Ret) {
	t.Helper()
	var marks []string
	reg := api.NewRegistry()
	reg.Register(api.ModuleInfo{Name: "core", Core: true, New: func() api.Module { return &testCore{marks: &marks} }})
	f, diags := lang.Parse("test.cfg", []byte(src), lang.Options{})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	s, diags := Compile(f, Options{Registry: reg})
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	p, err := s.Build(nil)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	th := &Thread{prog: p}
	th.reset()
	th.Ctx.Priv = th
	rc := th.RunRoute(p.Route(ast.RouteRequest, ""))
	return marks, rc
}

func TestStatementSemantics(t *testing.T) {
	tests := []struct {
		name, body string
		want       string // marks joined by ","
	}{
		{"and-or same precedence", `if (1 || 0 && 0) mark("t"); else mark("f");`, "f"},
		{"arith left to right", `$var(x) = 1 + 2 * 3; mark("$var(x)");`, "9"},
		{"minus left assoc", `$var(x) = 10 - 2 - 3; mark("$var(x)");`, "5"},
		{"bitwise looser", `$var(x) = 1 | 2 * 4; $var(y) = 2 * 4 | 1; mark("$var(x) $var(y)");`, "9 9"},
		{"int division", `$var(x) = 7 / 2; $var(y) = -7 % 3; mark("$var(x) $var(y)");`, "3 -1"},
		{"int32 wrap", `$var(x) = 2147483647 + 1; mark("$var(x)");`, "-2147483648"},
		{"octal hex", `$var(x) = 0x10 + 010; mark("$var(x)");`, "24"},
		{"string compare fold", `$var(m) = "INVITE"; if ($var(m) == "invite") mark("eq");`, "eq"},
		{"regex fold", `$var(m) = "Alice"; if ($var(m) =~ "^al") mark("re");`, "re"},
		{"string zero is true", `$var(s) = "0"; if ($var(s)) mark("t"); else mark("f");`, "t"},
		{"int zero is false", `$var(s) = 0; if ($var(s)) mark("t"); else mark("f");`, "f"},
		{"null is false", `$var(n) = null; if ($var(n)) mark("t"); else mark("f");`, "f"},
		{"error takes else", `$var(i) = "5"; if ($var(i) == 5) mark("t"); else mark("f");`, "f"},
		{"not error still false", `$var(i) = "5"; if (!($var(i) == 5)) mark("t"); else mark("f");`, "f"},
		{"null compare", `$var(n) = null; if ($var(n) == null) mark("a"); if ($var(n) != "x") mark("b"); if ($var(n) == "x") mark("c");`, "a,b"},
		{"concat", `$var(s) = "id-" + 5; mark("$var(s)");`, "id-5"},
		{"int plus string is null", `$var(n) = 1; $var(n) = $var(n) + "x"; if ($var(n) == null) mark("null");`, "null"},
		{"compound assign", `$var(n) = 5; $var(n) += 3; $var(n) *= 2; mark("$var(n)");`, "16"},
		{"avp stack", `$avp(a) = 1; $avp(a) = 2; mark("$avp(a) $(avp(a)[1])"); $avp(a) = null; mark("$avp(a)"); $avp(a) := 7; mark("$(avp(a)[*])");`, "2 1,1,7"},
		{"switch fallthrough", `$var(x) = 1; switch ($var(x)) { case 1: mark("one"); case 2: mark("two"); break; case 3: mark("three"); default: mark("def"); }`, "one,two"},
		{"switch string fold", `$var(m) = "invite"; switch ($var(m)) { case "INVITE": mark("inv"); break; default: mark("def"); }`, "inv"},
		{"switch string not int", `$var(m) = "3"; switch ($var(m)) { case 3: mark("int"); break; default: mark("def"); }`, "def"},
		{"switch default only", `$var(x) = 9; switch ($var(x)) { case 1: mark("one"); default: mark("def"); }`, "def"},
		{"while loop", `$var(i) = 0; while ($var(i) < 3) { mark("$var(i)"); $var(i) += 1; }`, "0,1,2"},
		{"while break", `$var(i) = 0; while (1) { if ($var(i) == 2) break; mark("$var(i)"); $var(i) += 1; }`, "0,1"},
		{"foreach avp", `$avp(l) = "a"; $avp(l) = "b"; for ($var(v) in $(avp(l)[*])) mark("$var(v)");`, "b,a"},
		{"rc after call", `ret(-2); mark("$rc"); ret(3); mark("$rc");`, "-2,3"},
		{"func zero stops", `mark("a"); ret(0); mark("b");`, "a"},
		{"func zero in cond stops", `mark("a"); if (ret(0)) mark("t"); mark("b");`, "a"},
		{"route return value", `route(r); mark("$rc");`, "inr,5"},
		{"route return zero exits", `route(z); mark("after");`, "inz"},
		{"route exit stops all", `route(e); mark("after");`, "ine"},
		{"route params", `route(p, "x", 7); mark("$rc");`, "x-7,1"},
		{"return extra values", `route(rv); mark("$rc $return(0) $return(1)");`, "2 a 9"},
		{"nested if else", `$var(a) = 2; if ($var(a) == 1) mark("1"); else if ($var(a) == 2) mark("2"); else mark("3");`, "2"},
		{"bracket test", `$var(f) = 6; if ([$var(f) & 4]) mark("bit");`, "bit"},
		{"ip network", `$var(ip) = "10.1.2.3"; if ($var(ip) == 10.0.0.0/8) mark("in"); if ($var(ip) != 192.168.0.0/16) mark("out");`, "in,out"},
		{"string less", `$var(a) = "abc"; if ($var(a) < "abd") mark("lt"); if ($var(a) < "ABCD") mark("prefix");`, "lt,prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "route {\n" + tc.body + "\n}\n" + `
route[r] { mark("inr"); return(5); }
route[z] { mark("inz"); return(0); }
route[e] { mark("ine"); exit; }
route[p] { mark("$param(1)-$param(2)"); }
route[rv] { return(2, "a", 9); }
`
			marks, _ := run(t, src)
			if got := strings.Join(marks, ","); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWhileLoopGuard(t *testing.T) {
	marks, _ := run(t, `max_while_loops = 5
route { $var(i) = 0; while (1) { $var(i) += 1; } mark("$var(i)"); }`)
	if len(marks) != 1 || marks[0] != "5" {
		t.Fatalf("got %v, want the loop cut at 5", marks)
	}
}

func TestReturnCodeOfMainRoute(t *testing.T) {
	for _, tc := range []struct {
		body string
		want api.Ret
	}{
		{`return(-3);`, -3},
		{`exit;`, 0},
		{`mark("x");`, 1},
		{`return;`, 1},
	} {
		_, rc := run(t, "route { "+tc.body+" }")
		if rc != tc.want {
			t.Errorf("%s: rc %d, want %d", tc.body, rc, tc.want)
		}
	}
}

func TestNotImplementedRefusesToRun(t *testing.T) {
	reg := api.NewRegistry()
	var marks []string
	reg.Register(api.ModuleInfo{Name: "core", Core: true, New: func() api.Module { return &testCore{marks: &marks} }})
	f, _ := lang.Parse("t.cfg", []byte("route { later(); }"), lang.Options{})
	_, diags := Compile(f, Options{Registry: reg})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "function later of module core is not implemented yet") {
		t.Fatalf("want a not-implemented error, got %v", diags)
	}
	_, diags = Compile(f, Options{Registry: reg, Check: true})
	if errs := diags.Errors(); len(errs) != 1 || errs[0].Code != diag.CodeNotImplemented {
		t.Fatalf("check mode must report it with code %s: %v", diag.CodeNotImplemented, diags)
	}
}

func TestRouteFlagThroughCallGraph(t *testing.T) {
	reg := api.NewRegistry()
	var marks []string
	reg.Register(api.ModuleInfo{Name: "core", Core: true, New: func() api.Module { return &testCore{marks: &marks} }})
	src := "route { route(a); }\nroute[a] { onlyreq(); }\nonreply_route[nat] { route(a); }\n"
	f, _ := lang.Parse("t.cfg", []byte(src), lang.Options{})
	_, diags := Compile(f, Options{Registry: reg, Check: true})
	want := "onlyreq() is not allowed in onreply_route (via onreply_route[nat] → route[a])"
	if !strings.Contains(fmt.Sprint(diags), want) {
		t.Fatalf("want %q, got %v", want, diags)
	}
}

var _ = pv.NullText

package core

import (
	"fmt"
	"strings"
	"testing"

	"gosips/api"
)

// fakeFixup is a FixupCtx that allocates flags by name and records
// warnings.
type fakeFixup struct {
	api.FixupCtx
	msgFlags, brFlags map[string]int
	warnings, legacy  []string
}

func newFake(mods map[string]api.Module) *fakeFixup {
	f := &fakeFixup{msgFlags: map[string]int{}, brFlags: map[string]int{}}
	alloc := func(m map[string]int) func(string) (int, error) {
		return func(name string) (int, error) {
			if n, ok := m[name]; ok {
				return n, nil
			}
			if len(m) == 32 {
				return 0, fmt.Errorf("too many flags")
			}
			m[name] = len(m)
			return m[name], nil
		}
	}
	f.MsgFlag, f.BranchFlag = alloc(f.msgFlags), alloc(f.brFlags)
	f.Module = func(name string) api.Module { return mods[name] }
	f.Warn = func(msg, hint string) { f.warnings = append(f.warnings, msg) }
	f.Legacy = func(msg, hint string) { f.legacy = append(f.legacy, msg+" => "+hint) }
	return f
}

// findArg returns the spec of argument i of the named function.
func findArg(t *testing.T, fs []api.Func, name string, i int) api.Arg {
	t.Helper()
	for _, f := range fs {
		if f.Name == name {
			if i >= len(f.Args) {
				t.Fatalf("%s has %d args, want arg %d", name, len(f.Args), i)
			}
			return f.Args[i]
		}
	}
	t.Fatalf("function %s not declared", name)
	return api.Arg{}
}

func TestFixups(t *testing.T) {
	tests := []struct {
		fn      string
		arg     int
		str     string
		num     int64
		want    any    // expected Fixed value when no error
		wantErr string // substring of the expected error
	}{
		{fn: "setflag", str: "NAT", want: Flag(0)},
		{fn: "isflagset", str: "1", want: Flag(0)},
		{fn: "setflag", str: " ", wantErr: "empty message flag name"},
		{fn: "setbflag", str: "6", want: Flag(0)},
		{fn: "xlog", str: "L_INFO", want: LogLevel(LogInfo)},
		{fn: "xlog", str: "L_ALERT", want: LogLevel(LogAlert)},
		{fn: "xlog", str: "L_DBG", want: LogLevel(LogDbg)},
		{fn: "xlog", str: "L_ERROR", want: LogLevel(LogErr)},
		{fn: "xlog", str: "L_FOO", wantErr: `unknown log level "L_FOO"`},
		{fn: "xlog", str: "INFO", wantErr: `unknown log level "INFO"`},
		{fn: "set_via_handling", str: "force-rport, reply-to-via", want: NamedFlags(1 | 4)},
		{fn: "set_via_handling", str: "force-report", wantErr: `unknown flag "force-report" (did you mean "force-rport"?)`},
		{fn: "append_msg_branch", arg: 1, str: "0.5", want: Q(500)},
		{fn: "append_msg_branch", arg: 1, str: "1", want: Q(1000)},
		{fn: "append_msg_branch", arg: 1, str: "1.5", wantErr: "above 1"},
		{fn: "append_msg_branch", arg: 1, str: "0.1234", wantErr: "bad q-value"},
		{fn: "append_msg_branch", arg: 2, str: "inherite", want: NamedFlags(1)},
		{fn: "append_msg_branch", arg: 2, str: "inherit", wantErr: `did you mean "inherite"?`},
		{fn: "forward", str: "udp:10.0.0.1:5060", want: api.Dest{Proto: "udp", Host: "10.0.0.1", Port: 5060}},
		{fn: "forward", str: "example.com", want: api.Dest{Host: "example.com"}},
		{fn: "forward", str: "tcp:[::1]:5070", want: api.Dest{Proto: "tcp", Host: "[::1]", Port: 5070}},
		{fn: "forward", str: "udp:1.2.3.4:99999", wantErr: `bad port "99999"`},
		{fn: "send", str: "", wantErr: "empty destination"},
		{fn: "forward", str: "uri:host", want: api.Dest{}},
		{fn: "forward", arg: 1, str: "uri:port", want: 0},
		{fn: "forward", arg: 1, str: "9", want: 9},
		{fn: "forward", arg: 1, str: "nine", wantErr: `bad port "nine"`},
		{fn: "forward_udp", str: "10.0.0.1", want: api.Dest{Host: "10.0.0.1"}},
		{fn: "force_send_socket", str: "udp:127.0.0.1:5060", want: api.Dest{Proto: "udp", Host: "127.0.0.1", Port: 5060}},
		{fn: "move_msg_branch", num: 12, wantErr: "branch index 12 out of range"},
		{fn: "move_msg_branch", num: -1, want: int64(-1)},
		{fn: "move_msg_branch", arg: 2, str: "KEEP", want: true},
		{fn: "check_blacklist_rule", arg: 1, str: "10.0.0.300", wantErr: "bad IP address"},
		{fn: "add_blacklist_rule", arg: 3, str: "UDP", want: "udp"},
		{fn: "add_blacklist_rule", arg: 3, str: "udpp", wantErr: `did you mean "udp"?`},
		{fn: "cache_raw_query", arg: 2, str: "$avp(a); $avp(b)", want: []string{"$avp(a)", "$avp(b)"}},
		{fn: "cache_raw_query", arg: 2, str: "$var(a)", wantErr: "bad AVP"},
		{fn: "construct_uri", arg: 5, str: "$var(x)", wantErr: "must be an AVP"},
		{fn: "len_gt", str: "4096", want: int64(4096)},
		{fn: "len_gt", str: "max_len", want: int64(-1)},
		{fn: "len_gt", str: "big", wantErr: "expected a length or max_len"},
		{fn: "setsflag", str: "3", want: Flag(0)},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s/%d/%q/%d", tc.fn, tc.arg, tc.str, tc.num)
		t.Run(name, func(t *testing.T) {
			fc := newFake(nil)
			spec := findArg(t, New().Funcs(), tc.fn, tc.arg)
			if spec.Fixup == nil {
				t.Fatalf("%s arg %d has no fixup", tc.fn, tc.arg)
			}
			a := &api.FixArg{Given: true, Const: true, Str: tc.str, Int: tc.num}
			err := spec.Fixup(&fc.FixupCtx, a)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if fmt.Sprint(a.Fixed) != fmt.Sprint(tc.want) {
				t.Fatalf("Fixed = %#v, want %#v", a.Fixed, tc.want)
			}
		})
	}
}

func TestFlagsShareNames(t *testing.T) {
	fc := newFake(nil)
	fs := New().Funcs()
	set, is := findArg(t, fs, "setflag", 0), findArg(t, fs, "isflagset", 0)
	a, b, c := &api.FixArg{Str: "NAT"}, &api.FixArg{Str: LegacyFlagName(1)}, &api.FixArg{Str: "NAT"}
	for _, x := range []struct {
		spec api.Arg
		arg  *api.FixArg
	}{{set, a}, {set, b}, {is, c}} {
		if err := x.spec.Fixup(&fc.FixupCtx, x.arg); err != nil {
			t.Fatal(err)
		}
	}
	if a.Fixed != c.Fixed || a.Fixed == b.Fixed {
		t.Fatalf("flags: NAT=%v 1=%v NAT again=%v", a.Fixed, b.Fixed, c.Fixed)
	}
	if _, ok := fc.msgFlags["1"]; !ok {
		t.Fatalf("legacy flag 1 not allocated as %q: %v", "1", fc.msgFlags)
	}
}

func TestXlogLevelWarnsOnOddSpelling(t *testing.T) {
	fc := newFake(nil)
	a := &api.FixArg{Str: "L_ERROR"}
	if err := XlogLevelFixup(&fc.FixupCtx, a); err != nil {
		t.Fatal(err)
	}
	if len(fc.warnings) != 1 || !strings.Contains(fc.warnings[0], "read as L_ERR") {
		t.Fatalf("warnings = %q", fc.warnings)
	}
}

func TestForwardRefusedWhenStatelessDisabled(t *testing.T) {
	c := New()
	c.Config.DisableStatelessFwd = 1
	fc := newFake(map[string]api.Module{"core": c})
	spec := findArg(t, c.Funcs(), "forward", 0)
	err := spec.Fixup(&fc.FixupCtx, &api.FixArg{})
	if err == nil || !strings.Contains(err.Error(), "disable_stateless_fwd") {
		t.Fatalf("error = %v", err)
	}
}

func TestBlacklistNameWarns(t *testing.T) {
	c := New()
	c.Config.DstBlacklists = []string{`carriers/+ : { (udp, 10.0.0.0/8, 5060, "") }`}
	fc := newFake(map[string]api.Module{"core": c})
	spec := findArg(t, c.Funcs(), "use_blacklist", 0)
	for _, tc := range []struct {
		name  string
		warns int
	}{{"carriers", 0}, {"all", 0}, {"carrier", 1}} {
		fc.warnings = nil
		if err := spec.Fixup(&fc.FixupCtx, &api.FixArg{Str: tc.name}); err != nil {
			t.Fatal(err)
		}
		if len(fc.warnings) != tc.warns {
			t.Errorf("%s: warnings = %q, want %d", tc.name, fc.warnings, tc.warns)
		}
	}
}

// leadingOptional are the functions whose optional first argument is
// filled only when all arguments are given (xlog/log levels), and
// construct_uri whose optional slots sit between mandatory ones.
var leadingOptional = map[string]bool{"xlog": true, "log": true, "construct_uri": true}

func TestFuncTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range New().Funcs() {
		if seen[f.Name] {
			t.Errorf("%s declared twice", f.Name)
		}
		seen[f.Name] = true
		if f.Routes != api.AllRoutes {
			t.Errorf("%s: routes %v, want all", f.Name, f.Routes)
		}
		optional := false
		for i, a := range f.Args {
			if a.Optional {
				optional = true
			} else if optional && !leadingOptional[f.Name] {
				t.Errorf("%s: mandatory arg %d after an optional one", f.Name, i+1)
			}
		}
	}
	for _, n := range []string{"forward", "setflag", "append_branch", "append_branch_old", "append_msg_branch",
		"rewritehost", "seth", "setduri", "len_gt", "forward_udp", "xlog", "xdbg", "log", "is_myself"} {
		if !seen[n] {
			t.Errorf("%s not declared", n)
		}
	}
}

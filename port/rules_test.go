package port_test

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/port"
)

// TestRuleEdges pins the edges of the syntax repairs, the format fixes and
// the global-value comments that the golden files do not show.
func TestRuleEdges(t *testing.T) {
	const head = "socket=udp:127.0.0.1:5060\nloadmodule \"proto_udp.so\"\nloadmodule \"sl.so\"\n"
	tests := []struct {
		name   string
		in     string
		want   []string // substrings of the output
		not    []string // must not appear in the output
		manual bool
	}{
		{name: "slash comment after a global value",
			in:   "debug=3 // verbose\n" + head + "route { exit; }\n",
			want: []string{"log_level=3 # verbose"}},
		{name: "double slash inside a global value is kept",
			in:   "mpath=/usr/lib//opensips/\n" + head + "route { exit; }\n",
			want: []string{"mpath=/usr/lib//opensips/"}},
		{name: "empty body without blanks",
			in:   head + "route { route(a); }\nroute[a] {}\n",
			want: []string{"route[a] { ; }"}},
		{name: "empty body with a comment stays commented",
			in:   head + "route { route(a); }\nroute[a] {\n    # nothing yet\n}\n",
			want: []string{"route[a] { ;\n    # nothing yet\n}"}},
		{name: "default moved on one line",
			in:   head + "route { switch ($rU) { default: exit; case \"a\": break; } }\n",
			want: []string{`{ case "a": break; default: exit; }`}},
		{name: "default between cases that fall through is kept",
			in:     head + "route { switch ($rU) { case \"b\": xlog(\"b\\n\"); default: exit; case \"a\": exit; } }\n",
			want:   []string{`case "b": xlog("b\n"); default: exit; case "a": exit;`},
			manual: true},
		{name: "another syntax error blocks every repair",
			in:     head + "route { route(default); if ( { exit; } }\n",
			want:   []string{"route(default);"},
			not:    []string{`route("default")`},
			manual: true},
		{name: "function name one edit from a known one",
			in:   head + "loadmodule \"sipmsgops.so\"\nroute { if (is_methos(\"REGISTER\")) exit; }\n",
			want: []string{`is_method("REGISTER")`}},
		{name: "unknown function far from any is kept",
			in:     head + "route { frobnicate(); }\n",
			want:   []string{"frobnicate();"},
			manual: true},
		{name: "dollar after escapes",
			in:   head + "route { sl_send_reply(200, \"a\\\\b\\t5$\"); }\n",
			want: []string{`"a\\b\t5$$"`}},
		{name: "literal dollar already doubled",
			in:   head + "route { sl_send_reply(200, \"5$$ and $rU.\"); }\n",
			want: []string{`"5$$ and $(rU)."`}},
		{name: "xlog_level already set",
			in:  "xlog_level=4\n" + head + "route { xlog(\"L_INFO\", \"x\\n\"); }\n",
			not: []string{"xlog_level=3"}},
		{name: "xlog_level not needed at L_NOTICE",
			in:  head + "route { xlog(\"L_NOTICE\", \"x\\n\"); }\n",
			not: []string{"xlog_level"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := port.Port("t.cfg", []byte(tt.in), port.Options{Registry: api.Default()})
			out := string(res.Output)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
			if res.Manual() != tt.manual {
				t.Errorf("manual work left = %v, want %v; report:\n%s", res.Manual(), tt.manual, report(res.Findings))
			}
			if !res.Manual() {
				for _, d := range checkText("t.cfg", res.Output) {
					t.Errorf("ported output does not pass check: %s", d.Error())
				}
			}
		})
	}
}

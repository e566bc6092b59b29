package main

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"gosips/api"
)

// Lines marked as LM_GEN (xlog, acc) have no module part; log_prefix goes
// before the level with a colon, in every format, as OpenSIPS 3.6 prints.
func TestLogLineFormats(t *testing.T) {
	tests := []struct {
		name, prefix string
		format       int
		gen          bool
		want         string
	}{
		{"module line", "", formatPlain, false, `^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \[42\] NOTICE:acc: hello$`},
		{"lm_gen line", "", formatPlain, true, `^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \[42\] NOTICE:ACC: hello$`},
		{"prefix", "edge", formatPlain, false, `\[42\] edge:NOTICE:acc: hello$`},
		{"prefix lm_gen", "edge", formatPlain, true, `\[42\] edge:NOTICE:ACC: hello$`},
		{"json lm_gen", "", formatJSON, true, `^\{"time": "[^"]+", "pid": 42, "level": "NOTICE", "message": "ACC: hello"\}$`},
		{"json prefix", "edge", formatJSON, false, `^\{"time": "[^"]+", "pid": 42, "level": "NOTICE", "module": "acc", "prefix": "edge", "message": "hello"\}$`},
		{"cee lm_gen prefix", "edge", formatJSONCEE, true, `"pri": "NOTICE", "native": \{"log_prefix": "edge"\}, "msg": "ACC: hello"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := &osipsHandler{pid: 42, prefix: tc.prefix, level: slog.LevelDebug,
				dests: []*logDest{{w: &buf, format: tc.format, filter: noFilter}}}
			l := slog.New(h).With("module", "acc")
			msg := "hello"
			if tc.gen {
				l.LogAttrs(t.Context(), levelNotice, "ACC: "+msg, slog.Bool(api.LogGenKey, true))
			} else {
				l.Log(t.Context(), levelNotice, msg)
			}
			got := strings.TrimRight(buf.String(), "\n")
			if !regexp.MustCompile(tc.want).MatchString(got) {
				t.Errorf("line %q does not match %s", got, tc.want)
			}
		})
	}
}

package dialplan

import (
	"strings"
	"testing"

	"gosips/db"
)

func row(id, pr, op int64, match string, flags int64, subst, repl, attrs, tr any) db.Row {
	s := func(v any) db.Value {
		if x, ok := v.(string); ok {
			return db.StringValue(x)
		}
		return db.NullValue(db.String)
	}
	return db.Row{db.IntValue(1), db.IntValue(pr), db.IntValue(op), db.StringValue(match), db.IntValue(flags),
		s(subst), s(repl), s(attrs), s(tr), db.IntValue(0), db.IntValue(id)}
}

func TestTranslate(t *testing.T) {
	var l []*rule
	for _, r := range []db.Row{
		row(1, 2, 1, `^00`, 0, `^00(.*)$`, `+\1`, "intl", nil),
		row(2, 2, 0, "0049", 0, nil, "+49", "de", nil),
		row(3, 1, 0, "sip server", 1, nil, "OpenSIPS", "name", nil),
		row(4, 0, 1, `^5`, 0, nil, nil, "detect", nil),
		row(5, 0, 1, `^7`, 0, nil, "x", "past", "20200101T000000|20200102T000000"),
		row(6, 3, 1, `^7`, 0, nil, "seven", "now", nil),
	} {
		ru, err := parseRule(r)
		if err != nil {
			t.Fatal(err)
		}
		l = append(l, ru)
	}
	m := New()
	for _, tc := range []struct{ in, out, attrs string }{
		{"0033123", "+33123", "intl"},
		{"0049", "+49", "intl"}, // equal priority: the lower id wins
		{"SIP Server", "OpenSIPS", "name"},
		{"555", "", "detect"},
		{"777", "seven", "now"},
	} {
		out, r, err := m.translate(nil, l, tc.in)
		if err != nil || out != tc.out || r.attrs != tc.attrs {
			t.Errorf("%q: %q %v %v, want %q %q", tc.in, out, r, err, tc.out, tc.attrs)
		}
	}
	if _, _, err := m.translate(nil, l, "123"); err != errNoMatch {
		t.Errorf("no match: %v", err)
	}
	for _, tc := range []struct {
		r    db.Row
		want string
	}{
		{row(9, 0, 2, "x", 0, nil, nil, nil, nil), "invalid match_op 2"},
		{row(9, 0, 1, "(", 0, nil, nil, nil, nil), "bad match_exp"},
		{row(9, 0, 1, "x", 0, `^(x)$`, `\2`, nil, nil), "non existing subexpression"},
		{row(9, 0, 1, "x", 0, nil, nil, nil, "garbage"), "bad timerec"},
	} {
		if _, err := parseRule(tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.r, err, tc.want)
		}
	}
	if got := hidePassword("mysql://user:secret@db.example.com/opensips"); got != "mysql://user@db.example.com/opensips" {
		t.Errorf("hidePassword = %s", got)
	}
}

package text

import (
	"bytes"
	"strings"
	"testing"

	"gosips/db"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in   string
		want string // name:type:null:auto per column
		err  string
	}{
		{in: "id(int,auto) name(str) v(string,null)", want: "id:int:false:true name:string:false:false v:string:true:false"},
		{in: "  a( long , a )   b(double)  c(blob,n) d(time) e(STRING,NULL) ", want: "a:bigint:false:true b:double:false:false c:blob:true:false d:time:false:false e:string:true:false"},
		{in: "x(integer,null)", want: "x:int:true:false"},
		{in: "", err: "no columns"},
		{in: "a(int) b", err: "missing"},
		{in: "a(int", err: "missing \")\""},
		{in: "a(float)", err: "unknown type"},
		{in: "a()", err: "empty type"},
		{in: "a(int,primary)", err: "unknown flag"},
		{in: "a(string,auto)", err: "only int and long"},
		{in: "a(int,auto) b(long,auto)", err: "at most one auto"},
		{in: "a(int) a(int)", err: "twice"},
		{in: "a-b(int)", err: "invalid identifier"},
	}
	for _, tc := range tests {
		cols, _, err := parseHeader(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseHeader(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseHeader(%q): %v", tc.in, err)
			continue
		}
		var got []string
		for _, c := range cols {
			got = append(got, strings.Join([]string{c.name, c.typ.String(), boolStr(c.null), boolStr(c.auto)}, ":"))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("parseHeader(%q) = %s, want %s", tc.in, strings.Join(got, " "), tc.want)
		}
	}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestParseRows(t *testing.T) {
	const hdr = "id(int,auto) s(string,null) n(int,null) d(double,null) b(blob,null)\n"
	tests := []struct {
		name string
		body string
		want string // rows rendered with Value.String, "|" between fields
		err  string
	}{
		{name: "plain", body: "1:abc:-5:2.50:xyz\n", want: `1|"abc"|-5|2.5|blob(3 bytes)`},
		{name: "nulls", body: "1::::\n", want: `1|NULL|NULL|NULL|NULL`},
		{name: "escapes", body: `1:a\:b\\c\nd\re\tf\0g:::` + "\n", want: `1|"a:b\\c\nd\re\tf\x00g"|NULL|NULL|NULL`},
		{name: "no final newline", body: "1:a:1:1:b", want: `1|"a"|1|1|blob(1 bytes)`},
		{name: "blank lines and CRLF", body: "\n1:a:1:1:b\r\n\n2::::\n", want: `1|"a"|1|1|blob(1 bytes)` + "\n" + `2|NULL|NULL|NULL|NULL`},
		{name: "auto filled", body: "5::::\n:x:::\n", want: `5|NULL|NULL|NULL|NULL` + "\n" + `6|"x"|NULL|NULL|NULL`},
		{name: "int with fraction", body: "1::3.00::\n", want: `1|NULL|3|NULL|NULL`},
		{name: "spaces kept", body: "1: a b :::\n", want: `1|" a b "|NULL|NULL|NULL`},
		{name: "too few", body: "1:a:1\n", err: "3 fields, want 5"},
		{name: "too many", body: "1:a:1:1:b:c\n", err: "more than 5"},
		{name: "bad int", body: "1::x::\n", err: "not an integer"},
		{name: "bad double", body: "1:::1e:\n", err: "not a number"},
		{name: "bad escape", body: `1:\q:::` + "\n", err: `unknown escape \q`},
		{name: "trailing backslash", body: `1:a\`, err: "backslash at end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parse(strings.NewReader(hdr + tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, r := range d.rows {
				var f []string
				for _, v := range r {
					f = append(f, v.String())
				}
				lines = append(lines, strings.Join(f, "|"))
			}
			if got := strings.Join(lines, "\n"); got != tc.want {
				t.Errorf("rows:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestNullInNotNullColumnFailsLoad(t *testing.T) {
	tests := []string{
		"id(int,auto) s(string)\n1:\n",
		"id(int,auto) n(int) s(string,null)\n1::x\n",
		"a(int) b(int)\n:1\n",
	}
	for _, in := range tests {
		if _, err := parse(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "not declared null") {
			t.Errorf("parse(%q) error = %v, want a NULL error", in, err)
		}
	}
	if _, err := parse(strings.NewReader("")); err == nil {
		t.Error("empty file accepted")
	}
}

func TestWriteRoundTrip(t *testing.T) {
	in := "id(int,auto) s(str) t(string,null) l(long) d(double,null) b(blob,null) tm(time,null)\n" +
		`1:a\:b\\c\nd\re\tf\0g:x:-9223372036854775808:0.1:\:\::1700000000` + "\n" +
		"2:y::7:::\n"
	d, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := write(&out, d); err != nil {
		t.Fatal(err)
	}
	if out.String() != in {
		t.Errorf("round trip:\n%s\nwant:\n%s", out.String(), in)
	}
	if d.next != 3 {
		t.Errorf("next auto = %d, want 3", d.next)
	}
}

func TestCoerce(t *testing.T) {
	str := column{name: "s", typ: db.String, spell: "string"}
	nstr := column{name: "ns", typ: db.String, spell: "string", null: true}
	num := column{name: "n", typ: db.Int, spell: "int"}
	dbl := column{name: "d", typ: db.Double, spell: "double"}
	tests := []struct {
		c    column
		v    db.Value
		want string
		err  string
	}{
		{str, db.IntValue(5), `"5"`, ""},
		{str, db.StringValue(""), "", "cannot store an empty string"},
		{nstr, db.StringValue(""), "NULL", ""},
		{num, db.StringValue(" 12 "), "12", ""},
		{num, db.DoubleValue(2.7), "2", ""},
		{num, db.StringValue("abc"), "", "not an integer"},
		{dbl, db.StringValue("0.25"), "0.25", ""},
		{dbl, db.IntValue(3), "3", ""},
		{dbl, db.StringValue("q"), "", "not a number"},
	}
	for _, tc := range tests {
		got, err := coerce(tc.c, tc.v)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("coerce(%s, %v) error = %v, want %q", tc.c.name, tc.v, err, tc.err)
			}
			continue
		}
		if err != nil || got.String() != tc.want || got.Type != tc.c.typ {
			t.Errorf("coerce(%s, %v) = %#v, %v; want %s", tc.c.name, tc.v, got, err, tc.want)
		}
	}
}

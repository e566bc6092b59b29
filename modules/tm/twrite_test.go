package tm

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParseTwAppend(t *testing.T) {
	app, err := parseTwAppend("vm: UA=$hdr(User-Agent); uri = $ru ;$rb")
	if err != nil {
		t.Fatal(err)
	}
	if app.name != "vm" || !app.addBody || len(app.elems) != 2 || app.elems[0].title != "UA" || app.elems[1].title != "uri" {
		t.Fatalf("parsed %+v", app)
	}
	for raw, want := range map[string]string{
		"vm: $ru":                       "must be $rb",
		"vm: a=$nosuch":                 "element",
		"vm: a=$ru;;b=$rU":              "empty element",
		"vm x: a=$ru":                   "blank in the name",
		"vm: =$ru":                      "bad title",
		"vm":                            "expected",
		"vm: a=$(hdr(X){s.select,0,;})": "",
		"vm: a=$hdr(X);$rb ":            "",
	} {
		_, err := parseTwAppend(raw)
		if want == "" {
			if err != nil {
				t.Errorf("%q: %v", raw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", raw, err, want)
		}
	}
	m := New()
	for _, p := range m.Params() {
		if p.Name == "tw_append" {
			if err := p.Set(api.ParamValue{Str: "a: x=$ru"}); err != nil {
				t.Fatal(err)
			}
			if err := p.Set(api.ParamValue{Str: "a: y=$rU"}); err == nil || !strings.Contains(err.Error(), "duplicated") {
				t.Errorf("duplicated tw_append name: %v", err)
			}
		}
	}
}

func TestReverseHexString(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 1: "1", 0x10: "01", 0xabc: "cba", 255: "ff"} {
		if got := reverseHexString(n); got != want {
			t.Errorf("%#x: %q, want %q", n, got, want)
		}
		if v, ok := reverseHex(want); !ok || v != n {
			t.Errorf("reverseHex(%q) = %d", want, v)
		}
	}
}

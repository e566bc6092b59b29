package json

import "testing"

func TestSerialiseLikeJSONC(t *testing.T) {
	n, err := parse(`{"a": 1, "b": [1, 2.5, "x/y"], "c": {}, "d": [], "e": null, "f": true, "z": 3}`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[style]string{
		spaced: `{ "a": 1, "b": [ 1, 2.5, "x\/y" ], "c": { }, "d": [ ], "e": null, "f": true, "z": 3 }`,
		plain:  `{"a":1,"b":[1,2.5,"x\/y"],"c":{},"d":[],"e":null,"f":true,"z":3}`,
	}
	for st, w := range want {
		if got := n.String(st); got != w {
			t.Errorf("style %d:\n got %s\nwant %s", st, got, w)
		}
	}
	p, _ := parse(`{"a":[1,{"b":2}]}`)
	if got := p.String(pretty); got != "{\n  \"a\":[\n    1,\n    {\n      \"b\":2\n    }\n  ]\n}" {
		t.Errorf("pretty:\n%s", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{`{`, `[1,`, `{"a" 1}`, `1 2`, ``, `{"a":1}}`} {
		if _, err := parse(in); err == nil {
			t.Errorf("parse(%q) accepted", in)
		}
	}
	deep := ""
	for i := 0; i < 5000; i++ {
		deep += "["
	}
	if _, err := parse(deep); err == nil {
		t.Error("deep nesting accepted")
	}
}

func TestParsePath(t *testing.T) {
	p, err := parsePath("name/key1[0][-1]/key 2")
	if err != nil || p.name != "name" || len(p.tags) != 4 || p.tags[2].idx != -1 || p.tags[3].key != "key 2" {
		t.Fatalf("%+v %v", p, err)
	}
	p, err = parsePath("foo.keys")
	if err != nil || p.iter != iterKeys || p.name != "foo" {
		t.Fatalf("%+v %v", p, err)
	}
	for _, bad := range []string{"", "/x", "a[1", "a[x]"} {
		if _, err := parsePath(bad); err == nil {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\u00e9"`, `[1e400]`, `{"a":1,"a":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parse(s)
		if err != nil {
			return
		}
		for _, st := range []style{spaced, plain, pretty} {
			if _, err := parse(n.String(st)); err != nil && n.k != kFloat {
				t.Fatalf("re-parse of %q failed: %v", n.String(st), err)
			}
		}
	})
}

package main

import (
	"strings"
	"testing"
)

const sample = `{"Action":"start","Package":"p/a"}
{"Action":"run","Package":"p/a","Test":"TestOK"}
{"Action":"output","Package":"p/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"p/a","Test":"TestOK","Elapsed":0.1}
{"Action":"run","Package":"p/a","Test":"TestGen"}
{"Action":"output","Package":"p/a","Test":"TestGen","Output":"    a_test.go:9: run with -gen\n"}
{"Action":"skip","Package":"p/a","Test":"TestGen"}
{"Action":"pass","Package":"p/a","Elapsed":0.3}
{"Action":"start","Package":"p/b"}
{"Action":"run","Package":"p/b","Test":"TestSipp"}
{"Action":"output","Package":"p/b","Test":"TestSipp","Output":"    b_test.go:5: sipp not available\n"}
{"Action":"skip","Package":"p/b","Test":"TestSipp"}
{"Action":"pass","Package":"p/b","Elapsed":0.2}
`

func TestSkipOutsideAllowListFails(t *testing.T) {
	allow := []allowEntry{{"p/a", "TestGen", "generator"}}
	var out strings.Builder
	ok, err := summarise(strings.NewReader(sample), &out, allow)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Errorf("ok with a skip outside the allow-list:\n%s", out.String())
	}
	for _, want := range []string{"p/b TestSipp [NOT ALLOWED]: b_test.go:5: sipp not available", "p/a TestGen [allowed]", "1 skip(s) not in the allow-list"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	allow = append(allow, allowEntry{"p/b", "TestSipp", "why"})
	out.Reset()
	if ok, _ := summarise(strings.NewReader(sample), &out, allow); !ok {
		t.Errorf("not ok with every skip allowed:\n%s", out.String())
	}
}

func TestFailureShowsOutput(t *testing.T) {
	in := `{"Action":"run","Package":"p/c","Test":"TestX"}
{"Action":"output","Package":"p/c","Test":"TestX","Output":"    x_test.go:3: boom\n"}
{"Action":"fail","Package":"p/c","Test":"TestX"}
{"Action":"fail","Package":"p/c","Elapsed":1}
{"ImportPath":"p/d [p/d.test]","Action":"build-output","Output":"d.go:1: syntax error\n"}
{"ImportPath":"p/d [p/d.test]","Action":"build-fail"}
{"Action":"start","Package":"p/d"}
{"Action":"output","Package":"p/d","Output":"FAIL\tp/d [build failed]\n"}
{"Action":"fail","Package":"p/d","Elapsed":0,"FailedBuild":"p/d [p/d.test]"}
`
	var out strings.Builder
	ok, err := summarise(strings.NewReader(in), &out, nil)
	if err != nil || ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	for _, want := range []string{"=== FAIL p/c TestX", "boom", "=== FAIL p/d\nd.go:1: syntax error"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestAllowPattern(t *testing.T) {
	allow := []allowEntry{{"p/e", "Test*Oracle", "differential"}}
	cases := map[string]bool{"TestPresenceOracle": true, "TestPresenceOracle/notify": true, "TestOracleX": false}
	for test, want := range cases {
		if got := allowed(allow, "p/e", test); got != want {
			t.Errorf("allowed(%q) = %v, want %v", test, got, want)
		}
	}
	if allowed(allow, "p/f", "TestPresenceOracle") {
		t.Error("a pattern allowed a test of another package")
	}
}

package core

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParseBlacklistDef(t *testing.T) {
	b, err := parseBlacklistDef(`carriers/expire,default : { (udp, 10.0.0.0/255.0.0.0, 5060, "a,b)"), !(tcp, 192.168.1.1), (10.1.1.1, 5080), 10.2.0.0/16, !10.3.3.3 }`)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "carriers" || b.Flags != api.BlacklistExpire|api.BlacklistDefault || len(b.Rules) != 5 {
		t.Fatalf("%+v", b)
	}
	r := b.Rules
	if r[0].Net.String() != "10.0.0.0/8" || r[0].Match != "a,b)" || r[0].Port != 5060 || r[0].Proto != "udp" ||
		!r[1].Negated || r[1].Proto != "tcp" || r[2].Port != 5080 || r[2].Proto != "any" || r[3].Net.Bits() != 16 || !r[4].Negated {
		t.Errorf("rules %+v", r)
	}
	if b, _ := parseBlacklistDef("plain"); b.Flags != api.BlacklistReadOnly || len(b.Rules) != 0 {
		t.Errorf("no flags: %+v", b)
	}
	for def, want := range map[string]string{
		"x/bogus":                         "unknown flag",
		"x: { (udp, 10.0.0.300) }":        "bad IP",
		"x: { (udp, 10.0.0.1, abc) }":     "bad port",
		"x: { (udp, 10.0.0.1, 1, x) }":    "quoted",
		"x: (udp, 10.0.0.1)":              "in { }",
		"x: { (foo, 10.0.0.1, 1, \"\") }": "unknown protocol",
	} {
		if _, err := parseBlacklistDef(def); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", def, err, want)
		}
	}
	if got := BlacklistMask(r[3].Net); got != "255.255.0.0" {
		t.Errorf("mask %s", got)
	}
}

package pv

import (
	"testing"

	"gosips/api"
)

func BenchmarkParseFormat(b *testing.B) {
	const s = "INVITE from $fu ($(fU{s.toupper})) to $(ru{uri.user})@$rd:$rp via $si:$sp cid=$ci $$5"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFormat(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransUriUser(b *testing.B) {
	s := mustSpec(b, "$(var(u){uri.user})")
	tr := s.Trans[0]
	in := api.StrValue("sip:alice:pw@example.com:5070;transport=tcp;lr?X=1")
	b.ReportAllocs()
	for b.Loop() {
		v, err := tr.Eval(nil, in)
		if err != nil || v.S != "alice" {
			b.Fatal(v, err)
		}
	}
}

func BenchmarkSpecGetVarWithTrans(b *testing.B) {
	f := newFake()
	f.vars.Set("u", api.StrValue("sip:alice@example.com;transport=tcp"))
	c := ctxWith(f)
	s := mustSpec(b, "$(var(u){uri.param,transport}{s.len})")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatEval(b *testing.B) {
	f := newFake()
	f.vars.Set("u", api.StrValue("sip:alice@example.com"))
	c := ctxWith(f)
	fm, err := ParseFormat("user=$(var(u){uri.user}) host=$(var(u){uri.host}) $$")
	if err != nil {
		b.Fatal(err)
	}
	if err := f.table.ResolveFormat(fm); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fm.Eval(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetRU(b *testing.B) {
	c, _ := msgCtx(b, inviteMsg)
	s := mustSpec(b, "$ru")
	b.ReportAllocs()
	for b.Loop() {
		if v, err := s.Get(c); err != nil || v.S != "sip:bob@example.com" {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkGetCommon reads the PVs a typical route reads per message.
func BenchmarkGetCommon(b *testing.B) {
	c, _ := msgCtx(b, inviteMsg)
	var specs []*Spec
	for _, raw := range []string{"$rU", "$rm", "$si", "$sp", "$fu", "$rd", "$rp", "$ci", "$ft", "$au"} {
		specs = append(specs, mustSpec(b, raw))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range specs {
			if _, err := s.Get(c); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkFormatFromUser(b *testing.B) {
	c, f := msgCtx(b, inviteMsg)
	fm, err := ParseFormat("call from $fU@$fd to $rU ($si:$sp)")
	if err != nil {
		b.Fatal(err)
	}
	if err := f.table.ResolveFormat(fm); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if out, err := fm.Eval(c); err != nil || out != "call from alice@atlanta.example.com to bob (192.0.2.7:5080)" {
			b.Fatal(out, err)
		}
	}
}

package pv

import (
	"testing"

	"gosips/api"
)

// hostileTrans are transformation chains applied to fuzzed values; the
// ones that look anything up outside the process (ip.resolve) are left
// out.
var hostileTrans = []string{
	"{s.len}", "{s.int}", "{s.md5}", "{s.sha256}", "{s.crc32}", "{s.substr,1,3}", "{s.substr,-2,0}",
	"{s.select,1,;}", "{s.select,-1,,}", "{s.encode.hexa}", "{s.decode.hexa}", "{s.hex2dec}", "{s.dec2hex}",
	"{s.escape.common}", "{s.unescape.common}", "{s.escape.user}", "{s.unescape.user}", "{s.escape.param}",
	"{s.unescape.param}", "{s.b64encode}", "{s.b64decode}", "{s.xor,key}", "{s.index,a}", "{s.rindex,a,-1}",
	"{s.fill.left,0,5}", "{s.fill.right, ,40}", "{s.width,3}", "{s.trim}{s.reverse}{s.toupper}", "{s.line,1}",
	"{uri.user}", "{uri.host}", "{uri.port}", "{uri.params}", "{uri.param,transport}", "{uri.headers}",
	"{uri.schema}", "{uri.tel}", "{param.value,tag}", "{param.count}", "{param.valueat,1}", "{param.name,0}",
	"{param.exist,lr}", "{nameaddr.name}", "{nameaddr.uri}{uri.user}", "{nameaddr.param,tag}", "{nameaddr.len}",
	"{csv.count}", "{csv.value,1}", "{ip.family}", "{ip.pton}{ip.ntop}", "{ip.isprivate}", "{ip.matches,10.0.0.0/8}",
	"{re.subst,/a+/b/g}", "{re.subst,/(.)(.)/\\2\\1/}", "{sdp.line,c}", "{sdp.stream,0}", "{via.host}", "{via.params}",
}

// FuzzTransformations: every transformation takes any value, as a string
// or as an integer, without panicking.
func FuzzTransformations(f *testing.F) {
	for _, s := range []string{
		"", "sip:alice@example.com:5060;transport=tcp?subject=x", `"A \"B\"" <sip:a@[::1]:5;lr>;tag=x`,
		"a;b=c;;d=;=e", "1,2,,\"3,4\"", "10.1.2.3", "::ffff:1.2.3.4", "%zz%0", "\x00\xff\n\r", "-9223372036854775808",
		"v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5 RTP/AVP 0\r\n", "SIP/2.0/UDP h:5;branch=z9hG4bK1;received=1.2.3.4",
	} {
		f.Add(s, int64(len(s)))
	}
	tab := NewTable(CoreDefs())
	var formats []*Format
	for _, tr := range hostileTrans {
		fm, err := ParseFormat("$(var(x)" + tr + ")")
		if err != nil {
			continue
		}
		if tab.ResolveFormat(fm) != nil {
			continue
		}
		formats = append(formats, fm)
	}
	if len(formats) < len(hostileTrans)/2 {
		f.Fatalf("only %d of %d transformations resolve", len(formats), len(hostileTrans))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		fk := newFake()
		c := ctxWith(fk)
		for _, v := range []api.Value{api.StrValue(s), api.IntValue(n)} {
			fk.vars.Set("x", v)
			for _, fm := range formats {
				_, _ = fm.Eval(c)
			}
		}
	})
}

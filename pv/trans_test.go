package pv

import (
	"testing"

	"gosips/api"
)

type transCase struct {
	in    any // string, int or nil (NULL)
	chain string
	want  string // show() form, or "ERR"
}

func runTransCases(t *testing.T, cases []transCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.chain+"/"+Print(toValue(tt.in)), func(t *testing.T) {
			f := newFake()
			f.vars.Set("in", toValue(tt.in))
			f.vars.Set("y", api.StrValue("Q"))
			f.vars.Set("i", api.IntValue(2))
			s := mustSpec(t, "$(var(in)"+tt.chain+")")
			v, err := s.Get(ctxWith(f))
			got := show(v)
			if err != nil {
				got = "ERR"
			}
			if got != tt.want {
				t.Errorf("got %s (err %v), want %s", got, err, tt.want)
			}
		})
	}
}

func toValue(x any) api.Value {
	switch v := x.(type) {
	case string:
		return api.StrValue(v)
	case int:
		return api.IntValue(int64(v))
	}
	return api.Null
}

func TestTransString(t *testing.T) {
	runTransCases(t, []transCase{
		{"abc", "{s.len}", "i:3/s:3"},
		{12345, "{s.len}", "i:5/s:5"},
		{nil, "{s.len}", "<null>"},
		{"", "{s.len}", "i:0/s:0"},
		{"12ab", "{s.int}", "i:12/s:12"},
		{"ab", "{s.int}", "i:0/s:0"},
		{"-7x", "{s.int}", "i:-7/s:-7"},
		{42, "{s.int}", "i:42/s:42"},
		{"abc", "{s.md5}", "s:900150983cd24fb0d6963f7d28e17f72"},
		{"abc", "{s.sha1}", "s:a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"abc", "{s.sha256}", "s:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"The quick brown fox jumps over the lazy dog", "{s.sha1_hmac,key}", "s:de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"},
		{"abc", "{s.crc32}", "s:3403398717"},
		{"AbC", "{s.tolower}", "s:abc"},
		{"AbC", "{s.toupper}", "s:ABC"},
		{"ab", "{s.encode.hexa}", "s:6162"},
		{"6162", "{s.decode.hexa}", "s:ab"},
		{"616", "{s.decode.hexa}", "s:a"},
		{"zz", "{s.decode.hexa}", "ERR"},
		{"ff", "{s.hex2dec}", "i:255/s:255"},
		{"0x1A", "{s.hex2dec}", "i:26/s:26"},
		{"zz", "{s.hex2dec}", "ERR"},
		{255, "{s.dec2hex}", "s:ff"},
		{"-1", "{s.dec2hex}", "s:ffffffff"},
		{"abc", "{s.dec2hex}", "ERR"},
		{"Tue, 05 Mar 2024 07:08:09 GMT", "{s.date2unix}", "s:1709622489"},
		{"yesterday", "{s.date2unix}", "ERR"},
		{`a'b"c\d`, "{s.escape.common}", `s:a\'b\"c\\d`},
		{`a\'b\"c\\d`, "{s.unescape.common}", `s:a'b"c\d`},
		{"a b@c", "{s.escape.user}", "s:a%20b%40c"},
		{"a%20b", "{s.unescape.user}", "s:a b"},
		{"a%zz", "{s.unescape.user}", "ERR"},
		{"a%2", "{s.unescape.user}", "ERR"},
		{"a;b=c", "{s.escape.param}", "s:a%3bb%3dc"},
		{"hello", "{s.b64encode}", "s:aGVsbG8="},
		{"aGVsbG8=", "{s.b64decode}", "s:hello"},
		{"  x \t", "{s.trim}", "s:x"},
		{"  x \t", "{s.trimr}", "s:  x"},
		{"  x \t", "{s.triml}", "s:x \t"},
		{"abc", "{s.reverse}", "s:cba"},
		{"ab", "{s.xor,k}", "s:\n\t"},
		{"ab", "{s.xor,k}{s.xor,k}", "s:ab"},
		{"abcdef", "{s.substr,0,4}", "s:abcd"},
		{"abcdef", "{s.substr,2,0}", "s:cdef"},
		{"abcdef", "{s.substr,-3,0}", "s:def"},
		{"abcdef", "{s.substr,-3,2}", "s:de"},
		{"abcdef", "{s.substr,1,-1}", "s:bcde"},
		{"abcdef", "{s.substr,4,10}", "s:ef"},
		{"abcdef", "{s.substr,10,1}", "ERR"},
		{"abcdef", "{s.substr,-10,1}", "ERR"},
		{"abcdef", "{s.substr,$var(i),2}", "s:cd"},
		{"abcdef", "{s.substr,$var(y),2}", "ERR"},
		{"a,b,c", "{s.select,1,,}", "s:b"},
		{"a,b,c", "{s.select,0,,}", "s:a"},
		{"a,b,c", "{s.select,-1,,}", "s:c"},
		{"a,b,c", "{s.select,-3,,}", "s:a"},
		{"a,b,c", "{s.select,5,,}", "<null>"},
		{"a,b,c", "{s.select,-4,,}", "<null>"},
		{"a;b", "{s.select,1,;}", "s:b"},
		{"abcabc", "{s.index,bc}", "i:1/s:1"},
		{"abcabc", "{s.index,bc,2}", "i:4/s:4"},
		{"abcabc", "{s.rindex,bc}", "i:4/s:4"},
		{"abcabc", "{s.rindex,bc,3}", "i:1/s:1"},
		{"abcabc", "{s.index,zz}", "<null>"},
		{"abcabc", "{s.index,c,-2}", "i:5/s:5"},
		{"abcabc", "{s.index,a,10}", "<null>"},
		{"7", "{s.fill.left,0,3}", "s:007"},
		{"1", "{s.fill.left,' ',3}", "s:  1"},
		{"ab", "{s.fill.right,xy,5}", "s:abxyx"},
		{"ab", "{s.fill.left,xy,5}", "s:yxyab"},
		{"abcd", "{s.fill.left,0,3}", "s:abcd"},
		{"abc", "{s.width,5}", "s:abc  "},
		{"abc", "{s.width,2}", "s:ab"},
		{"x", "{s.len}{s.int}", "i:1/s:1"},
	})
}

func TestTransURI(t *testing.T) {
	const u = "sip:alice:pw@example.com:5070;transport=tcp;lr;user=phone;maddr=10.0.0.1?X=1"
	runTransCases(t, []transCase{
		{u, "{uri.user}", "s:alice"},
		{u, "{uri.passwd}", "s:pw"},
		{u, "{uri.host}", "s:example.com"},
		{u, "{uri.domain}", "s:example.com"},
		{u, "{uri.port}", "i:5070/s:5070"},
		{u, "{uri.params}", "s:transport=tcp;lr;user=phone;maddr=10.0.0.1"},
		{u, "{uri.headers}", "s:X=1"},
		{u, "{uri.transport}", "s:tcp"},
		{u, "{uri.lr}", "<null>"},
		{u, "{uri.uparam}", "s:phone"},
		{u, "{uri.maddr}", "s:10.0.0.1"},
		{u, "{uri.param,lr}", "s:"},
		{u, "{uri.param,TRANSPORT}", "s:tcp"},
		{u, "{uri.param,foo}", "<null>"},
		{u, "{uri.param,$var(y)}", "<null>"},
		{u, "{uri.schema}", "s:sip"},
		{"sip:example.com", "{uri.user}", "<null>"},
		{"sip:example.com", "{uri.port}", "<null>"},
		{"sip:example.com", "{uri.param,x}", "<null>"},
		{"tel:+1234;phone-context=x", "{uri.user}", "s:+1234"},
		{"sips:[::1]:5061", "{uri.host}", "s:[::1]"},
		{"sips:[::1]:5061", "{uri.port}", "i:5061/s:5061"},
		{"not a uri", "{uri.user}", "ERR"},
		{"sip:a@h:99999", "{uri.user}", "ERR"},
		{"", "{uri.user}", "ERR"},
		{nil, "{uri.user}", "<null>"},
		{"sip:bob@b.com", "{uri.user}{s.toupper}", "s:BOB"},
	})
}

func TestTransParamNameaddrViaCSV(t *testing.T) {
	const na = `"Alice" <sip:alice@a.com>;tag=abc`
	const v = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport;received=1.2.3.4"
	runTransCases(t, []transCase{
		{"a=1;b=2;c", "{param.value,b}", "s:2"},
		{"a=1;b=2;c", "{param.value,B}", "s:2"},
		{"a=1;b=2;c", "{param.value,c}", "s:"},
		{"a=1;b=2;c", "{param.value,x}", "<null>"},
		{"a=1;b=2;c", "{param.exist,c}", "i:1/s:1"},
		{"a=1;b=2;c", "{param.exists,x}", "i:0/s:0"},
		{"a=1;b=2;c", "{param.valueat,0}", "s:1"},
		{"a=1;b=2;c", "{param.valueat,-1}", "s:"},
		{"a=1;b=2;c", "{param.valueat,5}", "<null>"},
		{"a=1;b=2;c", "{param.name,1}", "s:b"},
		{"a=1;b=2;c", "{param.name,-1}", "s:c"},
		{"a=1;b=2;c", "{param.count}", "i:3/s:3"},
		{`;a="x;y";b=2`, "{param.value,a}", "s:x;y"},
		{na, "{nameaddr.name}", `s:"Alice"`},
		{na, "{nameaddr.uri}", "s:sip:alice@a.com"},
		{na, "{nameaddr.param,tag}", "s:abc"},
		{na, "{nameaddr.params}", "s:tag=abc"},
		{na, "{nameaddr.len}", "i:33/s:33"},
		{na, "{nameaddr.uri}{uri.user}", "s:alice"},
		{"sip:bob@b.com;tag=1", "{nameaddr.uri}", "s:sip:bob@b.com"},
		{"sip:bob@b.com;tag=1", "{nameaddr.name}", "<null>"},
		{"sip:bob@b.com;tag=1", "{nameaddr.param,tag}", "s:1"},
		{"sip:bob@b.com;tag=1", "{nameaddr.param,TAG}", "<null>"},
		{"<sip:a@x>, <sip:b@y>", "{nameaddr.uri}", "s:sip:a@x"},
		{"<sip:a@x>, <sip:b@y>", "{nameaddr.1.uri}", "s:sip:b@y"},
		{"<sip:a@x>, <sip:b@y>", "{nameaddr.-1.uri}", "s:sip:b@y"},
		{"<sip:a@x>, <sip:b@y>", "{nameaddr.5.uri}", "<null>"},
		{"<sip:a@x>, <sip:b@y;x=1>;t=2", "{nameaddr.$var(i).uri}", "<null>"},
		{`"unterminated <sip:a@x>`, "{nameaddr.uri}", "ERR"},
		{v, "{via.name}", "s:SIP"},
		{v, "{via.version}", "s:2.0"},
		{v, "{via.transport}", "s:UDP"},
		{v, "{via.host}", "s:10.0.0.1"},
		{v, "{via.port}", "i:5060/s:5060"},
		{v, "{via.branch}", "s:z9hG4bK1"},
		{v, "{via.received}", "s:1.2.3.4"},
		{v, "{via.rport}", "<null>"},
		{v, "{via.param,rport}", "s:"},
		{v, "{via.param,nope}", "<null>"},
		{v, "{via.params}", "s:branch=z9hG4bK1;rport;received=1.2.3.4"},
		{"SIP / 2.0 / TCP [::1] (a comment)", "{via.comment}", "s:a comment"},
		{"SIP / 2.0 / TCP [::1] (a comment)", "{via.host}", "s:[::1]"},
		{"SIP/2.0/UDP", "{via.host}", "ERR"},
		{"ab", "{via.host}", "ERR"},
		{`a,"b,c",d`, "{csv.count}", "i:3/s:3"},
		{`a,"b,c",d`, "{csv.value,1}", "s:b,c"},
		{`a,"b ""q""",d`, "{csv.value,1}", `s:b "q"`},
		{`a,"b,c",d`, "{csv.value,-1}", "s:d"},
		{`a,"b,c",d`, "{csv.value,5}", "ERR"},
		{`a,"b`, "{csv.count}", "ERR"},
	})
}

func TestTransIPAndRe(t *testing.T) {
	runTransCases(t, []transCase{
		{"10.1.2.3", "{ip.isip}", "i:1/s:1"},
		{"10.1.2.3", "{ip.isip4}", "i:1/s:1"},
		{"10.1.2.3", "{ip.isip6}", "i:0/s:0"},
		{"[::1]", "{ip.isip6}", "i:1/s:1"},
		{"abc", "{ip.isip}", "i:0/s:0"},
		{"10.1.2.3", "{ip.isprivate}", "i:1/s:1"},
		{"100.64.1.1", "{ip.isprivate}", "i:1/s:1"},
		{"8.8.8.8", "{ip.isprivate}", "i:0/s:0"},
		{"10.1.2.3", "{ip.pton}{ip.ntop}", "s:10.1.2.3"},
		{"10.1.2.3", "{ip.pton}{ip.family}", "s:INET"},
		{"2001:db8::1", "{ip.pton}{ip.family}", "s:INET6"},
		{"2001:db8::1", "{ip.pton}{ip.ntop}", "s:2001:db8::1"},
		{"nope", "{ip.pton}", "ERR"},
		{"abc", "{ip.family}", "ERR"},
		{"10.1.2.3", "{ip.matches,10.0.0.0/8}", "i:1/s:1"},
		{"10.1.2.3", "{ip.matches,192.168.0.0/16}", "i:0/s:0"},
		{"10.1.2.3", "{ip.matches,10.0.0.0}", "ERR"},
		{"10.1.2.3", "{ip.matches,10.0.0.0/33}", "ERR"},
		{"10.1.2.3", "{ip.matches,::1/128}", "ERR"},
		{"1.2.3.4", "{ip.resolve}", "s:1.2.3.4"},
		{"abcabc", "{re.subst,/b/X/}", "s:aXcabc"},
		{"abcabc", "{re.subst,/b/X/g}", "s:aXcaXc"},
		{"abcabc", "{re.subst,/(a)(b)/\\2\\1/g}", "s:bacbac"},
		{"abcabc", "{re.subst,/B/x/i}", "s:axcabc"},
		{"abcabc", "{re.subst,/B/x/}", "s:abcabc"},
		{"abcabc", "{re.subst,/a/$var(y)/}", "s:Qbcabc"},
		{"caab", "{re.subst,/a\\{2\\}/x/}", "s:cxb"},
		{"a,b", "{re.subst,/,/;/g}", "s:a;b"},
		{"a/b", "{re.subst,#/#\\\\#}", "s:a\\b"},
		{"sip:alice@x", "{re.subst,/^sip:([^@]+)@.*$/\\1/}", "s:alice"},
		{"aaa", "{re.subst,/a*/x/}", "s:x"},
		{"", "{re.subst,/a/b/}", "ERR"},
		{nil, "{re.subst,/a/b/}", "<null>"},
	})
}

func TestTransRuntimeSubstFromVariable(t *testing.T) {
	f := newFake()
	f.vars.Set("in", api.StrValue("hello"))
	f.vars.Set("re", api.StrValue("/l+/$var(y)/"))
	f.vars.Set("y", api.StrValue("L"))
	s := mustSpec(t, "$(var(in){re.subst,$var(re)})")
	v, err := s.Get(ctxWith(f))
	if err != nil || show(v) != "s:heLo" {
		t.Fatalf("got %s, %v", show(v), err)
	}
}

func TestTransEval(t *testing.T) {
	f := newFake()
	f.vars.Set("tpl", api.StrValue("x=$var(y) $$"))
	f.vars.Set("y", api.StrValue("1"))
	s := mustSpec(t, "$(var(tpl){s.eval})")
	v, err := s.Get(ctxWith(f))
	if err != nil || show(v) != "s:x=1 $" {
		t.Fatalf("got %s, %v", show(v), err)
	}
	if _, err := mustSpec(t, "$(var(tpl){s.eval})").Get(&api.Ctx{}); err == nil {
		t.Error("eval without a table should fail")
	}
}

func TestApplyTrans(t *testing.T) {
	tests := []struct {
		class, name string
		in          api.Value
		args        []api.Value
		want        string
	}{
		{"s", "len", api.StrValue("abcd"), nil, "i:4/s:4"},
		{"s", "substr", api.StrValue("abcdef"), []api.Value{api.IntValue(1), api.IntValue(2)}, "s:bc"},
		{"uri", "host", api.StrValue("sip:a@b"), nil, "s:b"},
		{"s", "len", api.Null, nil, "<null>"},
		{"s", "substr", api.StrValue("abc"), nil, "ERR"},
		{"s", "nope", api.StrValue("abc"), nil, "ERR"},
	}
	for _, tt := range tests {
		v, err := ApplyTrans(tt.class, tt.name, tt.in, tt.args...)
		got := show(v)
		if err != nil {
			got = "ERR"
		}
		if got != tt.want {
			t.Errorf("%s.%s: got %s (%v), want %s", tt.class, tt.name, got, err, tt.want)
		}
	}
}

func TestTransSDP(t *testing.T) {
	const sdp = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
	runTransCases(t, []transCase{
		{sdp, "{sdp.line,c}", "s:c=IN IP4 1.2.3.4"},
		{sdp, "{sdp.line,a,1}", "s:a=rtpmap:8 PCMA/8000"},
		{sdp, "{sdp.line,a,$var(i)}", "<null>"},
		{sdp, "{sdp.line,c}{s.substr,9,0}", "s:1.2.3.4"},
	})
}

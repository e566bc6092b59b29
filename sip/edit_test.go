package sip

import (
	"errors"
	"strings"
	"testing"
)

const editBase = `INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2
Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>
Max-Forwards: 10
From: <sip:alice@example.com>;tag=a
To: <sip:bob@example.com>
Call-ID: edit-1
CSeq: 1 INVITE
X-Foo: one
Content-Type: text/plain
Content-Length: 5

hello`

func TestEdits(t *testing.T) {
	tests := []struct {
		name string
		do   func(t *testing.T, m *Msg)
		want string // expected headers+body after the first line, "\n" separated
	}{
		{"none", func(*testing.T, *Msg) {}, ""},
		{"set ruri", func(_ *testing.T, m *Msg) { m.SetRURI("sip:carol@10.0.0.9:5080") }, "first:INVITE sip:carol@10.0.0.9:5080 SIP/2.0"},
		{"append header", func(_ *testing.T, m *Msg) { m.AppendHeader("X-Bar", "two") }, "+X-Bar: two@end"},
		{"insert header", func(_ *testing.T, m *Msg) { m.InsertHeader("X-Top", "1") }, "+X-Top: 1@0"},
		{"insert after", func(t *testing.T, m *Msg) {
			if !m.InsertRawAfter("Call-ID", "X-After: 1\r\n") {
				t.Error("anchor not found")
			}
		}, "+X-After: 1@after:Call-ID"},
		{"insert before compact anchor", func(t *testing.T, m *Msg) {
			if !m.InsertRawBefore("i", "X-Before: 1\r\n") {
				t.Error("anchor not found")
			}
		}, "+X-Before: 1@before:Call-ID"},
		{"remove header", func(t *testing.T, m *Msg) {
			if n := m.RemoveHeader("x-foo"); n != 1 {
				t.Errorf("removed %d", n)
			}
		}, "-X-Foo"},
		{"remove top via", func(t *testing.T, m *Msg) {
			if err := m.RemoveTopVia(); err != nil {
				t.Error(err)
			}
		}, "=Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-2"},
		{"remove first route", func(t *testing.T, m *Msg) {
			if err := m.RemoveFirstRoute(); err != nil {
				t.Error(err)
			}
		}, "=Route: <sip:p2.example.com;lr>"},
		{"dec max-forwards", func(t *testing.T, m *Msg) {
			if n, ok := m.DecMaxForwards(70); !ok || n != 9 {
				t.Errorf("DecMaxForwards = %d %v", n, ok)
			}
			if n, ok := m.DecMaxForwards(70); !ok || n != 8 {
				t.Errorf("second DecMaxForwards = %d %v", n, ok)
			}
		}, "=Max-Forwards: 8"},
		{"set body", func(_ *testing.T, m *Msg) { m.SetBody("v=0\r\n", "application/sdp") },
			"=Content-Type: application/sdp|=Content-Length: 5|body:v=0\r\n"},
		{"empty body", func(_ *testing.T, m *Msg) { m.SetBody("", "") }, "-Content-Type|=Content-Length: 0|body:"},
		{"body edit", func(t *testing.T, m *Msg) {
			i := strings.Index(m.String(), "hello")
			if err := m.ReplaceRange(i, i+5, "goodbye"); err != nil {
				t.Error(err)
			}
		}, "=Content-Length: 7|body:goodbye"},
		// OpenSIPS writes its Via below what the script inserted at the
		// top (insert_hf, record_route), whatever the call order.
		{"our via", func(_ *testing.T, m *Msg) {
			m.InsertHeader("X-Top", "1")
			m.SetVia(FormatVia("UDP", "192.0.2.1", 5060, "z9hG4bKx", true))
		}, "+X-Top: 1@0|+Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport@1"},
		{"our via after record-route", func(_ *testing.T, m *Msg) {
			m.SetVia(FormatVia("UDP", "192.0.2.1", 5060, "z9hG4bKx", false))
			m.AddRecordRoute("<sip:192.0.2.1;lr>")
			m.InsertHeader("X-Top", "1")
			m.AppendHeader("X-End", "2")
		}, "+Record-Route: <sip:192.0.2.1;lr>@0|+X-Top: 1@1|+Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx@2|+X-End: 2@end"},
		{"record-route", func(_ *testing.T, m *Msg) { m.AddRecordRoute("<sip:192.0.2.1;lr>") }, "+Record-Route: <sip:192.0.2.1;lr>@0"},
		{"replace and remove same header", func(_ *testing.T, m *Msg) {
			f, _ := m.FieldOf(LookupHdr("X-Foo"), "X-Foo")
			m.SetHeaderValue(f, "changed")
			m.RemoveField(f)
		}, "-X-Foo"},
		{"remove twice", func(_ *testing.T, m *Msg) {
			m.RemoveHeader("X-Foo")
			m.RemoveHeader("X-Foo")
		}, "-X-Foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, crlf(editBase))
			before := m.String()
			tt.do(t, m)
			got := string(m.Bytes())
			want := expectEdits(t, crlf(editBase), tt.want)
			if got != want {
				t.Errorf("Bytes:\n%s\nwant:\n%s", got, want)
			}
			if m.String() != before {
				t.Error("accessors' text changed before ApplyChanges")
			}
			// Serialisation must give a parsable message whose headers
			// agree with the edits.
			m2, err := Parse([]byte(got))
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if cl, _ := m2.ContentLength(); cl != len(m2.Body()) {
				t.Errorf("Content-Length %d, body %d", cl, len(m2.Body()))
			}
			// ApplyChanges gives the same text and a lazily re-parsed
			// index.
			m.ApplyChanges()
			if m.String() != got || m.Err() != nil {
				t.Errorf("ApplyChanges: %v\n%s", m.Err(), m.String())
			}
			if m.CallID() != "edit-1" {
				t.Errorf("CallID after ApplyChanges = %q", m.CallID())
			}
		})
	}
}

// expectEdits applies a tiny edit language to the base text: items split by
// "|": "+LINE@0" inserts at header index 0, "+LINE@end" appends,
// "+LINE@after:NAME"/"@before:NAME", "-NAME" removes, "=NAME: v" replaces,
// "first:LINE", "body:TEXT".
func expectEdits(t *testing.T, base, spec string) string {
	t.Helper()
	head, body, _ := strings.Cut(base, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	first, hdrs := lines[0], lines[1:]
	idx := func(name string) int {
		for i, l := range hdrs {
			if strings.HasPrefix(l, name+":") {
				return i
			}
		}
		t.Fatalf("no header %q", name)
		return -1
	}
	if spec != "" {
		for _, it := range strings.Split(spec, "|") {
			switch {
			case strings.HasPrefix(it, "first:"):
				first = it[6:]
			case strings.HasPrefix(it, "body:"):
				body = it[5:]
			case it[0] == '-':
				i := idx(it[1:])
				hdrs = append(hdrs[:i], hdrs[i+1:]...)
			case it[0] == '=':
				name, _, _ := strings.Cut(it[1:], ":")
				hdrs[idx(name)] = it[1:]
			case it[0] == '+':
				line, at, _ := strings.Cut(it[1:], "@")
				var i int
				switch {
				case at == "end":
					i = len(hdrs)
				case strings.HasPrefix(at, "after:"):
					i = idx(at[6:]) + 1
				case strings.HasPrefix(at, "before:"):
					i = idx(at[7:])
				default:
					i = int(at[0] - '0')
				}
				hdrs = append(hdrs[:i], append([]string{line}, hdrs[i:]...)...)
			}
		}
	}
	return first + "\r\n" + strings.Join(hdrs, "\r\n") + "\r\n\r\n" + body
}

func TestEditErrors(t *testing.T) {
	m := mustParse(t, crlf(editBase))
	if err := m.ReplaceRange(5, 2, "x"); !errors.Is(err, ErrRange) {
		t.Errorf("ReplaceRange reversed: %v", err)
	}
	if err := m.ReplaceRange(0, len(m.Raw())+1, "x"); !errors.Is(err, ErrRange) {
		t.Errorf("ReplaceRange past end: %v", err)
	}
	if m.InsertRawAfter("X-None", "a: b\r\n") {
		t.Error("InsertRawAfter found a missing anchor")
	}
	m2 := mustParse(t, crlf(strings.Replace(editBase, "Max-Forwards: 10", "Max-Forwards: 0", 1)))
	if _, ok := m2.DecMaxForwards(70); ok {
		t.Error("DecMaxForwards at 0 succeeded")
	}
	m3 := mustParse(t, crlf(strings.Replace(editBase, "Max-Forwards: 10\n", "", 1)))
	if n, ok := m3.DecMaxForwards(70); !ok || n != 69 {
		t.Errorf("DecMaxForwards without header = %d %v", n, ok)
	}
	if !strings.Contains(string(m3.Bytes()), "\r\nMax-Forwards: 69\r\n") {
		t.Errorf("added Max-Forwards missing:\n%s", m3.Bytes())
	}
}

func TestCloneIsolatesEdits(t *testing.T) {
	m := mustParse(t, crlf(editBase))
	m.AppendHeader("X-Common", "1")
	a, b := m.Clone(), m.Clone()
	a.SetRURI("sip:a@10.0.0.1")
	b.SetRURI("sip:b@10.0.0.2")
	b.AppendHeader("X-B", "1")
	sa, sb := string(a.Bytes()), string(b.Bytes())
	if !strings.HasPrefix(sa, "INVITE sip:a@10.0.0.1 ") || strings.Contains(sa, "X-B") || !strings.Contains(sa, "X-Common") {
		t.Errorf("branch a:\n%s", sa)
	}
	if !strings.HasPrefix(sb, "INVITE sip:b@10.0.0.2 ") || !strings.Contains(sb, "X-B: 1") {
		t.Errorf("branch b:\n%s", sb)
	}
	if m.RURI() != "sip:bob@example.com" {
		t.Errorf("original RURI = %q", m.RURI())
	}
}

func TestBytesAddsContentLength(t *testing.T) {
	m, err := Parse(readMsgFile(t, "valid", "nocl.sip"))
	if err != nil {
		t.Fatal(err)
	}
	out := string(m.Bytes())
	if !strings.HasSuffix(out, "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n") {
		t.Errorf("Bytes:\n%q", out)
	}
	m, err = Parse(readMsgFile(t, "valid", "extrabody.sip"))
	if err != nil {
		t.Fatal(err)
	}
	if out := string(m.Bytes()); !strings.HasSuffix(out, "\r\n\r\nhello") {
		t.Errorf("trailing bytes kept:\n%q", out)
	}
}

func TestApplyChangesKeepsRecv(t *testing.T) {
	m := mustParse(t, crlf(editBase))
	m.SetRecv(&RecvInfo{Proto: ProtoTCP})
	m.AppendHeader("X-A", "1")
	m.ApplyChanges()
	if m.Recv() == nil || m.Recv().Proto != ProtoTCP {
		t.Errorf("Recv lost: %+v", m.Recv())
	}
	if v, ok := m.Header("X-A"); !ok || v != "1" {
		t.Errorf("X-A after ApplyChanges = %q %v", v, ok)
	}
}

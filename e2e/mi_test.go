package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/mi"
)

// mi calls a management command over mi_http.
func (e *regEnv) mi(t *testing.T, method string, params any) (json.RawMessage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return mi.CallHTTP(ctx, nil, fmt.Sprintf("http://127.0.0.1:%d/mi", e.httpPort), method, params)
}

// miMust calls a command that must succeed.
func (e *regEnv) miMust(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	res, err := e.mi(t, method, params)
	if err != nil {
		t.Fatalf("mi %s %v: %v", method, params, err)
	}
	return res
}

// miObj is a decoded JSON object that remembers its key order, so the
// answers can be compared with OpenSIPS field by field and in order.
type miObj struct {
	keys []string
	vals map[string]json.RawMessage
}

func parseObj(t *testing.T, raw json.RawMessage) miObj {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", raw)
	}
	o := miObj{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		o.keys = append(o.keys, k)
		o.vals[k] = v
	}
	return o
}

func (o miObj) raw(k string) string { return string(o.vals[k]) }

func (o miObj) String() string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, o.vals[k])
	}
	b.WriteByte('}')
	return b.String()
}

func (o miObj) str(t *testing.T, k string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(o.vals[k], &s); err != nil {
		t.Fatalf("%s is not a string in %s", k, o)
	}
	return s
}

func (o miObj) num(t *testing.T, k string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(string(o.vals[k]), 10, 64)
	if err != nil {
		t.Fatalf("%s is not an integer in %s", k, o)
	}
	return n
}

func (o miObj) objs(t *testing.T, k string) []miObj {
	t.Helper()
	var arr []json.RawMessage
	if err := json.Unmarshal(o.vals[k], &arr); err != nil {
		t.Fatalf("%s is not an array in %s", k, o)
	}
	out := make([]miObj, len(arr))
	for i, r := range arr {
		out[i] = parseObj(t, r)
	}
	return out
}

func expectKeys(t *testing.T, o miObj, want ...string) {
	t.Helper()
	if fmt.Sprint(o.keys) != fmt.Sprint(want) {
		t.Errorf("keys %v, want %v in %s", o.keys, want, o)
	}
}

// showContact returns the contacts of ul_show_contact location AOR.
func (e *regEnv) showContact(t *testing.T, aor string) []miObj {
	t.Helper()
	o := parseObj(t, e.miMust(t, "ul_show_contact", []any{"location", aor}))
	expectKeys(t, o, "AOR", "Contacts")
	if got := o.str(t, "AOR"); got != aor {
		t.Errorf("AOR %q, want %q", got, aor)
	}
	return o.objs(t, "Contacts")
}

// wantContact is what a CONTACT object must hold.
type wantContact struct {
	uri, q, callid, ua, state string
	cseq, expires             int64
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// checkContact compares a CONTACT object key by key with OpenSIPS 3.6's.
func (e *regEnv) checkContact(t *testing.T, o miObj, w wantContact) {
	t.Helper()
	expectKeys(t, o, "Contact", "ContactID", "Expires", "Q", "Callid", "Cseq", "User-agent", "State",
		"Flags", "Cflags", "Socket", "Methods")
	if got := o.str(t, "Contact"); got != w.uri {
		t.Errorf("Contact %q, want %q", got, w.uri)
	}
	if id := o.str(t, "ContactID"); !digits.MatchString(id) || id == "0" {
		t.Errorf("ContactID %q is not a non-zero 64-bit number as a string", id)
	}
	if got := o.num(t, "Expires"); !near(int(got), int(w.expires)) {
		t.Errorf("Expires %d, want about %d", got, w.expires)
	}
	if got := o.str(t, "Q"); got != w.q {
		t.Errorf("Q %q, want %q", got, w.q)
	}
	if got := o.str(t, "Callid"); got != w.callid {
		t.Errorf("Callid %q, want %q", got, w.callid)
	}
	if got := o.num(t, "Cseq"); got != w.cseq {
		t.Errorf("Cseq %d, want %d", got, w.cseq)
	}
	if got := o.str(t, "User-agent"); got != w.ua {
		t.Errorf("User-agent %q, want %q", got, w.ua)
	}
	if got := o.str(t, "State"); !slices.Contains(strings.Split(w.state, "|"), got) {
		t.Errorf("State %q, want %q", got, w.state)
	}
	if got := o.num(t, "Flags"); got != 0 {
		t.Errorf("Flags %d, want 0", got)
	}
	if got := o.str(t, "Cflags"); got != "" {
		t.Errorf("Cflags %q, want \"\"", got)
	}
	if got, want := o.str(t, "Socket"), fmt.Sprintf("udp:127.0.0.1:%d", e.port); got != want {
		t.Errorf("Socket %q, want %q", got, want)
	}
	if got := o.num(t, "Methods"); got != 4294967295 {
		t.Errorf("Methods %d, want 4294967295 (all)", got)
	}
}

// newState is the state of a contact just saved: write-through writes it
// at once (CS_SYNC), memory-only keeps it CS_NEW and write-back turns it
// CS_SYNC on the next timer flush ("|" separates the accepted states).
func (e *regEnv) newState() string {
	switch e.b.preset {
	case "single-instance-sql-write-through":
		return "CS_SYNC"
	case "single-instance-sql-write-back":
		return "CS_NEW|CS_SYNC"
	}
	return "CS_NEW"
}

func expectMIError(t *testing.T, err error, code int, msg string) {
	t.Helper()
	var me *mi.Error
	if !errors.As(err, &me) {
		t.Fatalf("want MI error %d %q, got %v", code, msg, err)
	}
	if me.Code != code || me.Message != msg {
		t.Errorf("MI error %d %q, want %d %q", me.Code, me.Message, code, msg)
	}
}

func (e *regEnv) testMI(t *testing.T) {
	c := newUDPClient(t)
	ct1 := fmt.Sprintf("sip:mia@127.0.0.1:%d", c.Port())
	ct2 := "sip:mia@127.0.0.1:6300;transport=udp"
	expectCode(t, e.register(t, c, regReq{User: "mia", CallID: "mi-1", CSeq: 3, Contacts: []string{"<" + ct1 + ">"}, Expires: "600"}), "200")
	expectCode(t, e.register(t, c, regReq{User: "mia", CallID: "mi-2", CSeq: 9, Contacts: []string{"<" + ct2 + ">;q=0.5;expires=1200"}}), "200")
	want := map[string]wantContact{
		ct1: {uri: ct1, q: "", callid: "mi-1", ua: "gosips-e2e", state: e.newState(), cseq: 3, expires: 600},
		ct2: {uri: ct2, q: "0.5", callid: "mi-2", ua: "gosips-e2e", state: e.newState(), cseq: 9, expires: 1200},
	}

	t.Run("ul_show_contact", func(t *testing.T) {
		cts := e.showContact(t, "mia")
		if len(cts) != 2 {
			t.Fatalf("contacts %v, want 2", cts)
		}
		for _, o := range cts {
			w, ok := want[o.str(t, "Contact")]
			if !ok {
				t.Fatalf("unexpected contact %s", o)
			}
			e.checkContact(t, o, w)
		}
		// The 4.x name is an alias.
		if _, err := e.mi(t, "usrloc:show_contact", map[string]any{"table_name": "location", "aor": "mia"}); err != nil {
			t.Errorf("usrloc:show_contact: %v", err)
		}
		// use_domain=0: the domain part of the AOR is dropped.
		o := parseObj(t, e.miMust(t, "ul_show_contact", []any{"location", "mia@127.0.0.1"}))
		if o.str(t, "AOR") != "mia" || len(o.objs(t, "Contacts")) != 2 {
			t.Errorf("AOR with domain: %s", o)
		}
		_, err := e.mi(t, "ul_show_contact", []any{"location", "nobody"})
		expectMIError(t, err, 404, "AOR not found")
		_, err = e.mi(t, "ul_show_contact", []any{"nolocation", "mia"})
		expectMIError(t, err, 404, "Table not found")
		_, err = e.mi(t, "ul_show_contact", []any{"location"})
		expectMIError(t, err, -32602, "Invalid params")
		_, err = e.mi(t, "ul_no_such_command", nil)
		expectMIError(t, err, -32601, "Method not found")
	})

	t.Run("ul_dump", func(t *testing.T) {
		top := parseObj(t, e.miMust(t, "ul_dump", nil))
		expectKeys(t, top, "Domains")
		doms := top.objs(t, "Domains")
		if len(doms) != 1 {
			t.Fatalf("Domains %v, want one", doms)
		}
		d := doms[0]
		expectKeys(t, d, "name", "hash_size", "AORs")
		if d.str(t, "name") != "location" || d.num(t, "hash_size") != 512 {
			t.Errorf("domain %s", d)
		}
		var found *miObj
		for _, a := range d.objs(t, "AORs") {
			expectKeys(t, a, "AOR", "Contacts")
			if a.str(t, "AOR") == "mia" {
				found = &a
			}
		}
		if found == nil {
			t.Fatalf("AOR mia missing from %s", d)
		}
		cts := found.objs(t, "Contacts")
		if len(cts) != 2 {
			t.Fatalf("Contacts %v", cts)
		}
		for _, o := range cts {
			e.checkContact(t, o, want[o.str(t, "Contact")])
		}
		// brief=1: AOR entries carry only the AOR.
		brief := parseObj(t, e.miMust(t, "ul_dump", map[string]any{"brief": "1"}))
		bd := brief.objs(t, "Domains")
		if len(bd) != 1 {
			t.Fatalf("brief Domains %v", bd)
		}
		seen := false
		for _, a := range bd[0].objs(t, "AORs") {
			expectKeys(t, a, "AOR")
			seen = seen || a.str(t, "AOR") == "mia"
		}
		if !seen {
			t.Errorf("brief dump lacks mia: %s", bd[0])
		}
	})

	t.Run("statistics", func(t *testing.T) {
		o := parseObj(t, e.miMust(t, "get_statistics", map[string]any{"statistics": []any{"usrloc:", "registrar:accepted_regs", "registrar:rejected_regs"}}))
		for k, want := range map[string]int64{"usrloc:registered_users": 1, "usrloc:location-users": 1, "usrloc:location-contacts": 2} {
			if got := o.num(t, k); got != want {
				t.Errorf("%s = %d, want %d", k, got, want)
			}
		}
		// Every earlier subtest registered through save(); max-contacts
		// and "*" with expires rejected two.
		if got := o.num(t, "registrar:accepted_regs"); got < 20 {
			t.Errorf("registrar:accepted_regs = %d", got)
		}
		if got := o.num(t, "registrar:rejected_regs"); got < 2 {
			t.Errorf("registrar:rejected_regs = %d", got)
		}
	})

	// The command line client, over HTTP and over the FIFO, sends
	// opensips-cli style positional strings.
	t.Run("gosips_mi", func(t *testing.T) {
		for _, target := range [][]string{
			{"--url", fmt.Sprintf("http://127.0.0.1:%d/mi", e.httpPort)},
			{"--fifo", e.fifo(), "--reply-dir", e.dir},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			args := append(append([]string{"mi"}, target...), "--timeout", "5s", "ul_show_contact", "location", "mia")
			out, err := exec.CommandContext(ctx, gosipsBin(t), args...).CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("gosips %v: %v\n%s", args, err, out)
			}
			o := parseObj(t, out)
			cts := o.objs(t, "Contacts")
			if o.str(t, "AOR") != "mia" || len(cts) != 2 {
				t.Fatalf("gosips %v: %s", args, out)
			}
			for _, c := range cts {
				e.checkContact(t, c, want[c.str(t, "Contact")])
			}
		}
	})

	// ul_flush writes pending changes at once; in write-back mode the
	// contacts are CS_SYNC and in the table afterwards.
	t.Run("ul_flush", func(t *testing.T) {
		if string(e.miMust(t, "ul_flush", nil)) != `"OK"` {
			t.Errorf("ul_flush did not answer OK")
		}
		if !e.usesDB() {
			return
		}
		for _, o := range e.showContact(t, "mia") {
			if got := o.str(t, "State"); got != "CS_SYNC" {
				t.Errorf("State %q after ul_flush", got)
			}
		}
		if e.b.scheme == "sqlite" {
			if rows := e.locationRows(t, "mia"); len(rows) != 2 || rows[ct1] == nil || rows[ct2] == nil {
				t.Errorf("location rows after ul_flush: %v", rows)
			}
		}
	})

	t.Run("ul_rm_contact", func(t *testing.T) {
		res := e.miMust(t, "ul_rm_contact", []any{"location", "mia", ct1})
		if string(res) != `"OK"` {
			t.Errorf("ul_rm_contact answered %s", res)
		}
		_, err := e.mi(t, "ul_rm_contact", []any{"location", "mia", ct1})
		expectMIError(t, err, 404, "Contact not found")
		cts := e.showContact(t, "mia")
		if len(cts) != 1 || cts[0].str(t, "Contact") != ct2 {
			t.Fatalf("after ul_rm_contact: %v", cts)
		}
		if e.rowsNow() {
			if rows := e.locationRows(t, "mia"); len(rows) != 1 || rows[ct2] == nil {
				t.Errorf("location rows after ul_rm_contact: %v", rows)
			}
		}
		// The registrar no longer lists it either.
		r := e.register(t, c, regReq{User: "mia", CallID: "mi-3", CSeq: 1})
		expectCode(t, r, "200")
		expectContacts(t, r, map[string]int{ct2: 1200})
	})

	// A permanent binding added over MI is what lookup() routes to.
	t.Run("ul_add_permanent", func(t *testing.T) {
		uas := newUDPClient(t)
		ct := fmt.Sprintf("sip:uma@127.0.0.1:%d", uas.Port())
		if res := e.miMust(t, "ul_add", []any{"location", "uma@127.0.0.1", ct, "0", "1", "0", "0", "4294967295"}); string(res) != `"OK"` {
			t.Fatalf("ul_add answered %s", res)
		}
		cts := e.showContact(t, "uma")
		if len(cts) != 1 {
			t.Fatalf("contacts %v", cts)
		}
		o := cts[0]
		if o.str(t, "Expires") != "permanent" || o.str(t, "Q") != "1" || o.str(t, "Callid") != "dfjrewr12386fd6-343@opensips.mi" || o.num(t, "Cseq") != 1 {
			t.Errorf("permanent contact %s", o)
		}
		if _, ok := o.vals["Socket"]; ok {
			t.Errorf("a contact added over MI has no socket: %s", o)
		}
		if e.rowsNow() {
			rows := e.locationRows(t, "uma")
			if len(rows) != 1 || rows[ct]["expires"].Int64() != 0 {
				t.Errorf("location rows of a permanent contact: %v", rows)
			}
		}
		caller := newUDPClient(t)
		caller.Send(e.port, `INVITE sip:uma@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-uma-1
From: <sip:caller@127.0.0.1>;tag=uma1
To: <sip:uma@127.0.0.1>
Call-ID: e2e-uma-1
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0

`)
		inv := uas.Recv(3 * time.Second)
		if !strings.HasPrefix(inv, "INVITE "+ct+" SIP/2.0\r\n") {
			t.Fatalf("the contact got:\n%s", inv)
		}
		var rpl strings.Builder
		rpl.WriteString("SIP/2.0 486 Busy Here\r\n")
		for _, v := range headers(inv, "Via") {
			rpl.WriteString("Via: " + v + "\r\n")
		}
		fmt.Fprintf(&rpl, "From: %s\r\nTo: %s;tag=uas1\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
			header(inv, "From"), header(inv, "To"), header(inv, "Call-ID"), header(inv, "CSeq"))
		uas.SendRaw(e.port, []byte(rpl.String()))
		if r := caller.RecvFinal(3 * time.Second); statusCode(r) != "486" {
			t.Fatalf("caller got:\n%s", r)
		}
		if string(e.miMust(t, "ul_rm", []any{"location", "uma"})) != `"OK"` {
			t.Errorf("ul_rm did not answer OK")
		}
	})

	t.Run("ul_add_and_rm", func(t *testing.T) {
		ct3 := "sip:mia@127.0.0.1:6301"
		res := e.miMust(t, "ul_add", []any{"location", "mia", ct3, "300", "0.25", "0", "0", "4294967295"})
		if string(res) != `"OK"` {
			t.Errorf("ul_add answered %s", res)
		}
		var added *miObj
		for _, o := range e.showContact(t, "mia") {
			if o.str(t, "Contact") == ct3 {
				added = &o
			}
		}
		if added == nil {
			t.Fatal("ul_add contact missing")
		}
		if added.str(t, "Q") != "0.25" || added.str(t, "User-agent") != "OpenSIPS MI Server" || !near(int(added.num(t, "Expires")), 300) {
			t.Errorf("ul_add contact %s", added)
		}
		if string(e.miMust(t, "ul_rm", []any{"location", "mia"})) != `"OK"` {
			t.Errorf("ul_rm did not answer OK")
		}
		_, err := e.mi(t, "ul_show_contact", []any{"location", "mia"})
		expectMIError(t, err, 404, "AOR not found")
		if e.rowsNow() {
			if rows := e.locationRows(t, "mia"); len(rows) != 0 {
				t.Errorf("location rows after ul_rm: %v", rows)
			}
		}
	})
}

package nathelper

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/sdp"
	"gosips/sip"
)

// nat_uac_test bits (OpenSIPS NAT_UAC_TEST_*), in flag-name order.
const (
	testContact1918 uint32 = 1 << iota
	testViaRcvd
	testVia1918
	testSDP1918
	testViaRPort
	testContactRcvd
	testContactRPort
	testRFC6333
)

var uacTestNames = []string{"private-contact", "diff-ip-src-via", "private-via", "private-sdp",
	"diff-port-src-via", "diff-ip-src-contact", "diff-port-src-contact", "carrier-grade-nat"}

// fix_nated_sdp bits.
const (
	sdpAddDirection uint32 = 1 << iota
	sdpFixMediaIP
	sdpAddNoRTPProxy
	sdpFixOriginIP
	sdpForceNull
)

var sdpFlagNames = []string{"add-dir-active", "rewrite-media-ip", "add-no-rtpproxy", "rewrite-origin-ip", "rewrite-null-ips"}

// parseNamedFlags reads a CSV of flag names or a number (the 1.x-2.x
// bit mask), as OpenSIPS fixup_named_flags does.
func parseNamedFlags(s string, names []string) (uint32, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 0, 32); err == nil {
		if n >= 1<<uint(len(names)) {
			return 0, fmt.Errorf("flag mask %d has unknown bits (highest known %d)", n, 1<<uint(len(names)-1))
		}
		return uint32(n), nil
	}
	var bits uint32
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		found := false
		for i, n := range names {
			if strings.EqualFold(f, n) {
				bits |= 1 << uint(i)
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown flag %q (one of: %s)", f, strings.Join(names, ", "))
		}
	}
	return bits, nil
}

func flagsFixup(names []string) func(*api.FixupCtx, *api.FixArg) error {
	return func(_ *api.FixupCtx, a *api.FixArg) error {
		bits, err := parseNamedFlags(a.Str, names)
		if err != nil {
			return err
		}
		a.Fixed = bits
		return nil
	}
}

var (
	uacTestFlagsFixup = flagsFixup(uacTestNames)
	sdpFlagsFixup     = flagsFixup(sdpFlagNames)
)

// argFlags returns the fixed bits or parses a run-time value.
func argFlags(c *api.Ctx, a any, names []string) (uint32, bool) {
	switch v := a.(type) {
	case uint32:
		return v, true
	case string:
		bits, err := parseNamedFlags(v, names)
		if err != nil {
			c.Log.Error("bad flags", "flags", v, "err", err)
			return 0, false
		}
		return bits, true
	}
	return 0, false
}

// isPrivate reports RFC 1918, RFC 6598 and loopback IPv4 addresses, and
// RFC 6333 ones when cgn is set (OpenSIPS ip_addr_is_1918).
func isPrivate(host string, cgn bool) bool {
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil || !ip.Is4() {
		return false
	}
	b := ip.As4()
	switch {
	case b[0] == 10, b[0] == 127,
		b[0] == 172 && b[1]&0xf0 == 16,
		b[0] == 192 && b[1] == 168,
		b[0] == 100 && b[1]&0xc0 == 64:
		return true
	case cgn && b[0] == 192 && b[1] == 0 && b[2] == 0 && b[3] < 8:
		return true
	}
	return false
}

// srcInfo is where the message came from.
func srcInfo(m *sip.Msg) (netip.AddrPort, sip.Proto, bool) {
	r := m.Recv()
	if r == nil || !r.Src.IsValid() {
		return netip.AddrPort{}, sip.ProtoNone, false
	}
	return r.Src, r.Proto, true
}

// sameIP compares a host as written (maybe bracketed) with an address.
func sameIP(host string, ip netip.Addr) bool {
	h, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && h.Unmap() == ip.Unmap()
}

// uriPort is the port of a SIP URI, with the transport's default.
func uriPort(u *sip.URI) int {
	if u.Port != 0 {
		return u.Port
	}
	if u.IsSecure() || strings.EqualFold(u.Transport(), "tls") {
		return 5061
	}
	return 5060
}

func (m *Module) natUACTest(c *api.Ctx, args []any) api.Ret {
	tests, ok := argFlags(c, args[0], uacTestNames)
	if !ok || c.Msg == nil {
		return api.RetFalse
	}
	msg := c.Msg
	src, _, haveSrc := srcInfo(msg)
	cgn := tests&testRFC6333 != 0
	via, viaErr := msg.TopVia()
	if tests&testViaRPort != 0 && viaErr == nil && haveSrc {
		p := via.Port
		if p == 0 {
			p = 5060
		}
		if int(src.Port()) != p {
			return api.RetTrue
		}
	}
	if tests&testViaRcvd != 0 && viaErr == nil && haveSrc && !sameIP(via.Host, src.Addr()) {
		return api.RetTrue
	}
	contacts := func(fn func(u *sip.URI) bool) bool {
		cs, _, err := msg.Contacts()
		if err != nil {
			return false
		}
		for i := range cs {
			u, err := sip.ParseURI(cs[i].URI)
			if err != nil {
				continue
			}
			if fn(&u) {
				return true
			}
		}
		return false
	}
	if tests&testContact1918 != 0 && contacts(func(u *sip.URI) bool { return isPrivate(u.Host, cgn) }) {
		return api.RetTrue
	}
	if tests&testSDP1918 != 0 {
		if s, err := sdp.Parse(msg.Body()); err == nil && isSDP(msg) {
			for _, a := range s.Conns() {
				if isPrivate(a.Value, cgn) {
					return api.RetTrue
				}
			}
		}
	}
	if tests&testVia1918 != 0 && viaErr == nil && isPrivate(via.Host, cgn) {
		return api.RetTrue
	}
	if tests&testContactRcvd != 0 && haveSrc &&
		contacts(func(u *sip.URI) bool { return !sameIP(u.Host, src.Addr()) }) {
		return api.RetTrue
	}
	if tests&testContactRPort != 0 && haveSrc &&
		contacts(func(u *sip.URI) bool { return uriPort(u) != int(src.Port()) }) {
		return api.RetTrue
	}
	return api.RetFalse
}

// isSDP reports whether the message body is an SDP (Content-Type
// application/sdp).
func isSDP(m *sip.Msg) bool {
	ct := strings.ToLower(strings.TrimSpace(m.ContentType()))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	return ct == "application/sdp"
}

// hostPort formats the source address for a URI.
func hostPort(ap netip.AddrPort) string {
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		return "[" + ip.String() + "]:" + strconv.Itoa(int(ap.Port()))
	}
	return ip.String() + ":" + strconv.Itoa(int(ap.Port()))
}

// rcvURI is the received URI of a message: sip:ip:port plus the
// transport when it is not UDP (OpenSIPS create_rcv_uri).
func rcvURI(m *sip.Msg) (string, bool) {
	src, proto, ok := srcInfo(m)
	if !ok {
		return "", false
	}
	u := "sip:" + hostPort(src)
	if proto != sip.ProtoUDP && proto != sip.ProtoNone {
		u += ";transport=" + proto.String()
	}
	return u, true
}

// contactFixed marks a message whose Contact fix_nated_contact rewrote.
type contactFixed struct{}

func (m *Module) fixNATedContact(c *api.Ctx, args []any) api.Ret {
	msg := c.Msg
	if msg == nil {
		return api.RetFalse
	}
	params, _ := args[0].(string)
	if _, done := msg.Note(contactFixed{}); done {
		c.Log.Error("fix_nated_contact: second attempt to change the Contact URI")
		return api.RetFalse
	}
	src, _, ok := srcInfo(msg)
	if !ok {
		return api.RetFalse
	}
	cs, _, err := msg.Contacts()
	if err != nil || len(cs) == 0 {
		if err != nil {
			c.Log.Error("fix_nated_contact: bad Contact", "err", err)
		}
		return api.RetFalse
	}
	raw := msg.String()
	for i := range cs {
		ct := &cs[i]
		u, err := sip.ParseURI(ct.URI)
		if err != nil || u.IsTel() {
			c.Log.Error("fix_nated_contact: bad Contact URI", "uri", ct.URI)
			return api.RetFalse
		}
		newURI := rewriteHostPort(ct.URI, &u, hostPort(src))
		elem := raw[ct.Start:ct.End]
		uo := strings.Index(elem, ct.URI)
		if uo < 0 {
			return api.RetFalse
		}
		start, end := ct.Start+uo, ct.Start+uo+len(ct.URI)
		text := newURI + params
		if params != "" && !ct.Angle {
			// Parameters added to a bare URI need brackets to stay URI
			// parameters; what followed the URI stays header parameters.
			text = "<" + newURI + params + ">"
		}
		if err := msg.SetContactURI(i, start, end, text, newURI+params); err != nil {
			c.Log.Error("fix_nated_contact: cannot rewrite Contact", "err", err)
			return api.RetFalse
		}
	}
	msg.SetNote(contactFixed{}, true)
	return api.RetTrue
}

// rewriteHostPort replaces host[:port] of uri by hp, dropping maddr as
// OpenSIPS does.
func rewriteHostPort(uri string, u *sip.URI, hp string) string {
	hpStart := strings.Index(uri, u.Host)
	if u.User != "" || u.HasPassword {
		if at := strings.IndexByte(uri, '@'); at >= 0 {
			hpStart = at + 1
		}
	}
	if hpStart < 0 {
		return uri
	}
	hpEnd := hpStart + len(u.Host)
	if u.PortStr != "" {
		hpEnd += 1 + len(u.PortStr)
	}
	rest := uri[hpEnd:]
	if v, ok := u.Param("maddr"); ok {
		rest = strings.Replace(rest, ";maddr="+v, "", 1)
	}
	return uri[:hpStart] + hp + rest
}

func (m *Module) fixNATedRegister(c *api.Ctx, _ []any) api.Ret {
	if m.rcvAVP == nil {
		return api.RetTrue
	}
	u, ok := rcvURI(c.Msg)
	if !ok {
		return api.RetFalse
	}
	if err := m.rcvAVP.Set(c, api.StrValue(u)); err != nil {
		c.Log.Error("fix_nated_register: cannot set received_avp", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

func (m *Module) addRcvParam(c *api.Ctx, args []any) api.Ret {
	msg := c.Msg
	u, ok := rcvURI(msg)
	if !ok {
		return api.RetFalse
	}
	toURI := false
	if n, ok := args[0].(int64); ok && n > 0 {
		toURI = true
	}
	cs, _, err := msg.Contacts()
	if err != nil || len(cs) == 0 {
		return api.RetFalse
	}
	raw := msg.String()
	param := `;received="` + u + `"`
	for i := range cs {
		at := cs[i].End
		if toURI {
			if uo := strings.Index(raw[cs[i].Start:cs[i].End], cs[i].URI); uo >= 0 {
				at = cs[i].Start + uo + len(cs[i].URI)
			}
		}
		if err := msg.ReplaceRange(at, at, param); err != nil {
			return api.RetFalse
		}
	}
	return api.RetTrue
}

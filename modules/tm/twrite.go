package tm

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// t_write_req and t_write_unix hand a request to an external application
// (a voicemail server, typically): the request's fields go out as lines of
// text on a FIFO or a unix datagram socket, the transaction waits on a
// "blind" branch that only runs the final-response timer, and the
// application answers later through the MI command t_reply with the
// transaction id it was given.

// twVersion is the first line of every written request (OpenSIPS 3.6).
const twVersion = "0.3"

// twAppend is a parsed tw_append parameter: "name:elem;elem..." where an
// element is "title=$pv" (a "title: value" line when the PV is not NULL)
// or a bare $rb (the body goes out even for a non-INVITE request).
type twAppend struct {
	name    string
	addBody bool
	elems   []twElem
}

type twElem struct {
	title string
	spec  *pv.Spec
}

// parseTwAppend parses a tw_append value; its PVs resolve against the
// core ones.
func parseTwAppend(raw string) (*twAppend, error) {
	name, elems, ok := cutTwAppend(raw)
	if !ok {
		return nil, fmt.Errorf("tw_append: expected \"name:element[;element...]\", got %q", raw)
	}
	if strings.ContainsAny(name, " \t") {
		return nil, fmt.Errorf("tw_append %q: blank in the name", raw)
	}
	app := &twAppend{name: name}
	core := pv.NewTable(pv.CoreDefs())
	for _, el := range splitTwElems(elems) {
		el = strings.TrimSpace(el)
		if el == "" {
			return nil, fmt.Errorf("tw_append %q: empty element", raw)
		}
		title, val, named := strings.Cut(el, "=")
		if !named {
			val = el
		}
		title, val = strings.TrimSpace(title), strings.TrimSpace(val)
		s, err := pv.Parse(val)
		if err == nil {
			err = core.Resolve(s)
		}
		if err != nil {
			return nil, fmt.Errorf("tw_append %q: element %q: %w", raw, el, err)
		}
		if !named {
			if s.Name != "rb" || s.Inner != "" {
				return nil, fmt.Errorf("tw_append %q: element %q without a title must be $rb (the body)", raw, el)
			}
			app.addBody = true
			continue
		}
		if title == "" || strings.ContainsAny(title, " \t;") {
			return nil, fmt.Errorf("tw_append %q: bad title in %q", raw, el)
		}
		app.elems = append(app.elems, twElem{title: title, spec: s})
	}
	return app, nil
}

// splitTwElems splits elements at ';' outside parentheses (a PV's inner
// name may hold one).
func splitTwElems(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ';':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if rest := s[start:]; strings.TrimSpace(rest) != "" || len(out) == 0 {
		out = append(out, rest)
	}
	return out
}

func (t *TM) lookupTwAppend(name string) *twAppend {
	for _, a := range t.twAppends {
		if a.name == name {
			return a
		}
	}
	return nil
}

// fWriteReq is t_write_req(info, fifo).
func (t *TM) fWriteReq(c *api.Ctx, args []any) api.Ret {
	return t.twrite(c, args, func(text []byte) error { return writeFIFO(strArg(args, 1), text) })
}

// fWriteUnix is t_write_unix(info, socket).
func (t *TM) fWriteUnix(c *api.Ctx, args []any) api.Ret {
	timeout := time.Duration(max(t.UnixTxTimeout, 0)) * time.Second
	return t.twrite(c, args, func(text []byte) error { return writeUnixgram(strArg(args, 1), text, timeout) })
}

func (t *TM) twrite(c *api.Ctx, args []any, write func([]byte) error) api.Ret {
	info, _ := args[0].(TwInfo)
	log := t.logFor(c)
	tx := txOf(c)
	if tx == nil {
		// As OpenSIPS: the request must be made stateful first (t_newtran).
		log.Error("t_write: no transaction found (call t_newtran first)")
		return api.RetFalse
	}
	text, err := t.twAssemble(c, tx, info)
	if err != nil {
		log.Error("t_write: cannot assemble the request", "err", err)
		return api.RetFalse
	}
	if err := write(text); err != nil {
		log.Error("t_write: writing the request failed", "err", err)
		return api.RetFalse
	}
	unlock := tx.lockFor(c)
	defer unlock()
	t.addBlindBranch(c, tx)
	return api.RetTrue
}

// addBlindBranch adds a branch that sends nothing and only runs the
// final-response timer, so that the transaction ends with a 408 when the
// application does not answer in time; mu held.
func (t *TM) addBlindBranch(c *api.Ctx, tx *Tx) {
	tx.captureHooks(c)
	idx := len(tx.branches)
	br := &branch{idx: idx, id: branchID(tx.id, idx), uri: c.Msg.RURI(), q: -1,
		frAt: time.Now().Add(tx.frTimeout)}
	if tx.cancelled {
		br.cancelPending = true
	}
	tx.branches = append(tx.branches, br)
	if tx.status < 200 {
		tx.deleteAt = time.Time{}
	}
	tx.schedule()
}

// twAssemble builds the lines written for the request of c (OpenSIPS
// 3.6's t_fifo.c format, 20 lines): version, "sip_request.<action>",
// method, R-URI user, R-URI host, receiving IP, receiving port ("." for
// 5060), R-URI, the URI of next requests (Contact, or the route set's),
// From, To, Call-ID, From tag, To tag, CSeq number, "hash:label", route
// set, next hop, extra header lines ending with ".", body.
func (t *TM) twAssemble(c *api.Ctx, tx *Tx, info TwInfo) ([]byte, error) {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return nil, errors.New("not a request")
	}
	ruri := m.RURI()
	u, err := sip.ParseURI(ruri)
	if err != nil {
		return nil, fmt.Errorf("request URI: %w", err)
	}
	from, err := m.From()
	if err != nil {
		return nil, fmt.Errorf("From: %w", err)
	}
	to, err := m.To()
	if err != nil {
		return nil, fmt.Errorf("To: %w", err)
	}
	if _, _, err := m.CSeq(); err != nil {
		return nil, fmt.Errorf("CSeq: %w", err)
	}
	hv := func(h sip.Hdr) string { v, _ := m.HeaderOf(h, ""); return v }
	cseqNum := strings.Fields(hv(sip.HdrCSeq))[0]
	var app *twAppend
	if info.Append != "" {
		if app = t.lookupTwAppend(info.Append); app == nil {
			return nil, fmt.Errorf("unknown tw_append %q", info.Append)
		}
	}

	// The URI of next requests: the caller's Contact (or From), unless a
	// route set says otherwise.
	next := from.URI
	if cs, _, err := m.Contacts(); err == nil && len(cs) > 0 {
		next = cs[0].URI
	}
	route, nextHop, next, err := twRouteSet(m, next)
	if err != nil {
		return nil, err
	}

	body := "."
	if m.MethodID() == sip.MethodInvite || (app != nil && app.addBody) {
		body = m.Body()
	}

	var ext strings.Builder
	ext.WriteString("P-MsgFlags: ")
	ext.WriteString(reverseHexString(uint64(c.Flags)))
	ext.WriteByte('\n')
	if app != nil {
		for _, el := range app.elems {
			v, err := el.spec.Get(c)
			if err != nil {
				t.logFor(c).Error("t_write: cannot read an append element", "title", el.title, "err", err)
				continue
			}
			if v.IsNull() {
				continue
			}
			ext.WriteString(el.title)
			ext.WriteString(": ")
			ext.WriteString(pv.Str(v))
			ext.WriteByte('\n')
		}
	}
	ext.WriteByte('.')

	ip, port := ".", "."
	if r := m.Recv(); r != nil {
		ip = r.Local.Addr().Unmap().String()
		if r.Socket != nil && r.Socket.IP != "" && r.Socket.IP != "*" {
			ip = r.Socket.IP
		}
		if r.Local.Port() != 5060 {
			port = strconv.Itoa(int(r.Local.Port()))
			if r.Socket != nil && r.Socket.Port != 0 {
				port = strconv.Itoa(r.Socket.Port)
			}
		}
	}
	lines := []string{
		twVersion,
		"sip_request." + info.Action,
		m.Method(),
		u.User,
		u.Host,
		ip,
		port,
		ruri,
		orDot(next),
		nameAddrText(hv(sip.HdrFrom), &from),
		hv(sip.HdrTo),
		m.CallID(),
		from.Tag,
		to.Tag,
		cseqNum,
		tx.ID(),
		orDot(route),
		orDot(nextHop),
		ext.String(),
		body,
	}
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	out := make([]byte, 0, n)
	for _, l := range lines {
		out = append(out, l...)
		out = append(out, '\n')
	}
	return out, nil
}

// nameAddrText is the display name and URI of a From value as written,
// without its parameters (OpenSIPS writes the From body so).
func nameAddrText(v string, na *sip.NameAddr) string {
	if na.Angle {
		if i := strings.Index(v, "<"+na.URI+">"); i >= 0 {
			return v[:i+len(na.URI)+2]
		}
	}
	v, _, _ = strings.Cut(v, ";")
	return strings.TrimSpace(v)
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

// twRouteSet derives the route set of the dialog the request creates from
// its Record-Route headers, as OpenSIPS' t_write does: when the first
// Record-Route URI is loose-routing, the route set is that URI followed by
// the entries of the later Record-Route headers and the first one is the
// next hop; otherwise those entries and the Contact form the route set and
// the first Record-Route URI becomes the URI of next requests. Like
// OpenSIPS, further entries of the first Record-Route header are left out.
func twRouteSet(m *sip.Msg, contact string) (route, nextHop, next string, err error) {
	rrs, err := m.RecordRoutes()
	if err != nil {
		return "", "", "", fmt.Errorf("Record-Route: %w", err)
	}
	next = contact
	if len(rrs) == 0 {
		return "", "", next, nil
	}
	// Entries of the first header end before the next header starts.
	firstEnd := -1
	m.EachHeader(sip.HdrRecordRoute, "", func(h sip.HeaderField) bool {
		firstEnd = h.VEnd
		return false
	})
	first := rrs[0].URI
	var parts []string
	lr := false
	if i := strings.IndexByte(first, ';'); i >= 0 && i+1 < len(first) {
		u, perr := sip.ParseURI(first)
		if perr == nil {
			_, lr = u.Param("lr")
		}
		if lr {
			parts = append(parts, "<"+first+">")
		}
	}
	for _, rr := range rrs[1:] {
		if rr.Start < firstEnd {
			continue
		}
		parts = append(parts, "<"+rr.URI+">")
	}
	if lr {
		nextHop = first
	} else {
		parts = append(parts, "<"+contact+">")
		next = first
	}
	return strings.Join(parts, ","), nextHop, next, nil
}

// reverseHexString writes n in hexadecimal, least significant digit first
// (OpenSIPS int2reverse_hex).
func reverseHexString(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n != 0 {
		b = append(b, "0123456789abcdef"[n&0xf])
		n >>= 4
	}
	return string(b)
}

// writeFIFO writes text to a FIFO in one write; as OpenSIPS, it fails at
// once when nobody reads the FIFO.
func writeFIFO(path string, text []byte) error {
	if path == "" {
		return errors.New("empty FIFO name")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("nobody listening on FIFO %s", path)
		}
		return fmt.Errorf("open FIFO: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(text); err != nil {
		return fmt.Errorf("write FIFO %s: %w", path, err)
	}
	return nil
}

// writeUnixgram sends text as one datagram to a unix socket.
func writeUnixgram(path string, text []byte, timeout time.Duration) error {
	if path == "" {
		return errors.New("empty socket name")
	}
	if len(path) > 107 {
		return errors.New("socket name too long")
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("connect %s: %w", path, err)
	}
	defer conn.Close()
	if timeout > 0 {
		_ = conn.SetWriteDeadline(time.Now().Add(timeout))
	}
	if _, err := conn.Write(text); err != nil {
		return fmt.Errorf("send to %s: %w", path, err)
	}
	return nil
}

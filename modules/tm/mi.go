package tm

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// MI errors, with OpenSIPS' codes and texts.
var (
	errMIParams      = &api.MIError{Code: -32602, Msg: "Invalid params"}
	errMINoTx        = &api.MIError{Code: 481, Msg: "No such transaction"}
	errMITxNotFound  = &api.MIError{Code: 404, Msg: "Transaction not found"}
	errMIBadTransID  = &api.MIError{Code: 400, Msg: "Invalid trans_id"}
	errMIBadCode     = &api.MIError{Code: 400, Msg: "Invalid reply code"}
	errMIReplyFailed = &api.MIError{Code: 500, Msg: "Reply failed"}
	errMIUACFailed   = &api.MIError{Code: 500, Msg: "MI/UAC failed"}
)

// miUACWait bounds how long t_uac_dlg waits for the final reply.
const miUACWait = 64 * 500 * time.Millisecond

// MICommands lists tm's management commands (3.x names; 4.x "tm:" names
// as aliases).
func (t *TM) MICommands() []api.MICommand {
	base := []string{"method", "ruri", "headers"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	reply := []string{"code", "reason", "trans_id", "to_tag"}
	withR := func(extra ...string) []string { return append(append([]string{}, reply...), extra...) }
	return []api.MICommand{
		{Name: "t_uac_dlg", Aliases: []string{"tm:uac_dlg"}, NamedOnly: true, Recipes: [][]string{
			with(), with("next_hop"), with("socket"), with("body"), with("next_hop", "socket"),
			with("next_hop", "body"), with("socket", "body"), with("next_hop", "socket", "body"),
		}, Handler: t.miUACDlg},
		{Name: "t_uac_cancel", Aliases: []string{"tm:uac_cancel"}, Recipes: [][]string{{"callid", "cseq"}},
			Handler: t.miUACCancel},
		{Name: "t_hash", Aliases: []string{"tm:hash"}, Recipes: [][]string{{}}, Handler: t.miHash},
		{Name: "t_reply", Aliases: []string{"tm:reply"}, NamedOnly: true, Recipes: [][]string{
			withR(), withR("new_headers"), withR("body"), withR("new_headers", "body"),
		}, Handler: t.miReply},
	}
}

func miStr(p api.MIParams, name string) (string, bool) { return p.Str(name) }

// miHash is t_hash: the current and accumulated transactions per shard of
// the table, as OpenSIPS lists its hash entries.
func (t *TM) miHash(context.Context, api.MIParams) (any, error) {
	out := make([]map[string]any, shards)
	for i := range t.table.sh {
		s := &t.table.sh[i]
		s.mu.Lock()
		out[i] = map[string]any{"index": i, "Current": len(s.byID), "Total": s.total}
		s.mu.Unlock()
	}
	return out, nil
}

// miUACCancel is t_uac_cancel: it cancels the INVITE transaction of
// (callid, cseq), local or relayed.
func (t *TM) miUACCancel(_ context.Context, p api.MIParams) (any, error) {
	callid, ok1 := miStr(p, "callid")
	cseq, ok2 := miStr(p, "cseq")
	if !ok1 || !ok2 {
		return nil, errMIParams
	}
	num, err := strconv.ParseUint(strings.TrimSpace(strings.Fields(cseq + " x")[0]), 10, 32)
	if err != nil {
		return nil, errMINoTx
	}
	tx := t.lookupCallID(callid, uint32(num))
	if tx == nil {
		return nil, errMINoTx
	}
	tx.mu.Lock()
	tx.cancelled = true
	t.cancelBranches(tx, -1, CancelAll)
	tx.schedule()
	tx.mu.Unlock()
	return "OK", nil
}

// lookupCallID finds the pending INVITE transaction with this Call-ID and
// CSeq number.
func (t *TM) lookupCallID(callid string, cseq uint32) *Tx {
	for _, tx := range t.table.all() {
		tx.mu.Lock()
		match := !tx.deleted && tx.isInvite && tx.status < 200 && tx.req.CallID() == callid
		if match {
			n, _, err := tx.req.CSeq()
			match = err == nil && n == cseq
		}
		tx.mu.Unlock()
		if match {
			return tx
		}
	}
	return nil
}

// parseTransID reads "index:label" (decimal, as $T_id shows it) or
// "label.index" (reversed hexadecimal, OpenSIPS' newer form).
func parseTransID(s string) (uint64, bool) {
	if a, b, ok := strings.Cut(s, ":"); ok {
		idx, err1 := strconv.ParseUint(a, 10, 64)
		label, err2 := strconv.ParseUint(b, 10, 64)
		if err1 != nil || err2 != nil || idx > shardMask {
			return 0, false
		}
		return label<<shardBits | idx, true
	}
	a, b, ok := strings.Cut(s, ".")
	if !ok {
		return 0, false
	}
	label, ok1 := reverseHex(a)
	idx, ok2 := reverseHex(b)
	if !ok1 || !ok2 || idx > shardMask {
		return 0, false
	}
	return label<<shardBits | idx, true
}

// reverseHex parses hexadecimal digits written least significant first.
func reverseHex(s string) (uint64, bool) {
	if s == "" || len(s) > 16 {
		return 0, false
	}
	var v uint64
	for i := len(s) - 1; i >= 0; i-- {
		d, err := strconv.ParseUint(s[i:i+1], 16, 8)
		if err != nil {
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}

// miReply is t_reply: a reply on a transaction named by its id.
func (t *TM) miReply(_ context.Context, p api.MIParams) (any, error) {
	cs, ok := miStr(p, "code")
	code, err := strconv.Atoi(cs)
	if !ok || err != nil {
		return nil, errMIParams
	}
	if code < 100 || code >= 700 {
		return nil, errMIBadCode
	}
	reason, ok1 := miStr(p, "reason")
	tid, ok2 := miStr(p, "trans_id")
	toTag, ok3 := miStr(p, "to_tag")
	if !ok1 || !ok2 || !ok3 {
		return nil, errMIParams
	}
	id, ok := parseTransID(tid)
	if !ok {
		return nil, errMIBadTransID
	}
	tx := t.table.byID(id)
	if tx == nil || tx.local != nil {
		return nil, errMITxNotFound
	}
	hdrs, _ := miStr(p, "new_headers")
	body, _ := miStr(p, "body")
	hdrs = unescapeCRLF(hdrs)
	if hdrs != "" && !strings.HasSuffix(hdrs, "\n") {
		hdrs += "\r\n"
	}
	tx.mu.Lock()
	if toTag != "" && tx.toTag == "" {
		tx.toTag = toTag
	}
	err = t.replyLocked(tx, code, reason, hdrs, body)
	tx.mu.Unlock()
	if err != nil {
		return nil, errMIReplyFailed
	}
	return "OK", nil
}

// unescapeCRLF turns the two-character sequences \r and \n of an MI
// string into the control characters (OpenSIPS unescape_crlf).
func unescapeCRLF(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(s)
}

// miUACDlg is t_uac_dlg: it sends a request built from the MI parameters
// and waits for its final reply (OpenSIPS answers asynchronously).
func (t *TM) miUACDlg(ctx context.Context, p api.MIParams) (any, error) {
	method, ok1 := miStr(p, "method")
	ruri, ok2 := miStr(p, "ruri")
	hdrs, ok3 := miStr(p, "headers")
	if !ok1 || !ok2 || !ok3 {
		return nil, errMIParams
	}
	if _, err := sip.ParseURI(ruri); err != nil {
		return nil, &api.MIError{Code: 400, Msg: "Invalid ruri"}
	}
	r := &api.UACRequest{Method: method, RURI: ruri}
	if nh, ok := miStr(p, "next_hop"); ok && nh != "" {
		if _, err := sip.ParseURI(nh); err != nil {
			return nil, &api.MIError{Code: 400, Msg: "Invalid next_hop"}
		}
		r.NextHop = nh
	}
	if s, ok := miStr(p, "socket"); ok && s != "" {
		sock := t.findSocket(s)
		if sock == nil {
			return nil, &api.MIError{Code: 404, Msg: "Local socket not found"}
		}
		r.Socket = sock
	}
	body, _ := miStr(p, "body")
	if err := fillFromHeaders(r, method, unescapeCRLF(hdrs), body); err != nil {
		return nil, err
	}
	done := make(chan *sip.Msg, 1)
	r.OnReply = func(m *sip.Msg, code int) {
		if code >= 200 {
			done <- m
		}
	}
	if err := t.SendRequest(ctx, r); err != nil {
		t.log.Debug("t_uac_dlg failed", "err", err)
		return nil, errMIUACFailed
	}
	wait := time.NewTimer(max(miUACWait, t.sec(t.FrTimeout)+time.Second))
	defer wait.Stop()
	select {
	case m := <-done:
		return miReplyResult(m), nil
	case <-wait.C:
		return nil, &api.MIError{Code: 500, Msg: "MI/UAC timed out"}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// miReplyResult shows a reply as t_uac_dlg does: its status, the remote
// target of a 2xx, and the message from its first header on.
func miReplyResult(m *sip.Msg) map[string]any {
	out := map[string]any{"Status": strconv.Itoa(m.StatusCode()) + " " + m.Reason()}
	if m.StatusCode() >= 200 && m.StatusCode() < 300 {
		if cs, _, err := m.Contacts(); err == nil && len(cs) > 0 {
			out["RURI"] = cs[0].URI
		}
	}
	if fs := m.Fields(); len(fs) > 0 {
		out["Message"] = m.String()[fs[0].Start:]
	}
	return out
}

// fillFromHeaders takes From, To, Call-ID and CSeq out of the MI header
// block and keeps the other lines as extra headers, with OpenSIPS' checks.
func fillFromHeaders(r *api.UACRequest, method, hdrs, body string) error {
	var extra strings.Builder
	hasCT, hasCL := false, false
	for _, line := range strings.Split(strings.ReplaceAll(hdrs, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			return &api.MIError{Code: 400, Msg: "Bad headers"}
		}
		val = strings.TrimSpace(val)
		switch sip.LookupHdr(strings.TrimSpace(name)) {
		case sip.HdrFrom:
			r.From = val
		case sip.HdrTo:
			r.To = val
		case sip.HdrCallID:
			r.CallID = val
		case sip.HdrCSeq:
			f := strings.Fields(val)
			if len(f) != 2 {
				return &api.MIError{Code: 400, Msg: "Bad CSeq number"}
			}
			n, err := strconv.ParseUint(f[0], 10, 32)
			if err != nil {
				return &api.MIError{Code: 400, Msg: "Bad CSeq number"}
			}
			if !strings.EqualFold(f[1], method) {
				return &api.MIError{Code: 400, Msg: "CSeq method mismatch"}
			}
			r.CSeq = uint32(n)
		case sip.HdrContentType:
			hasCT = true
			r.ContentType = val
		case sip.HdrContentLength:
			hasCL = true
		case sip.HdrVia, sip.HdrMaxForwards:
			// tm writes its own.
		default:
			extra.WriteString(strings.TrimRight(line, "\r"))
			extra.WriteString("\r\n")
		}
	}
	switch {
	case body != "" && !hasCT:
		return &api.MIError{Code: 400, Msg: "Content-Type missing"}
	case body != "" && hasCL:
		return &api.MIError{Code: 400, Msg: "Content-Length disallowed"}
	case r.To == "":
		return &api.MIError{Code: 400, Msg: "To missing"}
	case r.From == "":
		return &api.MIError{Code: 400, Msg: "From missing"}
	}
	if _, err := sip.ParseNameAddr(r.From); err != nil {
		return &api.MIError{Code: 400, Msg: "Error in From"}
	}
	r.Headers, r.Body = extra.String(), body
	return nil
}

// findSocket resolves a "proto:host:port" socket name against the
// sockets the Core knows.
func (t *TM) findSocket(s string) *sip.Socket {
	ref := t.core.Load()
	if ref == nil {
		return nil
	}
	want, err := sip.ParseSocket(s)
	if err != nil {
		return nil
	}
	type finder interface {
		FindSocket(proto sip.Proto, host string, port int) *sip.Socket
	}
	if f, ok := ref.c.(finder); ok {
		return f.FindSocket(want.Proto, want.IP, want.Port)
	}
	return nil
}

var _ api.MIExporter = (*TM)(nil)

package tm

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// relayTo is the legacy t_relay_to_*(host, port) / t_forward_nonack*():
// relay to host:port over proto, or as t_relay() without a host.
func (t *TM) relayTo(proto string) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		host := strArg(args, 0)
		if host == "" {
			return t.relay(c, RelayOpts{})
		}
		d := api.Dest{Proto: proto, Host: host}
		if p, err := strconv.Atoi(strArg(args, 1)); err == nil {
			d.Port = p
		}
		return t.relay(c, RelayOpts{Proxy: &d})
	}
}

func strArg(args []any, i int) string {
	if i < len(args) {
		if s, ok := args[i].(string); ok {
			return s
		}
	}
	return ""
}

// relayOpts merges t_relay()'s two slots, fixed or given as variables.
func relayOpts(args []any) RelayOpts {
	var o RelayOpts
	for i := 0; i < 2 && i < len(args); i++ {
		switch v := args[i].(type) {
		case RelayOpts:
			o.Flags |= v.Flags
			if v.Proxy != nil {
				o.Proxy = v.Proxy
			}
		case string:
			s := strings.TrimSpace(v)
			if s == "" {
				continue
			}
			if f, err := parseRelayFlags(s); err == nil {
				o.Flags |= f
			} else if n, ok := api.ParseLegacyInt(s); ok {
				o.Flags |= RelayFlags(n)
			} else if d, err := api.ParseDest(s); err == nil {
				o.Proxy = &d
			}
		}
	}
	return o
}

func (t *TM) fRelay(c *api.Ctx, args []any) api.Ret { return t.relay(c, relayOpts(args)) }

func (t *TM) fNewtran(c *api.Ctx, _ []any) api.Ret {
	if c.Msg != nil && c.Msg.MethodID() == sip.MethodAck {
		if t.matchAck(c.Msg) == ackHopByHop {
			return api.RetStop
		}
		return api.RetTrue
	}
	_, _, ok, err := t.attach(c)
	switch {
	case err != nil:
		return api.RetFalse
	case !ok:
		return api.RetStop
	}
	return api.RetTrue
}

func (t *TM) fRetransmit(c *api.Ctx, _ []any) api.Ret {
	tx := txOf(c)
	if tx == nil && c.Msg != nil {
		if key, err := sip.ServerTxKey(c.Msg); err == nil {
			tx = t.table.lookup(key)
		}
	}
	if tx == nil {
		return api.RetFalse
	}
	tx.retransmit()
	return api.RetTrue
}

// fReply is t_reply(code, reason) and t_reply_with_body(code, reason, body).
func (t *TM) fReply(c *api.Ctx, args []any) api.Ret {
	var code int
	switch v := args[0].(type) {
	case api.ReplyCode:
		code = int(v)
	case int64:
		code = int(v)
	}
	if err := t.reply(c, code, strArg(args, 1), "", strArg(args, 2)); err != nil {
		t.logFor(c).Debug("t_reply failed", "code", code, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

func (t *TM) fCheckTrans(c *api.Ctx, _ []any) api.Ret {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return api.RetFalse
	}
	switch m.MethodID() {
	case sip.MethodAck:
		switch t.matchAck(m) {
		case ackHopByHop:
			return api.RetTrue
		case ackEndToEnd:
			return -2
		}
		return api.RetFalse
	case sip.MethodCancel:
		if key, err := sip.ServerTxKey(m); err == nil {
			if tx := t.table.lookup(key); tx != nil && txOf(c) != tx {
				tx.retransmit()
				return api.RetStop
			}
		}
		if key, err := sip.CancelTargetKey(m); err == nil && t.table.lookup(key) != nil {
			return api.RetTrue
		}
		return api.RetFalse
	}
	if key, err := sip.ServerTxKey(m); err == nil {
		if tx := t.table.lookup(key); tx != nil && txOf(c) != tx {
			tx.retransmit()
			return api.RetStop
		}
	}
	return api.RetFalse
}

// onRoute makes t_on_failure/t_on_reply/t_on_branch: it arms a route for
// the transaction (in a branch route, t_on_reply arms the branch only).
func onRoute(kind api.RouteType) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		ref := RouteRef{Kind: kind}
		switch v := args[0].(type) {
		case RouteRef:
			ref = v
		case string:
			ref.Name = v
		}
		armRoute(c, ref)
		return api.RetTrue
	}
}

func armRoute(c *api.Ctx, ref RouteRef) {
	tx := txOf(c)
	switch ref.Kind {
	case api.FailureRoute:
		c.OnFailure = ref.Name
		if tx != nil {
			unlock := tx.lockFor(c)
			tx.onFailure = ref.Name
			unlock()
		}
	case api.OnReplyRoute:
		c.OnReply = ref.Name
		if tx != nil && c.RouteType != api.BranchRoute {
			unlock := tx.lockFor(c)
			tx.onReply = ref.Name
			unlock()
		}
	case api.BranchRoute:
		c.OnBranch = ref.Name
		if tx != nil {
			unlock := tx.lockFor(c)
			tx.onBranch = ref.Name
			unlock()
		}
	}
}

// logFor returns the logger of a message context.
func (t *TM) logFor(c *api.Ctx) *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return t.log
}

// replyCode is the code t_check_status and $T_reply_code look at: the
// reply being processed (onreply), the winning one (failure), else the
// last one sent upstream.
func replyCode(c *api.Ctx) int {
	if c.RouteType == api.OnReplyRoute && c.Msg != nil && !c.Msg.IsRequest() {
		return c.Msg.StatusCode()
	}
	tx := txOf(c)
	if tx == nil {
		return 0
	}
	unlock := tx.lockFor(c)
	defer unlock()
	if c.RouteType == api.FailureRoute {
		return tx.winCode
	}
	return tx.status
}

func (t *TM) fCheckStatus(c *api.Ctx, args []any) api.Ret {
	re, _ := args[0].(*api.Regex)
	if re == nil {
		return api.RetFalse
	}
	code := replyCode(c)
	if code == 0 {
		return api.RetFalse
	}
	var b [3]byte
	s := strconv.AppendInt(b[:0], int64(code), 10)
	if re.Match(s) {
		return api.RetTrue
	}
	return api.RetFalse
}

func (t *TM) fLocalReplied(c *api.Ctx, args []any) api.Ret {
	sel := RepliedAll
	switch v := args[0].(type) {
	case LocalReplied:
		sel = v
	case string:
		for i, n := range localRepliedNames {
			if strings.EqualFold(v, n) {
				sel = LocalReplied(i)
			}
		}
	}
	tx := txOf(c)
	if tx == nil {
		return api.RetFalse
	}
	unlock := tx.lockFor(c)
	defer unlock()
	var yes bool
	switch sel {
	case RepliedAll:
		yes = tx.status > 0 && !tx.anyRelayed
	case RepliedLast:
		yes = tx.status > 0 && tx.lastLocal
	case RepliedBranch:
		yes = tx.winIdx >= 0 && tx.branches[tx.winIdx].local
	}
	if yes {
		return api.RetTrue
	}
	return api.RetFalse
}

func (t *TM) fWasCancelled(c *api.Ctx, _ []any) api.Ret {
	tx := txOf(c)
	if tx == nil {
		return api.RetFalse
	}
	unlock := tx.lockFor(c)
	defer unlock()
	if tx.cancelled {
		return api.RetTrue
	}
	return api.RetFalse
}

func (t *TM) fFlushFlags(c *api.Ctx, _ []any) api.Ret {
	tx := txOf(c)
	if tx == nil {
		return api.RetFalse
	}
	unlock := tx.lockFor(c)
	tx.flags = c.Flags
	unlock()
	return api.RetTrue
}

func (t *TM) fAddHdrs(c *api.Ctx, args []any) api.Ret {
	tx := txOf(c)
	if tx == nil {
		var ok bool
		var err error
		if tx, _, ok, err = t.attach(c); err != nil || !ok {
			return api.RetFalse
		}
	}
	h := strArg(args, 0)
	if h != "" && !strings.HasSuffix(h, "\n") {
		h += "\r\n"
	}
	unlock := tx.lockFor(c)
	tx.addHdrs = h
	unlock()
	return api.RetTrue
}

// fReplicate is t_replicate(uri[, flags]): the request goes statefully to
// uri; the replies are not relayed upstream.
func (t *TM) fReplicate(c *api.Ctx, args []any) api.Ret {
	uri := strArg(args, 0)
	if uri == "" {
		return relayNoDest
	}
	tx, _, ok, err := t.attach(c)
	if err != nil {
		return relayBadMsg
	}
	if !ok {
		return api.RetStop
	}
	unlock := tx.lockFor(c)
	defer unlock()
	tx.replicate = true
	tg := target{uri: uri, q: -1}
	if rc := t.sendBranch(c, tx, &tg); rc != relayOK {
		if rc == 0 {
			return relayNoDest
		}
		return rc
	}
	if tx.status < 200 {
		tx.deleteAt = time.Time{}
	}
	tx.schedule()
	return relayOK
}

// fCancelBranch is t_cancel_branch([flags]) in an onreply route.
func (t *TM) fCancelBranch(c *api.Ctx, args []any) api.Ret {
	tx := txOf(c)
	if tx == nil {
		return api.RetFalse
	}
	var which CancelBranch
	if len(args) > 0 {
		switch v := args[0].(type) {
		case CancelBranch:
			which = v
		case string:
			for _, ch := range v {
				switch ch {
				case 'a', 'A':
					which |= CancelAll
				case 'o', 'O':
					which |= CancelOthers
				}
			}
		}
	}
	unlock := tx.lockFor(c)
	defer unlock()
	t.cancelBranches(tx, c.BranchIdx, which)
	tx.schedule()
	return api.RetTrue
}

// fAddCancelReason is t_add_cancel_reason(hdr): the Reason header (a full
// line) of the CANCELs that relaying this CANCEL generates.
func (t *TM) fAddCancelReason(c *api.Ctx, args []any) api.Ret {
	r := strArg(args, 0)
	if r == "" || c.Msg == nil {
		return api.RetFalse
	}
	if !strings.HasSuffix(r, "\n") {
		r += "\r\n"
	}
	c.SetSlot(cancelReasonKey{}, r)
	return api.RetTrue
}

// fReplyByCallID is t_reply_by_callid(code, reason[, callid[, cseq]]): a
// reply on the pending INVITE transaction with this Call-ID and CSeq
// number, by default those of the current request. -2 no Call-ID, -3 no
// CSeq, -4 no such transaction, -1 the reply failed.
func (t *TM) fReplyByCallID(c *api.Ctx, args []any) api.Ret {
	code := replyCodeArg(args[0])
	callid := strArg(args, 2)
	if callid == "" && c.Msg != nil {
		callid = c.Msg.CallID()
	}
	if callid == "" {
		return -2
	}
	var cseq uint32
	if s := strings.TrimSpace(strArg(args, 3)); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return -3
		}
		cseq = uint32(n)
	} else if c.Msg != nil {
		n, _, err := c.Msg.CSeq()
		if err != nil {
			return -3
		}
		cseq = n
	} else {
		return -3
	}
	tx := t.lookupCallID(callid, cseq)
	if tx == nil {
		return -4
	}
	unlock := tx.lockFor(c)
	defer unlock()
	if err := t.replyLocked(tx, code, strArg(args, 1), "", ""); err != nil {
		t.logFor(c).Debug("t_reply_by_callid failed", "code", code, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// replyCodeArg reads a reply-code argument (fixed or evaluated).
func replyCodeArg(a any) int {
	switch v := a.(type) {
	case api.ReplyCode:
		return int(v)
	case int64:
		return int(v)
	case int:
		return v
	}
	return 0
}

// fBranchIdxByAttr is t_get_branch_idx_by_attr(attr[, val_str[, val_int[,
// result[, offset]]]]): the index of the first branch, from offset on,
// whose attribute attr ($tm.branch.attr) exists and, when a value is
// given, equals it (a string value is compared as a string, an integer as
// an integer). -2 outside a transaction.
func (t *TM) fBranchIdxByAttr(c *api.Ctx, args []any) api.Ret {
	tx := txOf(c)
	if tx == nil {
		return -2
	}
	attr := strArg(args, 0)
	valS, hasS := args[1].(string)
	valI, hasI := args[2].(int64)
	start := 0
	if n, ok := args[4].(int64); ok && n > 0 {
		start = int(n)
	}
	unlock := tx.lockFor(c)
	idx := -1
	for i := start; i < len(tx.branches) && idx < 0; i++ {
		v, ok := tx.branches[i].attrs[attr]
		switch {
		case !ok:
		case hasS:
			if v.IsStr() && v.S == valS {
				idx = i
			}
		case hasI:
			if v.IsInt() && v.I == valI {
				idx = i
			}
		default:
			idx = i
		}
	}
	unlock()
	if idx < 0 {
		return api.RetFalse
	}
	if res, ok := args[3].(api.PVRef); ok {
		if err := res.Set(c, api.IntValue(int64(idx))); err != nil {
			return api.RetFalse
		}
	}
	return api.RetTrue
}

package acc

import (
	"errors"
	"strconv"
	"time"

	"gosips/api"
	"gosips/sip"
)

var errNoDB = errors.New("acc: no database (db_url is not set)")

// acc's functions may run where a request is at hand.
const reqRoutes = api.RequestRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute

// Funcs lists acc's script functions (OpenSIPS 3.6 acc_mod.c).
func (m *Acc) Funcs() []api.Func {
	comment := api.Arg{Name: "comment", Type: api.ArgStr}
	types := api.Arg{Name: "type", Type: api.ArgStr, Fixup: m.typesFixup}
	flags := api.Arg{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: m.flagsFixup}
	return []api.Func{
		{Name: "acc_log_request", Routes: reqRoutes, Args: []api.Arg{comment}, Call: m.accLogRequest,
			Returns: "1 reported, -1 error"},
		{Name: "acc_db_request", Routes: reqRoutes, Args: []api.Arg{comment, {Name: "table", Type: api.ArgStr, Fixup: m.tableFixup}},
			Call: m.accDBRequest, Returns: "1 reported, -1 error"},
		// No AAA module in gosips.
		{Name: "acc_aaa_request", Routes: reqRoutes, Args: []api.Arg{comment}},
		{Name: "acc_evi_request", Routes: reqRoutes, Args: []api.Arg{comment}, Call: m.accEviRequest,
			Returns: "1 reported, -1 error"},
		{Name: "do_accounting", Routes: reqRoutes,
			Args: []api.Arg{types, flags, {Name: "table", Type: api.ArgStr, Optional: true}},
			Call: m.doAccounting, Returns: "1 (accounting armed), -1 error"},
		{Name: "drop_accounting", Routes: reqRoutes,
			Args: []api.Arg{{Name: "type", Type: api.ArgStr, Optional: true, Fixup: m.typesFixup}, flags},
			Call: m.dropAccounting, Returns: "1, -1 when do_accounting() was not used"},
		{Name: "acc_new_leg", Routes: reqRoutes, Call: m.newLeg, Returns: "1, -1 error"},
		{Name: "acc_load_ctx_from_dlg", Routes: api.AllRoutes, Call: m.loadFromDialog,
			Returns: "1, -1 when there is no dialog context or one is loaded already"},
		{Name: "acc_unload_ctx_from_dlg", Routes: api.AllRoutes, Call: m.unloadFromDialog,
			Returns: "1, -1 when nothing is loaded"},
	}
}

// tableFixup checks that a database is configured for acc_db_request().
func (m *Acc) tableFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if m.dburl == "" {
		return &api.HintError{Err: errNoDB, Hint: `set modparam("acc", "db_url", "...") or db_default_url`}
	}
	return nil
}

// request returns the request of c (the message in request, branch and
// local routes, the transaction's request in failure routes).
func request(c *api.Ctx) *sip.Msg {
	if c.Msg != nil && c.Msg.IsRequest() {
		return c.Msg
	}
	return c.Req
}

func (m *Acc) accLogRequest(c *api.Ctx, args []any) api.Ret {
	req := request(c)
	if req == nil {
		return api.RetFalse
	}
	code, reason := commentRecord(args[0].(string))
	r := newRecord(req, req.ToTag(), code, reason, time.Now())
	r.swapIf(upstream(c))
	m.logRequest(textRequest, r, m.fetch(c, false))
	return api.RetTrue
}

func (m *Acc) accDBRequest(c *api.Ctx, args []any) api.Ret {
	req := request(c)
	if req == nil {
		return api.RetFalse
	}
	table, _ := args[1].(string)
	if m.conn == nil || table == "" {
		m.log.Error("acc_db_request: database not configured")
		return api.RetFalse
	}
	code, reason := commentRecord(args[0].(string))
	r := newRecord(req, req.ToTag(), code, reason, time.Now())
	r.swapIf(upstream(c))
	if err := m.write(m.requestRow(table, r, m.fetch(c, false), table == m.TableMissed)); err != nil {
		return api.RetFalse
	}
	return api.RetTrue
}

func (m *Acc) doAccounting(c *api.Ctx, args []any) api.Ret {
	req := request(c)
	if req == nil {
		return api.RetFalse
	}
	if req.MethodID() == sip.MethodCancel && m.ReportCancels == 0 {
		m.log.Warn("do_accounting() called on CANCEL but 'report_cancels' modparam not set - no accounting will be done for this transaction")
		return api.RetTrue
	}
	types, _, err := argMask(args[0], m.parseTypes)
	if err != nil {
		m.log.Error("do_accounting: " + err.Error())
		return api.RetFalse
	}
	flags, _, err := argMask(args[1], m.parseFlags)
	if err != nil {
		m.log.Error("do_accounting: " + err.Error())
		return api.RetFalse
	}
	table, _ := args[2].(string)
	mask := setMask(types, flags)

	x := m.fetch(c, true)
	x.mu.Lock()
	if on(mask, beDB, fAcc) && (table != "" || x.table == "") {
		if table == "" {
			table = m.TableAcc
		}
		x.table = table
	}
	startCDR := anyOn(mask, fCDR) && !anyOn(x.flags, fCDR) && req.ToTag() == ""
	x.flags |= mask
	hook := !x.hooked
	x.hooked = true
	if startCDR {
		x.created = time.Now()
	}
	x.mu.Unlock()

	if startCDR && req.MethodID() == sip.MethodInvite && m.dlg != nil {
		d, err := m.dlg.Create(c, "")
		if err != nil || d == nil {
			m.log.Error("cannot use dialog accounting module", "err", err)
			return api.RetFalse
		}
		x.mu.Lock()
		x.dlg = d
		x.mu.Unlock()
		d.SetAttr(dlgKey{}, x)
	}
	if m.rr != nil {
		if up, ok := m.rr.Direction(c); ok && up {
			c.SetSlot(upstreamKey{}, true)
		}
	}
	if hook && !m.hooks.HookTx(c, m.txHook(x)) {
		m.log.Error("cannot register additional callbacks")
		return api.RetFalse
	}
	return api.RetTrue
}

func (m *Acc) dropAccounting(c *api.Ctx, args []any) api.Ret {
	x := m.fetch(c, false)
	if x == nil {
		m.log.Error("do_accounting() not used! This function resets flags in do_accounting()!")
		return api.RetFalse
	}
	types, _, err := argMask(args[0], m.parseTypes)
	if err != nil {
		m.log.Error("drop_accounting: " + err.Error())
		return api.RetFalse
	}
	flags, have, err := argMask(args[1], m.parseFlags)
	if err != nil {
		m.log.Error("drop_accounting: " + err.Error())
		return api.RetFalse
	}
	x.mu.Lock()
	x.flags = resetMask(types, flags, have, x.flags)
	x.mu.Unlock()
	return api.RetTrue
}

func (m *Acc) newLeg(c *api.Ctx, _ []any) api.Ret {
	x := m.fetch(c, true)
	if len(m.leg.tags) == 0 {
		return api.RetTrue
	}
	x.mu.Lock()
	x.legs = append(x.legs, make([]string, len(m.leg.tags)))
	x.mu.Unlock()
	return api.RetTrue
}

// stashKey keys, in the message's slots, the context
// acc_load_ctx_from_dlg() replaced.
type stashKey struct{}

type stash struct{ prev *accCtx }

func (m *Acc) loadFromDialog(c *api.Ctx, _ []any) api.Ret {
	if c.Slot(stashKey{}) != nil || m.dlg == nil {
		return api.RetFalse
	}
	d := m.dlg.Current(c)
	if d == nil {
		return api.RetFalse
	}
	x, ok := d.Attr(dlgKey{}).(*accCtx)
	if !ok {
		return api.RetFalse
	}
	prev, _ := c.Slot(slotKey{}).(*accCtx)
	c.SetSlot(stashKey{}, &stash{prev: prev})
	c.SetSlot(slotKey{}, x)
	return api.RetTrue
}

func (m *Acc) unloadFromDialog(c *api.Ctx, _ []any) api.Ret {
	s, ok := c.Slot(stashKey{}).(*stash)
	if !ok {
		return api.RetFalse
	}
	c.SetSlot(stashKey{}, nil)
	if s.prev == nil {
		delete(c.Slots, slotKey{})
	} else {
		c.SetSlot(slotKey{}, s.prev)
	}
	return api.RetTrue
}

// codeText formats a status code for the reports.
func codeText(code int) string {
	if code <= 0 {
		return ""
	}
	return strconv.Itoa(code)
}

// upstreamKey marks, in a request's slots, a sequential request that
// detect_direction found flowing from the callee to the caller.
type upstreamKey struct{}

func upstream(c *api.Ctx) bool {
	up, _ := c.Slot(upstreamKey{}).(bool)
	return up
}

package dialog

import (
	"fmt"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// Funcs lists dialog's script functions (OpenSIPS 3.6 dialog.c).
func (m *Module) Funcs() []api.Func {
	rfob := api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute
	rfobl := rfob | api.LocalRoute
	str := func(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgStr} }
	optStr := func(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgStr, Optional: true} }
	outVar := func(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgVar, Writable: true} }
	flagArg := api.Arg{Name: "flag", Type: api.ArgStr, Static: true, Fixup: m.flagFixup}
	routeArg := api.Arg{Name: "route_name", Type: api.ArgStr, Optional: true, Static: true, Fixup: routeFixup}
	return []api.Func{
		{Name: "create_dialog", Routes: api.RequestRoute, Call: m.fCreate,
			Args:    []api.Arg{{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: flagsFixup}},
			Returns: "1 created (or already there), -1 error"},
		{Name: "match_dialog", Routes: api.RequestRoute, Call: m.fMatch,
			Args:    []api.Arg{{Name: "dlg_match_mode", Type: api.ArgStr, Optional: true, Static: true, Fixup: matchModeFixup}},
			Returns: "1 the request belongs to a dialog, -1 not"},
		{Name: "validate_dialog", Routes: api.RequestRoute, Call: m.fValidate,
			Returns: "1 valid; -1 bad CSeq, -2 bad remote target, -3 bad route set, -4 no dialog or error"},
		{Name: "fix_route_dialog", Routes: api.RequestRoute, Call: m.fFixRoute, Returns: "1 ok, -1 no dialog"},
		{Name: "get_dialog_info", Routes: api.AllRoutes, Call: m.fGetInfo,
			Args:    []api.Arg{str("attr"), outVar("avp"), str("key"), {Name: "key_val", Type: api.ArgStr}, outVar("no_dlgs")},
			Returns: "1 found, -1 none"},
		{Name: "get_dialog_vals", Routes: api.AllRoutes, Call: m.fGetVals,
			Args:    []api.Arg{outVar("names"), outVar("vals"), str("callid")},
			Returns: "1 found, -1 no such dialog"},
		{Name: "get_dialogs_by_val", Routes: api.AllRoutes, Call: m.fByVal,
			Args:    []api.Arg{str("name"), {Name: "value", Type: api.ArgStr}, outVar("out_avp"), outVar("out_dlg_no")},
			Returns: "1 found, -1 none"},
		{Name: "get_dialogs_by_profile", Routes: api.AllRoutes, Call: m.fByProfile,
			Args:    []api.Arg{str("name"), optStr("value"), outVar("out_avp"), outVar("out_dlg_no")},
			Returns: "1 found, -1 none"},
		{Name: "load_dialog_ctx", Routes: api.AllRoutes, Call: m.fLoadCtx,
			Args:    []api.Arg{str("dialog"), {Name: "id_type", Type: api.ArgStr, Optional: true, Static: true, Fixup: idTypeFixup}},
			Returns: "1 loaded, -1 no such dialog"},
		{Name: "unload_dialog_ctx", Routes: api.AllRoutes, Call: m.fUnloadCtx, Returns: "1"},
		{Name: "set_dlg_profile", Routes: rfob, Call: m.fSetProfile,
			Args:    []api.Arg{{Name: "profile", Type: api.ArgStr, Fixup: m.profileFixup}, optStr("value"), {Name: "clear_values", Type: api.ArgInt, Optional: true}},
			Returns: "1 ok, -1 no dialog or error"},
		{Name: "unset_dlg_profile", Routes: rfob, Call: m.fUnsetProfile,
			Args:    []api.Arg{{Name: "profile", Type: api.ArgStr, Fixup: m.profileFixup}, optStr("value")},
			Returns: "1 ok, -1 not in profile"},
		{Name: "is_in_profile", Routes: rfob, Call: m.fInProfile,
			Args:    []api.Arg{{Name: "profile", Type: api.ArgStr, Fixup: m.profileFixup}, optStr("value")},
			Returns: "1 in profile, -1 not"},
		{Name: "get_profile_size", Routes: api.AllRoutes, Call: m.fProfileSize,
			Args:    []api.Arg{{Name: "profile", Type: api.ArgStr, Fixup: m.profileFixup}, optStr("value"), outVar("size")},
			Returns: "1 ok, -1 unknown profile"},
		{Name: "set_dlg_flag", Routes: rfobl, Call: m.fSetFlag, Args: []api.Arg{flagArg}, Returns: "1 ok, -1 no dialog"},
		{Name: "test_and_set_dlg_flag", Routes: rfobl, Call: m.fTestAndSetFlag,
			Args: []api.Arg{flagArg, {Name: "value", Type: api.ArgInt}}, Returns: "1 the flag had value and was flipped, -1 not"},
		{Name: "reset_dlg_flag", Routes: rfobl, Call: m.fResetFlag, Args: []api.Arg{flagArg}, Returns: "1 ok, -1 no dialog"},
		{Name: "is_dlg_flag_set", Routes: rfobl, Call: m.fIsFlagSet, Args: []api.Arg{flagArg}, Returns: "1 set, -1 not"},
		{Name: "store_dlg_value", Routes: rfobl, Call: m.fStoreValue,
			Args: []api.Arg{str("name"), {Name: "val", Type: api.ArgStr}}, Returns: "1 ok, -1 no dialog"},
		{Name: "fetch_dlg_value", Routes: rfobl, Call: m.fFetchValue,
			Args: []api.Arg{str("name"), outVar("val")}, Returns: "1 found, -1 not"},
		{Name: "set_dlg_sharing_tag", Routes: api.RequestRoute, Args: []api.Arg{str("tag_name")}},
		{Name: "dlg_on_timeout", Routes: rfob, Call: m.onRouteSetter(func(d *dlg) *string { return &d.onTimeout }), Args: []api.Arg{routeArg}},
		{Name: "dlg_on_answer", Routes: rfob, Call: m.onRouteSetter(func(d *dlg) *string { return &d.onAnswer }), Args: []api.Arg{routeArg}},
		{Name: "dlg_on_hangup", Routes: rfob, Call: m.onRouteSetter(func(d *dlg) *string { return &d.onHangup }), Args: []api.Arg{routeArg}},
		{Name: "dlg_send_sequential", Routes: api.AllRoutes, Call: m.fSendSequential,
			Args: []api.Arg{str("method"), {Name: "leg", Type: api.ArgStr, Static: true, Fixup: legFixup},
				optStr("body"), optStr("content_type"), optStr("headers")},
			Returns: "1 sent, -1 error"},
		{Name: "dlg_inc_cseq", Routes: rfobl, Call: m.fIncCSeq,
			Args:    []api.Arg{optStr("tag"), {Name: "inc", Type: api.ArgInt, Optional: true}},
			Returns: "1 raised, -1 no callee leg with that tag, -2 no dialog"},
	}
}

func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}

func strArg(args []any, i int) (string, bool) {
	if i >= len(args) || args[i] == nil {
		return "", false
	}
	s, ok := args[i].(string)
	return s, ok
}

func flagsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	f, err := createFlags(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = f
	return nil
}

func (m *Module) fCreate(c *api.Ctx, args []any) api.Ret {
	var flags uint32
	switch v := args[0].(type) {
	case uint32:
		flags = v
	case string:
		f, err := createFlags(v)
		if err != nil {
			c.Log.Error("create_dialog", "err", err)
			return api.RetFalse
		}
		flags = f
	}
	if _, err := m.create(c, flags); err != nil {
		c.Log.Debug("create_dialog", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

func matchModeFixup(_ *api.FixupCtx, a *api.FixArg) error {
	switch strings.ToUpper(strings.TrimSpace(a.Str)) {
	case "DID_ONLY":
		a.Fixed = matchDIDOnly
	case "DID_FALLBACK":
		a.Fixed = matchDIDFallback
	case "DID_NONE":
		a.Fixed = matchDIDNone
	default:
		return fmt.Errorf("unknown match mode %q (expected DID_ONLY, DID_FALLBACK or DID_NONE)", a.Str)
	}
	return nil
}

func (m *Module) fMatch(c *api.Ctx, args []any) api.Ret {
	mode := m.MatchMode
	if v, ok := args[0].(int); ok {
		mode = v
	}
	return ret(m.matchFn(c, mode) != nil)
}

// destLeg is the side a sequential request goes to.
func destLeg(dir api.DialogDir) api.DialogLegID {
	if dir == api.DlgDirUpstream {
		return api.DlgCaller
	}
	return api.DlgCallee
}

// fValidate is validate_dialog(): the CSeq must grow, the R-URI must be
// the destination's Contact and the Route headers left its route set.
func (m *Module) fValidate(c *api.Ctx, _ []any) api.Ret {
	cu, ok := c.Slot(curKey{}).(*current)
	if !ok || cu.d == nil || c.Msg == nil || !c.Msg.IsRequest() {
		return -4
	}
	d, req := cu.d, c.Msg
	n, _, err := req.CSeq()
	if err != nil {
		return -4
	}
	d.mu.Lock()
	dst := d.legs[destLeg(cu.dir)]
	d.mu.Unlock()
	if meth := req.MethodID(); meth != sip.MethodAck && meth != sip.MethodCancel && cu.prevCSeq > 0 && n <= cu.prevCSeq {
		return -1
	}
	if dst.contact != "" && !sameURI(req.RURI(), dst.contact) {
		return -2
	}
	all, err := req.Routes()
	if err != nil {
		return -4
	}
	// Our own entries (still in the parsed view after loose_route()
	// removed them) are not part of the destination's route set.
	var rts []string
	for _, r := range all {
		if u, err := sip.ParseURI(r.URI); err == nil && c.Core != nil {
			port := u.Port
			if port == 0 {
				port = 5060
			}
			if c.Core.IsMyself(u.HostNoBrackets(), port) {
				continue
			}
		}
		rts = append(rts, r.URI)
	}
	if len(rts) != len(dst.routeSet) {
		return -3
	}
	for i, r := range rts {
		if !sameURI(r, strings.Trim(dst.routeSet[i], "<>")) {
			return -3
		}
	}
	return api.RetTrue
}

func sameURI(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }

func (m *Module) fFixRoute(c *api.Ctx, _ []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	return ret(m.FixRoute(c, d) == nil)
}

// FixRoute implements api.DialogAPI: the R-URI becomes the destination's
// Contact, the Route headers its route set and $du the first route.
func (m *Module) FixRoute(c *api.Ctx, di api.Dialog) error {
	d, ok := di.(*dlg)
	if !ok || d == nil || c.Msg == nil || !c.Msg.IsRequest() {
		return fmt.Errorf("fix_route_dialog: no dialog or not a request")
	}
	dir := api.DlgDirDownstream
	if cu, ok := c.Slot(curKey{}).(*current); ok && cu.d == d {
		dir = cu.dir
	} else if dd, ok := d.matchTags(c.Msg.FromTag(), c.Msg.ToTag()); ok && dd != api.DlgDirNone {
		dir = dd
	}
	d.mu.Lock()
	dst := d.legs[destLeg(dir)]
	d.mu.Unlock()
	if dst.contact != "" {
		c.Msg.SetRURI(dst.contact)
	}
	c.Msg.RemoveHeader("Route")
	if len(dst.routeSet) > 0 {
		c.Msg.InsertHeader("Route", strings.Join(dst.routeSet, ", "))
		c.DstURI = strings.Trim(dst.routeSet[0], "<>")
	} else {
		c.DstURI = ""
	}
	return nil
}

// dialogsWithValue lists the live dialogs whose value name equals val.
func (m *Module) dialogsWithValue(name, val string) []*dlg {
	var out []*dlg
	for _, d := range m.tab.all() {
		if v, ok := d.Value(name); ok && valueString(v) == val && d.State() != api.DlgStateDeleted {
			out = append(out, d)
		}
	}
	return out
}

func valueString(v api.Value) string {
	if v.IsStr() {
		return v.S
	}
	if v.IsInt() {
		return fmt.Sprint(v.I)
	}
	return ""
}

func setVar(c *api.Ctx, a any, v api.Value) {
	if ref, ok := a.(api.PVRef); ok {
		if err := ref.Set(c, v); err != nil {
			c.Log.Debug("dialog: cannot set variable", "var", ref.Name(), "err", err)
		}
	}
}

func (m *Module) fGetInfo(c *api.Ctx, args []any) api.Ret {
	attr, _ := strArg(args, 0)
	key, _ := strArg(args, 2)
	kv, _ := strArg(args, 3)
	ds := m.dialogsWithValue(key, kv)
	for _, d := range ds {
		if v, ok := d.Value(attr); ok {
			setVar(c, args[1], v)
		}
	}
	setVar(c, args[4], api.IntValue(int64(len(ds))))
	return ret(len(ds) > 0)
}

func (m *Module) fGetVals(c *api.Ctx, args []any) api.Ret {
	callID, _ := strArg(args, 2)
	d, _ := m.tab.byCallID(callID, "", "")
	if d == nil {
		return api.RetFalse
	}
	d.mu.Lock()
	vals := d.copyVals()
	d.mu.Unlock()
	// AVPs are stacks: push in reverse so that index 0 is the first value.
	for i := len(vals) - 1; i >= 0; i-- {
		setVar(c, args[0], api.StrValue(vals[i].name))
		setVar(c, args[1], vals[i].v)
	}
	return api.RetTrue
}

func (m *Module) pushJSONs(c *api.Ctx, ds []*dlg, out, no any) api.Ret {
	for i := len(ds) - 1; i >= 0; i-- {
		setVar(c, out, api.StrValue(m.dialogJSON(ds[i], true)))
	}
	setVar(c, no, api.IntValue(int64(len(ds))))
	return ret(len(ds) > 0)
}

func (m *Module) fByVal(c *api.Ctx, args []any) api.Ret {
	name, _ := strArg(args, 0)
	val, _ := strArg(args, 1)
	return m.pushJSONs(c, m.dialogsWithValue(name, val), args[2], args[3])
}

func (m *Module) fByProfile(c *api.Ctx, args []any) api.Ret {
	name, _ := strArg(args, 0)
	val, given := strArg(args, 1)
	p := m.profs.get(name)
	if p == nil {
		return api.RetFalse
	}
	return m.pushJSONs(c, p.dialogs(val, !given || val == ""), args[2], args[3])
}

func idTypeFixup(_ *api.FixupCtx, a *api.FixArg) error {
	switch strings.ToLower(a.Str) {
	case "callid", "did":
		a.Fixed = strings.ToLower(a.Str)
		return nil
	}
	return fmt.Errorf("unknown id type %q (expected callid or did)", a.Str)
}

// fLoadCtx is load_dialog_ctx(dialog[, id_type]): the dialog becomes the
// current one of this message (by Call-ID or did).
func (m *Module) fLoadCtx(c *api.Ctx, args []any) api.Ret {
	id, _ := strArg(args, 0)
	typ, _ := strArg(args, 1)
	var d *dlg
	if typ != "callid" {
		if x, ok := m.ByDID(id).(*dlg); ok {
			d = x
		}
	}
	if d == nil && typ != "did" {
		d, _ = m.tab.byCallID(id, "", "")
	}
	if d == nil {
		return api.RetFalse
	}
	setCurrent(c, d, api.DlgDirNone)
	return api.RetTrue
}

func (m *Module) fUnloadCtx(c *api.Ctx, _ []any) api.Ret {
	if c.Slots != nil {
		delete(c.Slots, curKey{})
	}
	return api.RetTrue
}

// profileFixup checks a literal profile name.
func (m *Module) profileFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if _, ok := m.HasProfile(a.Str); !ok {
		for _, p := range m.profileDefs {
			if p.name == a.Str {
				return nil
			}
		}
		return fmt.Errorf("dialog profile %q is not defined (declare it with modparam(\"dialog\", \"profiles_with_value\"|\"profiles_no_value\", ...))", a.Str)
	}
	return nil
}

func (m *Module) fSetProfile(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		c.Log.Error("set_dlg_profile: no dialog (call create_dialog() first)")
		return api.RetFalse
	}
	name, _ := strArg(args, 0)
	val, _ := strArg(args, 1)
	clear := false
	if n, ok := args[2].(int64); ok && n != 0 {
		clear = true
	}
	if err := m.setProfile(d, name, val, clear); err != nil {
		c.Log.Error("set_dlg_profile", "err", err)
		return api.RetFalse
	}
	m.dbUpdate(d)
	return api.RetTrue
}

func (m *Module) fUnsetProfile(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	name, _ := strArg(args, 0)
	val, _ := strArg(args, 1)
	if err := m.UnsetProfile(d, name, val); err != nil {
		c.Log.Debug("unset_dlg_profile", "err", err)
		return api.RetFalse
	}
	m.dbUpdate(d)
	return api.RetTrue
}

func (m *Module) fInProfile(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	name, _ := strArg(args, 0)
	val, _ := strArg(args, 1)
	return ret(m.InProfile(d, name, val))
}

func (m *Module) fProfileSize(c *api.Ctx, args []any) api.Ret {
	name, _ := strArg(args, 0)
	val, _ := strArg(args, 1)
	n, err := m.ProfileSize(name, val)
	if err != nil {
		c.Log.Error("get_profile_size", "err", err)
		return api.RetFalse
	}
	setVar(c, args[2], api.IntValue(int64(n)))
	return api.RetTrue
}

// flagFixup turns a dialog flag name (or number 0-31) into its bit.
func (m *Module) flagFixup(_ *api.FixupCtx, a *api.FixArg) error {
	bit, err := m.flagBit(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = bit
	return nil
}

func (m *Module) flagBit(name string) (uint32, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, fmt.Errorf("empty dialog flag name")
	}
	var n int
	if _, err := fmt.Sscanf(name, "%d", &n); err == nil && fmt.Sprint(n) == name {
		if n < 0 || n > 31 {
			return 0, fmt.Errorf("dialog flag %d out of range 0-31", n)
		}
		return 1 << n, nil
	}
	m.flagMu.Lock()
	defer m.flagMu.Unlock()
	if b, ok := m.flagNames[name]; ok {
		return b, nil
	}
	if len(m.flagNames) >= 32 {
		return 0, fmt.Errorf("too many dialog flag names (at most 32)")
	}
	b := uint32(1) << len(m.flagNames)
	m.flagNames[name] = b
	return b, nil
}

// flagNameList prints script flags as "NAME NAME" (dlg_list's
// user_flags).
func (m *Module) flagNameList(f uint32) string {
	if f == 0 {
		return ""
	}
	m.flagMu.Lock()
	defer m.flagMu.Unlock()
	var out []string
	for i := range 32 {
		b := uint32(1) << i
		if f&b == 0 {
			continue
		}
		name := fmt.Sprint(i)
		for n, nb := range m.flagNames {
			if nb == b {
				name = n
			}
		}
		out = append(out, name)
	}
	return strings.Join(out, " ")
}

func flagArgBit(m *Module, a any) uint32 {
	switch v := a.(type) {
	case uint32:
		return v
	case string:
		b, _ := m.flagBit(v)
		return b
	}
	return 0
}

func (m *Module) fSetFlag(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	d.mu.Lock()
	d.sflags |= flagArgBit(m, args[0])
	d.markChanged()
	d.mu.Unlock()
	m.dbUpdate(d)
	return api.RetTrue
}

func (m *Module) fResetFlag(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	d.mu.Lock()
	d.sflags &^= flagArgBit(m, args[0])
	d.markChanged()
	d.mu.Unlock()
	m.dbUpdate(d)
	return api.RetTrue
}

func (m *Module) fIsFlagSet(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	return ret(d.ScriptFlags()&flagArgBit(m, args[0]) != 0)
}

// fIncCSeq is dlg_inc_cseq([tag], [inc]): the requests later relayed to
// the callee leg with that tag (the message's To tag by default) get
// their CSeq raised by inc more (1 by default; negative lowers), and the
// replies lowered back: for a script that sends a request of its own in
// the dialog (an authenticated retry).
func (m *Module) fIncCSeq(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return -2
	}
	tag := api.StrArg(args[0])
	if args[0] == nil && c.Msg != nil {
		tag = c.Msg.ToTag()
	}
	inc := int64(1)
	if v, ok := api.IntArg(args[1]); ok {
		inc = v
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	l := &d.legs[api.DlgCallee]
	if l.tag == "" || l.tag != tag {
		m.log.Error("dlg_inc_cseq: no callee leg with that tag", "tag", tag, "callid", d.callID)
		return api.RetFalse
	}
	n := int64(l.injected) + inc
	if n < 0 {
		n = 0
	}
	l.injected = uint32(n)
	d.dirty = true
	return api.RetTrue
}

func (m *Module) fTestAndSetFlag(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	bit := flagArgBit(m, args[0])
	want, _ := args[1].(int64)
	d.mu.Lock()
	set := d.sflags&bit != 0
	ok := set == (want != 0)
	if ok {
		d.sflags ^= bit
		d.markChanged()
	}
	d.mu.Unlock()
	if ok {
		m.dbUpdate(d)
	}
	return ret(ok)
}

func (m *Module) fStoreValue(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	name, _ := strArg(args, 0)
	val, _ := strArg(args, 1)
	d.SetValue(name, api.StrValue(val))
	return api.RetTrue
}

func (m *Module) fFetchValue(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil {
		return api.RetFalse
	}
	name, _ := strArg(args, 0)
	v, ok := d.Value(name)
	if !ok {
		return api.RetFalse
	}
	setVar(c, args[1], v)
	return api.RetTrue
}

func routeFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Str != "" && fc.Route != nil && !fc.Route(api.RequestRoute, a.Str) {
		return fmt.Errorf("route %q is not defined", a.Str)
	}
	return nil
}

// onRouteSetter makes dlg_on_timeout/answer/hangup: arm (or, without
// argument, disarm) a route for the current dialog.
func (m *Module) onRouteSetter(field func(d *dlg) *string) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		d, _ := m.cur(c)
		if d == nil {
			return api.RetFalse
		}
		name, _ := strArg(args, 0)
		d.mu.Lock()
		*field(d) = name
		d.mu.Unlock()
		m.learnCore(c)
		return api.RetTrue
	}
}

func legFixup(_ *api.FixupCtx, a *api.FixArg) error {
	switch strings.ToLower(a.Str) {
	case "caller":
		a.Fixed = api.DlgCaller
	case "callee":
		a.Fixed = api.DlgCallee
	case "challenger":
		return fmt.Errorf(`dlg_send_sequential leg "challenger" is not implemented in gosips`)
	default:
		return fmt.Errorf("unknown leg %q (expected caller or callee)", a.Str)
	}
	return nil
}

// fSendSequential is dlg_send_sequential(method, leg[, body[, ct[, hdrs]]]).
func (m *Module) fSendSequential(c *api.Ctx, args []any) api.Ret {
	d, _ := m.cur(c)
	if d == nil || m.uac == nil {
		return api.RetFalse
	}
	method, _ := strArg(args, 0)
	to, ok := args[1].(api.DialogLegID)
	if !ok {
		s, _ := strArg(args, 1)
		to = api.DlgCaller
		if strings.EqualFold(s, "callee") {
			to = api.DlgCallee
		}
	}
	body, _ := strArg(args, 2)
	ct, _ := strArg(args, 3)
	hdrs, _ := strArg(args, 4)
	d.mu.Lock()
	if d.state != api.DlgStateConfirmed && d.state != api.DlgStateConfirmedNA {
		d.mu.Unlock()
		return api.RetFalse
	}
	r := d.requestTo(strings.ToUpper(method), to, hdrs)
	d.mu.Unlock()
	r.Body, r.ContentType = body, ct
	if body != "" && ct == "" {
		r.ContentType = "application/sdp"
	}
	if err := m.uac.SendRequest(m.ctx(), r); err != nil {
		c.Log.Error("dlg_send_sequential", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

var _ = time.Second

package b2blogic

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// slotKey keys the per-message state of b2b_logic in api.Ctx.Slots.
type slotKey struct{}

// state is what a message knows of B2B: the entities the main route
// declared before b2b_init_request, context values set before it, and in
// the b2b routes the session and leg the message belongs to.
type state struct {
	server  *serverSpec
	clients []*clientSpec
	ctx     map[string]string

	tuple  *tuple
	leg    *leg
	tx     api.ServerTx
	reply  *sip.Msg
	method string
	code   int
}

type serverSpec struct {
	id, contact, hdrs string
}

type clientSpec struct {
	id, uri, proxy, fromDname, contact, hdrs string
}

func msgState(c *api.Ctx) *state {
	if st, ok := c.Slot(slotKey{}).(*state); ok {
		return st
	}
	st := &state{}
	c.SetSlot(slotKey{}, st)
	return st
}

// initFlags are b2b_init_request's flags.
type initFlags struct {
	setupTimeout    int
	setupSet        bool
	transparentAuth bool
	preserveTo      bool
}

func parseInitFlags(s string) (initFlags, error) {
	var f initFlags
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		name, val, hasVal := strings.Cut(p, "=")
		switch name {
		case "":
		case "setup-timeout":
			n, err := strconv.Atoi(val)
			if !hasVal || err != nil || n < 0 {
				return f, fmt.Errorf("setup-timeout needs a number of seconds, got %q", val)
			}
			f.setupTimeout, f.setupSet = n, true
		case "transparent-auth":
			f.transparentAuth = true
		case "preserve-to":
			f.preserveTo = true
		default:
			return f, fmt.Errorf("unknown flag %q (setup-timeout=N, transparent-auth, preserve-to)", name)
		}
	}
	return f, nil
}

func str(args []any, i int) string {
	if i < len(args) {
		if s, ok := args[i].(string); ok {
			return s
		}
	}
	return ""
}

// routeFixup checks that a named route exists.
func routeFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if fc.Route != nil && !fc.Route(api.RequestRoute, a.Str) {
		return fmt.Errorf("no route[%s]", a.Str)
	}
	return nil
}

// avpHeaders turns the extra_hdrs / extra_hdr_bodies AVP pair into header
// lines.
func avpHeaders(c *api.Ctx, names, bodies any) string {
	nr, ok1 := names.(api.PVRef)
	br, ok2 := bodies.(api.PVRef)
	if !ok1 || !ok2 {
		return ""
	}
	store := pv.AVPsOf(c)
	if store == nil {
		return ""
	}
	ns := store.All(avpName(nr.Name()))
	bs := store.All(avpName(br.Name()))
	var b strings.Builder
	for i := range ns {
		if i >= len(bs) {
			break
		}
		b.WriteString(valStr(ns[i]))
		b.WriteString(": ")
		b.WriteString(valStr(bs[i]))
		b.WriteString("\r\n")
	}
	return b.String()
}

func avpName(raw string) string {
	s := strings.TrimPrefix(raw, "$avp(")
	return strings.TrimSuffix(s, ")")
}

// Funcs lists the script functions, as OpenSIPS 3.6 exports them.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "b2b_init_request", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "id", Type: api.ArgStr},
			{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: func(_ *api.FixupCtx, a *api.FixArg) error {
				f, err := parseInitFlags(a.Str)
				a.Fixed = f
				return err
			}},
			{Name: "req_route", Type: api.ArgStr, Optional: true, Static: true, Fixup: routeFixup},
			{Name: "reply_route", Type: api.ArgStr, Optional: true, Static: true, Fixup: routeFixup}},
			Call: func(c *api.Ctx, args []any) api.Ret {
				var fl initFlags
				switch v := args[1].(type) {
				case initFlags:
					fl = v
				case string:
					var err error
					if fl, err = parseInitFlags(v); err != nil {
						m.log.Error("b2b_init_request: bad flags", "err", err)
						return api.RetFalse
					}
				}
				if c.Msg == nil || c.Msg.MethodID() != sip.MethodInvite || c.Msg.ToTag() != "" {
					m.log.Error("b2b_init_request: only an initial INVITE starts a B2B session")
					return api.RetFalse
				}
				return m.initRequest(c, str(args, 0), fl, str(args, 2), str(args, 3))
			}},
		{Name: "b2b_server_new", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "id", Type: api.ArgStr},
			{Name: "adv_contact", Type: api.ArgStr, Optional: true},
			{Name: "extra_hdrs", Type: api.ArgVar, Optional: true},
			{Name: "extra_hdr_bodies", Type: api.ArgVar, Optional: true}},
			Call: func(c *api.Ctx, args []any) api.Ret {
				st := msgState(c)
				if st.tuple != nil {
					m.log.Error("b2b_server_new: only for the initial INVITE, before b2b_init_request")
					return api.RetFalse
				}
				st.server = &serverSpec{id: str(args, 0), contact: str(args, 1), hdrs: avpHeaders(c, args[2], args[3])}
				return api.RetTrue
			}},
		{Name: "b2b_client_new", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "id", Type: api.ArgStr},
			{Name: "dest_uri", Type: api.ArgStr},
			{Name: "proxy", Type: api.ArgStr, Optional: true},
			{Name: "from_dname", Type: api.ArgStr, Optional: true},
			{Name: "adv_contact", Type: api.ArgStr, Optional: true},
			{Name: "extra_hdrs", Type: api.ArgVar, Optional: true},
			{Name: "extra_hdr_bodies", Type: api.ArgVar, Optional: true}},
			Call: func(c *api.Ctx, args []any) api.Ret {
				uri := str(args, 1)
				if _, err := sip.ParseURI(uri); err != nil {
					m.log.Error("b2b_client_new: bad destination URI", "uri", uri, "err", err)
					return api.RetFalse
				}
				st := msgState(c)
				st.clients = append(st.clients, &clientSpec{id: str(args, 0), uri: uri, proxy: str(args, 2),
					fromDname: str(args, 3), contact: str(args, 4), hdrs: avpHeaders(c, args[5], args[6])})
				return api.RetTrue
			}},
		{Name: "b2b_handle_reply", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: func(_ *api.FixupCtx, a *api.FixArg) error {
				if a.Str != "" && a.Str != "pass-3xx-contact" {
					return fmt.Errorf("unknown flag %q (pass-3xx-contact)", a.Str)
				}
				return nil
			}}},
			Call: func(c *api.Ctx, _ []any) api.Ret {
				st := msgState(c)
				if st.tuple == nil || st.reply == nil {
					return api.RetFalse
				}
				m.handleReply(st.tuple, st.leg, st.method, st.reply, st.code)
				return api.RetTrue
			}},
		{Name: "b2b_pass_request", Routes: api.RequestRoute,
			Call: func(c *api.Ctx, _ []any) api.Ret {
				st := msgState(c)
				if st.tuple == nil || st.reply != nil {
					return api.RetFalse
				}
				m.passRequest(st.tuple, st.leg, c.Msg, st.tx)
				return api.RetTrue
			}},
		{Name: "b2b_delete_entity", Routes: api.RequestRoute,
			Call: func(c *api.Ctx, _ []any) api.Ret {
				st := msgState(c)
				if st.tuple == nil || st.leg == nil {
					return api.RetFalse
				}
				m.deleteLeg(st.tuple, st.leg)
				return api.RetTrue
			}},
		{Name: "b2b_end_dlg_leg", Routes: api.RequestRoute,
			Call: func(c *api.Ctx, _ []any) api.Ret {
				st := msgState(c)
				if st.tuple == nil || st.leg == nil {
					return api.RetFalse
				}
				m.endLeg(st.leg)
				m.deleteLeg(st.tuple, st.leg)
				return api.RetTrue
			}},
		{Name: "b2b_send_reply", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "code", Type: api.ArgInt},
			{Name: "reason", Type: api.ArgStr},
			{Name: "headers", Type: api.ArgStr, Optional: true},
			{Name: "body", Type: api.ArgStr, Optional: true}},
			Call: func(c *api.Ctx, args []any) api.Ret {
				st := msgState(c)
				if st.tuple == nil || st.leg == nil || st.reply != nil {
					return api.RetFalse
				}
				code, _ := args[0].(int64)
				hdrs := str(args, 2)
				if hdrs != "" && !strings.HasSuffix(hdrs, "\n") {
					hdrs += "\r\n"
				}
				ct := ""
				if b := str(args, 3); b != "" {
					ct = "application/sdp"
					if v, ok := headerValue(hdrs, "Content-Type"); ok {
						ct, hdrs = v, removeHeader(hdrs, "Content-Type")
					}
				}
				if err := m.ents.SendReply(st.leg.ent, c.Msg.Method(), int(code), str(args, 1), hdrs, ct, str(args, 3)); err != nil {
					m.log.Debug("b2b_send_reply failed", "err", err)
					return api.RetFalse
				}
				return api.RetTrue
			}},
		{Name: "b2b_bridge", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "entity1", Type: api.ArgStr},
			{Name: "entity2", Type: api.ArgStr},
			{Name: "provmedia_uri", Type: api.ArgStr, Optional: true},
			{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: func(_ *api.FixupCtx, a *api.FixArg) error {
				f, err := parseBridgeFlags(a.Str)
				a.Fixed = f
				return err
			}}},
			Call: func(c *api.Ctx, args []any) api.Ret { return m.scriptBridge(c, args) }},
		{Name: "b2b_bridge_retry", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "new_entity", Type: api.ArgStr}},
			Call: func(c *api.Ctx, args []any) api.Ret { return m.bridgeRetry(c, str(args, 0)) }},
		{Name: "b2b_trigger_scenario", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "scenario", Type: api.ArgStr},
			{Name: "params", Type: api.ArgStr, Optional: true},
			{Name: "peer1", Type: api.ArgStr},
			{Name: "extra_headers_peer1", Type: api.ArgVar, Optional: true},
			{Name: "extra_headers_contents_peer1", Type: api.ArgVar, Optional: true},
			{Name: "peer2", Type: api.ArgStr},
			{Name: "extra_headers_peer2", Type: api.ArgVar, Optional: true},
			{Name: "extra_headers_contents_peer2", Type: api.ArgVar, Optional: true}},
			Call: func(c *api.Ctx, args []any) api.Ret { return m.scriptTrigger(c, args) }},
		{Name: "b2b_bridge_request", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "b2bl_key", Type: api.ArgStr},
			{Name: "entity_no", Type: api.ArgInt},
			{Name: "adv_contact", Type: api.ArgStr, Optional: true},
			{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: func(_ *api.FixupCtx, a *api.FixArg) error {
				if a.Str != "" && a.Str != "late_bye" {
					return fmt.Errorf("unknown flag %q (late_bye)", a.Str)
				}
				return nil
			}}},
			Call: func(c *api.Ctx, args []any) api.Ret {
				no, _ := args[1].(int64)
				return m.bridgeRequest(c, str(args, 0), int(no), str(args, 2), str(args, 3) == "late_bye")
			}},
	}
}

// headerValue finds a header in CRLF-separated lines.
func headerValue(hdrs, name string) (string, bool) {
	for _, l := range strings.Split(hdrs, "\n") {
		n, v, ok := strings.Cut(strings.TrimRight(l, "\r"), ":")
		if ok && strings.EqualFold(strings.TrimSpace(n), name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

func removeHeader(hdrs, name string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(hdrs, "\n") {
		n, _, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(n), name) {
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

// deleteLeg removes one leg from its session (b2b_delete_entity); the
// session ends with its last leg.
func (m *Module) deleteLeg(t *tuple, l *leg) {
	t.mu.Lock()
	l.disconnected = true
	t.removeLeg(l)
	empty := len(t.servers)+len(t.clients) == 0
	t.mu.Unlock()
	m.ents.Delete(l.ent)
	if empty {
		m.deleteTuple(t)
	}
}

// valStr is the string form of a script value.
func valStr(v api.Value) string {
	if v.IsStr() {
		return v.S
	}
	if v.IsInt() {
		return strconv.FormatInt(v.I, 10)
	}
	return ""
}

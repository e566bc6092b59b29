package b2bentities

import (
	"context"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// uaRecipes lists the parameter sets OpenSIPS accepts: the mandatory
// ones with any subset of the optional ones, content_type only with a
// body.
func uaRecipes(mandatory []string, optional ...string) [][]string {
	var out [][]string
	for mask := 0; mask < 1<<len(optional); mask++ {
		r := append([]string(nil), mandatory...)
		has := map[string]bool{}
		for i, o := range optional {
			if mask&(1<<i) != 0 {
				r = append(r, o)
				has[o] = true
			}
		}
		if has["content_type"] && !has["body"] {
			continue
		}
		out = append(out, r)
	}
	return out
}

// uaMICommands are the UA session commands.
func (m *Module) uaMICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "ua_session_client_start", Help: "starts a UAC session with an initial INVITE",
			Recipes: uaRecipes([]string{"ruri", "to", "from"}, "proxy", "body", "content_type", "extra_headers", "flags", "socket"),
			Handler: m.miUAClientStart},
		{Name: "ua_session_update", Help: "sends a request within a UA session",
			Recipes: uaRecipes([]string{"key", "method"}, "body", "content_type", "extra_headers"),
			Handler: m.miUAUpdate},
		{Name: "ua_session_reply", Help: "replies to a request of a UA session",
			Recipes: uaRecipes([]string{"key", "method", "code", "reason"}, "body", "content_type", "extra_headers"),
			Handler: m.miUAReply},
		{Name: "ua_session_terminate", Help: "ends a UA session",
			Recipes: uaRecipes([]string{"key"}, "extra_headers"), Handler: m.miUATerminate},
		{Name: "ua_session_list", Help: "lists the UA sessions",
			Recipes: [][]string{{}, {"key"}}, Handler: m.miUAList},
	}
}

var errMIParam = &api.MIError{Code: -32602, Msg: "Invalid params"}

// uaNameAddr turns "display,uri" (or a bare URI) into a header value.
func uaNameAddr(s string) string {
	if d, u, ok := strings.Cut(s, ","); ok {
		return d + " <" + u + ">"
	}
	return "<" + s + ">"
}

// miUAClientStart is ua_session_client_start: it answers the new
// session's key.
func (m *Module) miUAClientStart(_ context.Context, p api.MIParams) (any, error) {
	ruri, ok1 := p.Str("ruri")
	to, ok2 := p.Str("to")
	from, ok3 := p.Str("from")
	if !ok1 || !ok2 || !ok3 {
		return nil, errMIParam
	}
	fail := &api.MIError{Code: 500, Msg: "Failed to start session"}
	spec := &api.B2BClientSpec{Method: "INVITE", RURI: ruri, To: uaNameAddr(to), From: uaNameAddr(from)}
	spec.NextHop, _ = p.Str("proxy")
	spec.Body, _ = p.Str("body")
	ct, _ := p.Str("content_type")
	spec.ContentType = uaContentType(ct, spec.Body)
	spec.Headers, _ = p.Str("extra_headers")
	flags, _ := p.Str("flags")
	opts := parseUAFlags(flags)
	if sock, ok := p.Str("socket"); ok {
		spec.Socket = m.uaFindSocket(sock)
		if spec.Socket == nil {
			return nil, &api.MIError{Code: 500, Msg: "Non-local socket specified"}
		}
	}
	switch {
	case m.AdvertisedContact != "":
		spec.Contact = m.AdvertisedContact
	case spec.Socket != nil:
		spec.Contact = socketContact(spec.Socket)
	default:
		m.log.Error("ua_session_client_start: the 'advertised_contact' parameter (or a socket) is required")
		return nil, fail
	}
	s := &uaSession{m: m, flags: opts.flags}
	be, err := m.ClientNew(spec, s, "")
	if err != nil {
		m.log.Error("ua_session_client_start: cannot start the session", "err", err)
		return nil, fail
	}
	e := be.(*entity)
	s.uaStart(e, opts.timeout)
	return e.key, nil
}

// uaFindSocket resolves a "proto:host:port" socket name.
func (m *Module) uaFindSocket(s string) *sip.Socket {
	want, err := sip.ParseSocket(s)
	if err != nil {
		return nil
	}
	type finder interface {
		FindSocket(proto sip.Proto, host string, port int) *sip.Socket
	}
	if f, ok := m.coreOf().(finder); ok {
		return f.FindSocket(want.Proto, want.IP, want.Port)
	}
	return nil
}

// miUAUpdate is ua_session_update.
func (m *Module) miUAUpdate(_ context.Context, p api.MIParams) (any, error) {
	key, ok1 := p.Str("key")
	method, ok2 := p.Str("method")
	if !ok1 || !ok2 {
		return nil, errMIParam
	}
	body, _ := p.Str("body")
	ct, _ := p.Str("content_type")
	hdrs, _ := p.Str("extra_headers")
	e := m.uaEntity(key)
	if e == nil || m.uaSend(e, method, body, hdrs, ct) != nil {
		return nil, &api.MIError{Code: 500, Msg: "Failed to send sequential request"}
	}
	return "OK", nil
}

// miUAReply is ua_session_reply.
func (m *Module) miUAReply(_ context.Context, p api.MIParams) (any, error) {
	key, ok1 := p.Str("key")
	method, ok2 := p.Str("method")
	code, ok3 := p.Int("code")
	reason, ok4 := p.Str("reason")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, errMIParam
	}
	body, _ := p.Str("body")
	ct, _ := p.Str("content_type")
	hdrs, _ := p.Str("extra_headers")
	if err := m.uaSendReply(key, strings.ToUpper(method), code, reason, body, hdrs, ct); err != nil {
		m.log.Error("ua_session_reply: cannot send the reply", "key", key, "err", err)
		return nil, &api.MIError{Code: 500, Msg: "Failed to send reply"}
	}
	return "OK", nil
}

// miUATerminate is ua_session_terminate.
func (m *Module) miUATerminate(_ context.Context, p api.MIParams) (any, error) {
	key, ok := p.Str("key")
	if !ok {
		return nil, errMIParam
	}
	hdrs, _ := p.Str("extra_headers")
	if err := m.uaEnd(key, hdrs); err != nil {
		m.log.Error("ua_session_terminate: cannot end the session", "key", key, "err", err)
		return nil, &api.MIError{Code: 500, Msg: "Failed to terminate session"}
	}
	return "OK", nil
}

// uaKeyOK checks a key's form as OpenSIPS parses it:
// <prefix>.<hash>.<local id>.<anything>, prefix with its dot.
func uaKeyOK(key, prefix string) bool {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok || len(key) < len(prefix)+3 {
		return false
	}
	parts := strings.SplitN(rest, ".", 3)
	if len(parts) < 3 {
		return false
	}
	for _, n := range parts[:2] {
		if n == "" || strings.Trim(n, "0123456789") != "" {
			return false
		}
	}
	return true
}

// miUAList is ua_session_list: every UA session (server entities first),
// or the one with the given key.
func (m *Module) miUAList(_ context.Context, p api.MIParams) (any, error) {
	if key, ok := p.Str("key"); ok {
		if !uaKeyOK(key, m.servers.prefix) {
			return nil, &api.MIError{Code: 400, Msg: "Bad format for b2b key"}
		}
		e := m.uaEntity(key)
		if e == nil {
			return nil, &api.MIError{Code: 404, Msg: "Entity not found"}
		}
		return e.miInfo(), nil
	}
	out := []any{}
	for _, t := range []*table{m.servers, m.clients} {
		for _, e := range t.all() {
			e.mu.Lock()
			ua := e.uaIsSession()
			e.mu.Unlock()
			if ua {
				out = append(out, e.miInfo())
			}
		}
	}
	return out, nil
}

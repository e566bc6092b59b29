// Package options is OpenSIPS' options module: options_reply() answers an
// OPTIONS request addressed to the server itself (no user part in the
// Request-URI) with a 200 OK carrying the server's capabilities.
package options

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "options", Deps: []api.Dep{{Name: "signaling"}},
		New: func() api.Module { return New() }, Doc: "answers OPTIONS requests sent to the server"})
}

// Module is one options instance.
type Module struct {
	Accept, AcceptEncoding, AcceptLanguage, Support string

	// hdrs are the reply's header lines, built once at Init.
	hdrs  string
	reply api.Replier
}

// New returns an options instance with OpenSIPS' defaults.
func New() *Module { return &Module{Accept: "*/*", AcceptLanguage: "en"} }

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("accept", &m.Accept),
		api.StrParam("accept_encoding", &m.AcceptEncoding),
		api.StrParam("accept_language", &m.AcceptLanguage),
		api.StrParam("support", &m.Support),
	}
}

// Funcs lists options_reply.
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "options_reply", Routes: api.RequestRoute,
		Returns: "0 (exit) a reply was sent, -1 not an OPTIONS request, a user in the Request-URI or no reply could be sent",
		Call:    func(c *api.Ctx, _ []any) api.Ret { return m.optionsReply(c) }}}
}

// Headers returns the header lines options_reply() adds to its 200 OK: an
// empty parameter leaves its header out.
func (m *Module) Headers() string {
	var b strings.Builder
	for _, h := range [][2]string{{"Accept", m.Accept}, {"Accept-Encoding", m.AcceptEncoding},
		{"Accept-Language", m.AcceptLanguage}, {"Supported", m.Support}} {
		if h[1] != "" {
			b.WriteString(h[0] + ": " + h[1] + "\r\n")
		}
	}
	return b.String()
}

// Init builds the reply headers and finds signaling's replier.
func (m *Module) Init(ic *api.InitCtx) error {
	m.hdrs = m.Headers()
	if ic.Module != nil {
		m.reply, _ = ic.Module("signaling").(api.Replier)
	}
	return nil
}

func (m *Module) optionsReply(c *api.Ctx) api.Ret {
	if c.Msg == nil || c.Msg.Method() != "OPTIONS" {
		c.Log.Error("options_reply: called for a non-OPTIONS request")
		return api.RetFalse
	}
	u, err := sip.ParseURI(c.RURI())
	if err != nil {
		c.Log.Error("options_reply: bad Request-URI", "err", err)
		return api.RetFalse
	}
	if u.User != "" {
		c.Log.Error("options_reply: the Request-URI has a user part", "uri", c.RURI())
		return api.RetFalse
	}
	r := m.reply
	if r == nil && c.Core != nil {
		r, _ = c.Core.Module("signaling").(api.Replier)
	}
	if r == nil {
		c.Log.Error("options_reply: signaling is not loaded")
		return api.RetFalse
	}
	if err := r.Reply(c, 200, "OK", m.hdrs, ""); err != nil {
		c.Log.Error("options_reply: sending 200 failed", "err", err)
		if err := r.Reply(c, 500, "Server internal error", "", ""); err != nil {
			return api.RetFalse
		}
	}
	return api.RetStop
}

var _ api.Initer = (*Module)(nil)

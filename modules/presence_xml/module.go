// Package presencexml is the presence_xml module: the "presence" (PIDF),
// "presence.winfo" and "dialog;sla" event packages of the presence server, with
// authorization by the pres-rules documents of the xcap table.
package presencexml

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"gosips/api"
	"gosips/modules/internal/presxml"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "presence_xml",
		Deps: []api.Dep{{Name: "xcap"}, {Name: "signaling"}, {Name: "presence"}},
		New:  func() api.Module { return New() },
		Doc:  "presence and presence.winfo event packages (PIDF) for the presence server",
	})
}

// Module is one presence_xml instance.
type Module struct {
	ForceActive         int
	PIDFManipulation    int
	PresRulesAUID       string
	PresRulesFilename   string
	GenerateOfflineBody int
	xcapServers         []string

	log  *slog.Logger
	xcap api.XCAP
}

// New returns a presence_xml instance with OpenSIPS' defaults.
func New() *Module { return &Module{GenerateOfflineBody: 1} }

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IntParam("force_active", &m.ForceActive),
		api.IntParam("pidf_manipulation", &m.PIDFManipulation),
		api.IgnoredParam(api.FuncParam("xcap_server", api.ParamStr, true, func(v api.ParamValue) error {
			m.xcapServers = append(m.xcapServers, v.Str)
			return nil
		}), "documents are read from the xcap table only (integrated XCAP server)"),
		api.StrParam("pres_rules_auid", &m.PresRulesAUID),
		api.StrParam("pres_rules_filename", &m.PresRulesFilename),
		api.IntParam("generate_offline_body", &m.GenerateOfflineBody),
		// OpenSIPS 1.x: moved to the xcap module.
		{Name: "integrated_xcap_server", Type: api.ParamInt, Legacy: `modparam("xcap", "integrated_xcap_server", ...)`,
			Set: func(api.ParamValue) error { return nil }},
	}
}

// Funcs: presence_xml exports nothing to the script in OpenSIPS 3.6.
func (m *Module) Funcs() []api.Func { return nil }

// Init registers the events with presence.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if ic.Module == nil {
		return errors.New("presence_xml: no module lookup")
	}
	p, ok := ic.Module("presence").(api.Presence)
	if !ok {
		return errors.New("presence_xml: the presence module is not loaded")
	}
	m.xcap, _ = ic.Module("xcap").(api.XCAP)
	pres := &api.PresEvent{Name: "presence", ContentType: "application/pidf+xml", DefaultExpires: 3600,
		Peer: "presence.winfo", CheckBody: presxml.CheckPIDF, Aggregate: m.aggregate, Empty: m.empty,
		Authorize: m.authorize}
	if m.GenerateOfflineBody != 0 {
		pres.Offline = func(uri string, body []byte) []byte { return presxml.OfflinePIDF(uri, body) }
	}
	if err := p.AddEvent(pres); err != nil {
		return err
	}
	if err := p.AddEvent(&api.PresEvent{Name: "presence.winfo", ContentType: "application/watcherinfo+xml",
		DefaultExpires: 3600, Winfo: true, Peer: "presence"}); err != nil {
		return err
	}
	// Bridged line appearances (RFC 7463 dialog;sla): dialog-info state.
	return p.AddEvent(&api.PresEvent{Name: "dialog;sla", ContentType: "application/dialog-info+xml",
		DefaultExpires: 3600, MandatoryBody: true, CheckBody: presxml.CheckDialogInfo,
		Aggregate: func(uri string, bodies [][]byte, _ bool) []byte {
			return presxml.DialogInfo(uri, bodies, false, false)
		},
		PerWatcher: presxml.SetVersion})
}

// aggregate merges the published documents.
func (m *Module) aggregate(uri string, bodies [][]byte, _ bool) []byte {
	return presxml.MergePIDF(uri, bodies)
}

// empty is the document of a presentity with no publication: the
// pidf-manipulation document when that is enabled, else none.
func (m *Module) empty(uri string) []byte {
	if m.PIDFManipulation == 0 || m.xcap == nil {
		return nil
	}
	user, domain := splitURI(uri)
	doc, _, err := m.xcap.GetDoc(context.Background(), user, domain, api.XCAPPIDFManipulation, "")
	if err != nil {
		m.log.Error("reading the pidf-manipulation document failed", "uri", uri, "err", err)
		return nil
	}
	if doc == nil {
		return nil
	}
	return presxml.MergePIDF(uri, [][]byte{doc})
}

// authorize decides the status of a new watcher: active with
// force_active, pending without a pres-rules document, else by its rules.
func (m *Module) authorize(ctx context.Context, presURI, watcher string) (int, string) {
	if m.ForceActive != 0 {
		return api.SubActive, ""
	}
	if m.xcap == nil {
		return api.SubPending, ""
	}
	user, domain := splitURI(presURI)
	docType := api.XCAPPresRules
	if strings.Contains(m.PresRulesAUID, "org.openmobilealliance.pres-rules") {
		docType = api.XCAPOMAPresRules
	}
	doc, _, err := m.xcap.GetDoc(ctx, user, domain, docType, m.PresRulesFilename)
	if err != nil {
		m.log.Error("reading the pres-rules document failed", "uri", presURI, "err", err)
		return api.SubPending, ""
	}
	if doc == nil {
		return api.SubPending, ""
	}
	action, err := presxml.SubHandling(doc, watcher)
	if err != nil {
		m.log.Error("bad pres-rules document", "uri", presURI, "err", err)
		return api.SubPending, ""
	}
	switch action {
	case presxml.ActionAllow, presxml.ActionPoliteBlock:
		return api.SubActive, ""
	case presxml.ActionBlock:
		return api.SubTerminated, "rejected"
	}
	return api.SubPending, ""
}

// splitURI returns the user and host of "sip:user@host".
func splitURI(uri string) (string, string) {
	s := uri
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	user, host, ok := strings.Cut(s, "@")
	if !ok {
		return "", s
	}
	return user, host
}

var _ api.Initer = (*Module)(nil)

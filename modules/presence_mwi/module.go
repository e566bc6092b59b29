// Package presencemwi is the presence_mwi module: the message-summary
// event package (RFC 3842, message waiting indication) of the presence
// server. Published bodies are passed to the watchers as they are.
package presencemwi

import (
	"errors"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "presence_mwi",
		Deps: []api.Dep{{Name: "presence"}},
		New:  func() api.Module { return &Module{} },
		Doc:  "message-summary event package (voicemail indication) for the presence server",
	})
}

// Module is one presence_mwi instance; it has no parameters.
type Module struct{}

// Params: none.
func (m *Module) Params() []api.Param { return nil }

// Funcs: none.
func (m *Module) Funcs() []api.Func { return nil }

// Init registers the message-summary event.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Module == nil {
		return errors.New("presence_mwi: no module lookup")
	}
	p, ok := ic.Module("presence").(api.Presence)
	if !ok {
		return errors.New("presence_mwi: the presence module is not loaded")
	}
	return p.AddEvent(&api.PresEvent{Name: "message-summary", ContentType: "application/simple-message-summary",
		DefaultExpires: 3600, MandatoryBody: true})
}

var _ api.Initer = (*Module)(nil)

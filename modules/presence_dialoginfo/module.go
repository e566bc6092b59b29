// Package presencedialoginfo is the presence_dialoginfo module: the
// dialog event package (RFC 4235) of the presence server. The dialogs of
// every publication of a presentity are aggregated into one dialog-info
// document, whose version counts the NOTIFYs of each watcher.
package presencedialoginfo

import (
	"errors"

	"gosips/api"
	"gosips/modules/internal/presxml"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "presence_dialoginfo",
		Deps: []api.Dep{{Name: "presence"}},
		New:  func() api.Module { return &Module{} },
		Doc:  "dialog event package (dialog-info, busy lamp fields) for the presence server",
	})
}

// Module is one presence_dialoginfo instance.
type Module struct {
	ForceSingleDialog int
}

// Params binds force_single_dialog.
func (m *Module) Params() []api.Param {
	return []api.Param{api.IntParam("force_single_dialog", &m.ForceSingleDialog)}
}

// Funcs: none.
func (m *Module) Funcs() []api.Func { return nil }

// Init registers the dialog event.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Module == nil {
		return errors.New("presence_dialoginfo: no module lookup")
	}
	p, ok := ic.Module("presence").(api.Presence)
	if !ok {
		return errors.New("presence_dialoginfo: the presence module is not loaded")
	}
	single := m.ForceSingleDialog != 0
	return p.AddEvent(&api.PresEvent{Name: "dialog", ContentType: "application/dialog-info+xml",
		DefaultExpires: 3600, MandatoryBody: true,
		Aggregate: func(uri string, bodies [][]byte, partial bool) []byte {
			return presxml.DialogInfo(uri, bodies, partial, single)
		},
		Empty:      presxml.EmptyDialogInfo,
		PerWatcher: presxml.SetVersion,
	})
}

var _ api.Initer = (*Module)(nil)

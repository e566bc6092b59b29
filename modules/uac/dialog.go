package uac

import "gosips/api"

// With the dialog module loaded, uac_replace_from/to keeps what restoring
// needs in the dialog instead of a Record-Route parameter (OpenSIPS'
// replace.c): the original URI under the store parameter name (vsf/vst)
// and the new "<uri>" under these names, and a dialog callback rewrites
// the sequential requests.
const (
	fromNewVal = "739823"
	toNewVal   = "739824"
)

// cbKey marks, per dialog, that the callback for From (false) or To
// (true) is registered.
type cbKey struct{ to bool }

// Init finds the dialog module and, in auto mode, re-arms the restore of
// the dialogs loaded from its database; with rr, it registers the Route
// callback of uac_auth's CSeq handling.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Module == nil {
		return nil
	}
	if rr, ok := ic.Module("rr").(api.RRAPI); ok {
		rr.OnRoute(m.authRouteCheck)
	}
	if d, ok := ic.Module("dialog").(api.DialogAPI); ok {
		m.dlg = d
		if m.RestoreMode == RestoreAuto {
			d.OnDialog(api.DlgCbLoaded, func(e *api.DialogEventInfo) {
				for _, to := range []bool{false, true} {
					if _, ok := e.Dialog.Value(newValName(to)); ok {
						m.armDialog(e.Dialog, to)
					}
				}
			})
		}
	}
	return nil
}

func newValName(to bool) string {
	if to {
		return toNewVal
	}
	return fromNewVal
}

// storeInDialog keeps the original URI and the new "<uri>" in the dialog
// of the request (created when force_dialog is set); false when there is
// no dialog, so the caller falls back to the Record-Route parameter.
func (m *Module) storeInDialog(c *api.Ctx, to bool, origURI, newAngled string) bool {
	if m.dlg == nil {
		return false
	}
	d := m.dlg.Current(c)
	if d == nil && m.ForceDialog != 0 {
		var err error
		if d, err = m.dlg.Create(c, ""); err != nil {
			c.Log.Error("uac: cannot create the dialog", "err", err)
			return false
		}
	}
	if d == nil {
		return false
	}
	param := m.RRFromStoreParam
	if to {
		param = m.RRToStoreParam
	}
	d.SetValue(param, api.StrValue(origURI))
	d.SetValue(newValName(to), api.StrValue(newAngled))
	if m.RestoreMode == RestoreAuto {
		m.armDialog(d, to)
	}
	return true
}

// armDialog registers the restore callback of d once per header.
func (m *Module) armDialog(d api.Dialog, to bool) {
	if d.Attr(cbKey{to}) != nil {
		return
	}
	d.SetAttr(cbKey{to}, true)
	d.Register(api.DlgCbReqWithin|api.DlgCbTerminated, func(e *api.DialogEventInfo) {
		m.restoreFromDialog(e, to)
	})
}

// restoreFromDialog rewrites a sequential request: downstream the header
// changed by the replace gets the new URI again, upstream the opposite
// header gets the original back.
func (m *Module) restoreFromDialog(e *api.DialogEventInfo, to bool) {
	c := e.Ctx
	if c == nil || c.Msg == nil || !c.Msg.IsRequest() || e.Dir == api.DlgDirNone {
		return
	}
	down := e.Dir == api.DlgDirDownstream
	inTo := to == down
	name := newValName(to)
	if !down {
		name = m.RRFromStoreParam
		if to {
			name = m.RRToStoreParam
		}
	}
	v, ok := e.Dialog.Value(name)
	if !ok || v.S == "" {
		return
	}
	f, na, err := hdrField(c.Msg, inTo)
	if err != nil {
		c.Log.Error("uac restore: " + err.Error())
		return
	}
	uri := v.S
	if down {
		uri = uri[min(1, len(uri)):max(len(uri)-1, 0)]
	}
	remember(c, inTo, na)
	c.Msg.SetHeaderValue(f, buildValue(na.Display, "<"+uri+">", na.Params))
}

var _ api.Initer = (*Module)(nil)

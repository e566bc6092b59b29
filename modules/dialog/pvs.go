package dialog

import (
	"fmt"
	"time"

	"gosips/api"
	"gosips/pv"
)

// PVs lists dialog's pseudo-variables.
func (m *Module) PVs() []pv.Def {
	get := func(f func(d *dlg, dir api.DialogDir) api.Value) func(*api.Ctx, *pv.Spec) (api.Value, error) {
		return func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
			d, dir := m.cur(c)
			if d == nil {
				return api.Null, nil
			}
			return f(d, dir), nil
		}
	}
	return []pv.Def{
		{Name: "DLG_count", Module: "dialog", Doc: "number of active (confirmed) dialogs",
			Get: func(*api.Ctx, *pv.Spec) (api.Value, error) {
				return api.IntValue(m.stats.active.Value()), nil
			}},
		{Name: "DLG_status", Module: "dialog", Doc: "state of the current dialog (1-5)",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value { return api.IntValue(int64(d.State())) })},
		{Name: "DLG_lifetime", Module: "dialog", Doc: "seconds since the dialog was confirmed",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value {
				st := d.Start()
				if st.IsZero() {
					return api.IntValue(0)
				}
				return api.IntValue(int64(time.Since(st) / time.Second))
			})},
		{Name: "DLG_flags", Module: "dialog", Writable: true, Doc: "script flags of the current dialog",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value { return api.IntValue(int64(d.ScriptFlags())) }),
			Set: func(c *api.Ctx, _ *pv.Spec, v api.Value) error {
				d, _ := m.cur(c)
				if d == nil {
					return fmt.Errorf("no dialog")
				}
				d.mu.Lock()
				d.sflags = uint32(v.I)
				d.markChanged()
				d.mu.Unlock()
				m.dbUpdate(d)
				return nil
			}},
		{Name: "DLG_dir", Module: "dialog", Doc: "direction of the request: upstream or downstream",
			Get: get(func(_ *dlg, dir api.DialogDir) api.Value {
				switch dir {
				case api.DlgDirDownstream:
					return api.StrValue("downstream")
				case api.DlgDirUpstream:
					return api.StrValue("upstream")
				}
				return api.Null
			})},
		{Name: "DLG_did", Module: "dialog", Doc: "id of the current dialog",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value { return api.StrValue(d.DID()) })},
		{Name: "DLG_end_reason", Module: "dialog", Doc: "why the dialog ended",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value {
				if r := d.EndReason(); r != "" {
					return api.StrValue(r)
				}
				return api.Null
			})},
		{Name: "DLG_timeout", Module: "dialog", Writable: true, Doc: "seconds left before the dialog times out",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value {
				d.mu.Lock()
				defer d.mu.Unlock()
				if d.expiresAt.IsZero() {
					return api.IntValue(int64(d.lifetime / m.unit))
				}
				return api.IntValue(int64(max(time.Until(d.expiresAt), 0) / m.unit))
			}),
			Set: func(c *api.Ctx, _ *pv.Spec, v api.Value) error {
				d, _ := m.cur(c)
				if d == nil {
					return fmt.Errorf("no dialog")
				}
				if v.IsNull() || v.I <= 0 {
					return fmt.Errorf("$DLG_timeout needs a positive number of seconds")
				}
				d.SetTimeout(m.sec(int(v.I)))
				m.dbUpdate(d)
				return nil
			}},
		{Name: "DLG_del_delay", Module: "dialog", Writable: true, Doc: "seconds the ended dialog stays in memory",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value {
				d.mu.Lock()
				defer d.mu.Unlock()
				return api.IntValue(int64(d.delDelay / m.unit))
			}),
			Set: func(c *api.Ctx, _ *pv.Spec, v api.Value) error {
				d, _ := m.cur(c)
				if d == nil {
					return fmt.Errorf("no dialog")
				}
				d.mu.Lock()
				d.delDelay = m.sec(int(max(v.I, 0)))
				d.mu.Unlock()
				return nil
			}},
		{Name: "DLG_json", Module: "dialog", Doc: "the current dialog as JSON",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value { return api.StrValue(m.dialogJSON(d, false)) })},
		{Name: "DLG_ctx_json", Module: "dialog", Doc: "the current dialog with its values and profiles as JSON",
			Get: get(func(d *dlg, _ api.DialogDir) api.Value { return api.StrValue(m.dialogJSON(d, true)) })},
		{Name: "dlg_val", Module: "dialog", Inner: pv.NeedInner, Writable: true, Doc: "a value stored in the dialog",
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				d, _ := m.cur(c)
				if d == nil {
					return api.Null, nil
				}
				name, err := s.InnerName(c)
				if err != nil {
					return api.Null, err
				}
				v, _ := d.Value(name)
				return v, nil
			},
			Set: func(c *api.Ctx, s *pv.Spec, v api.Value) error {
				d, _ := m.cur(c)
				if d == nil {
					return fmt.Errorf("$dlg_val: no dialog (call create_dialog() first)")
				}
				name, err := s.InnerName(c)
				if err != nil {
					return err
				}
				d.SetValue(name, v)
				return nil
			}},
	}
}

var _ pv.Exporter = (*Module)(nil)

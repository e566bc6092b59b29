package acc

import (
	"encoding/json"
	"time"

	"gosips/api"
)

// cdrValue is the dialog value holding what a CDR needs, so that a call
// restored from the dialog table after a restart is still reported.
const cdrValue = "accX_ctx"

// savedCDR is the stored form of a CDR context.
type savedCDR struct {
	Flags   uint64     `json:"flags"`
	Table   string     `json:"table,omitempty"`
	Created int64      `json:"created"` // Unix milliseconds
	Start   int64      `json:"start"`
	Core    [6]string  `json:"core"` // method, from tag, to tag, Call-ID, code, reason
	Extra   []string   `json:"extra,omitempty"`
	Legs    [][]string `json:"legs,omitempty"`
}

// saveCDR stores the CDR context in its dialog; x.mu held.
func saveCDR(d api.Dialog, x *accCtx) {
	s := savedCDR{Flags: x.flags, Table: x.table, Created: x.created.UnixMilli(), Start: x.start.UnixMilli(),
		Core: x.cdrCore.values()}
	s.Extra, s.Legs = x.snapshot()
	if b, err := json.Marshal(s); err == nil {
		d.SetValue(cdrValue, api.StrValue(string(b)))
	}
}

// restoreCDR rebuilds the CDR context of a dialog loaded from the
// database and waits for its end again.
func (m *Acc) restoreCDR(ev *api.DialogEventInfo) {
	d := ev.Dialog
	if d == nil {
		return
	}
	v, ok := d.Value(cdrValue)
	if !ok || !v.IsStr() {
		return
	}
	var s savedCDR
	if err := json.Unmarshal([]byte(v.S), &s); err != nil {
		m.log.Error("cannot restore the accounting context of a dialog", "did", d.DID(), "err", err)
		return
	}
	x := m.newCtx()
	x.flags, x.table, x.hooked = s.Flags, s.Table, true
	x.created, x.start = time.UnixMilli(s.Created), time.UnixMilli(s.Start)
	if len(s.Extra) == len(x.extra) {
		x.extra = s.Extra
	}
	if len(s.Legs) > 0 {
		x.legs = s.Legs
	}
	c := s.Core
	x.cdrCore = &record{method: c[0], fromTag: c[1], toTag: c[2], callID: c[3], code: c[4], reason: c[5], ts: x.start}
	x.dlg = d
	d.SetAttr(dlgKey{}, x)
	d.Register(api.DlgCbTerminated|api.DlgCbExpired, func(ev *api.DialogEventInfo) { m.dialogEnded(x, ev) })
}

package acc

import (
	"sync"
	"time"

	"gosips/api"
)

// slotKey keys the accounting context in a message's slots (and tm keeps
// the request route's slots for the transaction).
type slotKey struct{}

// dlgKey keys the accounting context in a dialog's attributes.
type dlgKey struct{}

// accCtx is the accounting state of a transaction, or of a call when CDRs
// are on (OpenSIPS' acc_ctx_t): what to report where, the $acc_extra and
// $acc_leg values, and the CDR data.
type accCtx struct {
	mu      sync.Mutex
	flags   uint64
	table   string
	created time.Time // when CDR accounting started (zero without "cdr")
	extra   []string
	legs    [][]string
	hooked  bool // tm callbacks installed for the transaction

	// CDR state: the dialog, the INVITE's core values and the time the
	// call was answered, the BYE time, and whether the CDR was written.
	dlg      api.Dialog
	cdrCore  *record
	start    time.Time
	byeTime  time.Time
	cdrBound bool
	cdrDone  bool
}

// newCtx makes an empty context sized for the configured tags.
func (m *Acc) newCtx() *accCtx {
	x := &accCtx{}
	if n := len(m.extra.tags); n > 0 {
		x.extra = make([]string, n)
	}
	if n := len(m.leg.tags); n > 0 {
		x.legs = [][]string{make([]string, n)}
	}
	return x
}

// fetch returns the accounting context of the message in c: the one in
// its slots, else the one of its dialog (made visible in the slots);
// with create, a new one when there is none.
func (m *Acc) fetch(c *api.Ctx, create bool) *accCtx {
	if x, ok := c.Slot(slotKey{}).(*accCtx); ok {
		return x
	}
	if m.dlg != nil && c.Msg != nil {
		if d := m.dlg.Current(c); d != nil {
			if x, ok := d.Attr(dlgKey{}).(*accCtx); ok {
				c.SetSlot(slotKey{}, x)
				return x
			}
		}
	}
	if !create {
		return nil
	}
	x := m.newCtx()
	c.SetSlot(slotKey{}, x)
	return x
}

// snapshot copies the extra and leg values; x.mu held.
func (x *accCtx) snapshot() (extra []string, legs [][]string) {
	extra = append([]string(nil), x.extra...)
	if x.legs != nil {
		legs = make([][]string, len(x.legs))
		for i, l := range x.legs {
			legs[i] = append([]string(nil), l...)
		}
	}
	return extra, legs
}

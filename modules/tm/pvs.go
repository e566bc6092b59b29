package tm

import (
	"errors"
	"strconv"
	"time"

	"gosips/api"
	"gosips/pv"
)

var (
	errNoTx     = errors.New("no transaction")
	errNoBranch = errors.New("no such branch")
)

// PVs lists the pseudo-variables tm exports.
func (t *TM) PVs() []pv.Def {
	ro := func(name, doc string, get func(*api.Ctx, *pv.Spec) (api.Value, error)) pv.Def {
		return pv.Def{Name: name, Module: "tm", Doc: doc, Get: get}
	}
	br := func(name, doc string, f func(*branch) api.Value) pv.Def {
		return pv.Def{Name: "tm.branch." + name, Module: "tm", Index: true, Doc: doc,
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) { return branchField(c, s, f) }}
	}
	return []pv.Def{
		ro("T_branch_idx", "index of the branch being processed", getBranchIdx),
		ro("T_reply_code", "code of the reply that ended or last updated the transaction", getReplyCode),
		ro("T_ruri", "R-URI of the transaction's request", getTRuri),
		ro("T_id", "transaction identifier (hash index and label)", getTID),
		{Name: "T_fr_timeout", Module: "tm", Writable: true, Doc: "final-response timeout of the transaction, seconds",
			Get: t.timerGetter(false), Set: t.timerSetter(false)},
		{Name: "T_fr_inv_timeout", Module: "tm", Writable: true, Doc: "INVITE final-response timeout of the transaction, seconds",
			Get: t.timerGetter(true), Set: t.timerSetter(true)},
		{Name: "T_branch_last_reply_code", Module: "tm", Index: true, Doc: "last reply code received on a branch",
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				return branchField(c, s, func(b *branch) api.Value { return pv.IntStr(int64(b.lastCode)) })
			}},
		{Name: "bavp", Module: "tm", Inner: pv.NeedInner, Writable: true, Index: true, Append: true,
			Doc: "per-branch AVP", Get: getBAVP, Set: setBAVP},
		br("uri", "R-URI of a branch", func(b *branch) api.Value { return strVal(b.uri) }),
		br("duri", "destination URI of a branch", func(b *branch) api.Value { return strVal(b.dstURI) }),
		br("path", "path vector of a branch", func(b *branch) api.Value { return strVal(b.path) }),
		br("q", "q-value of a branch", func(b *branch) api.Value {
			if b.q < 0 {
				return api.Null
			}
			return pv.IntStr(int64(b.q))
		}),
		br("flags", "branch flags of a branch", func(b *branch) api.Value { return pv.IntStr(int64(b.flags)) }),
		br("socket", "sending socket of a branch", func(b *branch) api.Value {
			if b.dest.Socket == nil {
				return api.Null
			}
			return api.StrValue(b.dest.Socket.String())
		}),
		br("last_received", "last reply code received on a branch", func(b *branch) api.Value {
			return pv.IntStr(int64(b.lastCode))
		}),
		br("type", "type of a branch", func(*branch) api.Value { return api.StrValue("") }),
		{Name: "tm.branch.flag", Module: "tm", Inner: pv.NeedInner, Writable: true, Index: true,
			Doc: "one named branch flag of a branch", Get: getBranchFlag, Set: setBranchFlag},
		{Name: "tm.branch.attr", Module: "tm", Inner: pv.NeedInner, Writable: true, Index: true,
			Doc: "a named attribute of a branch", Get: getBranchAttr, Set: setBranchAttr},
	}
}

func strVal(s string) api.Value {
	if s == "" {
		return api.Null
	}
	return api.StrValue(s)
}

func getBranchIdx(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
	switch c.RouteType {
	case api.BranchRoute, api.OnReplyRoute, api.FailureRoute:
		return pv.IntStr(int64(c.BranchIdx)), nil
	}
	return pv.IntStr(0), nil
}

func getReplyCode(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
	return pv.IntStr(int64(replyCode(c))), nil
}

func getTRuri(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
	tx := txOf(c)
	if tx == nil {
		return api.Null, nil
	}
	unlock := tx.lockFor(c)
	defer unlock()
	if b := currentBranch(c, tx); b != nil {
		return strVal(b.uri), nil
	}
	return strVal(tx.req.RURI()), nil
}

func getTID(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
	tx := txOf(c)
	if tx == nil {
		return api.Null, nil
	}
	return api.StrValue(tx.ID()), nil
}

// timerGetter reads $T_fr_timeout / $T_fr_inv_timeout: the transaction's
// value, else the modparam.
func (t *TM) timerGetter(inv bool) func(*api.Ctx, *pv.Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
		d := t.sec(t.FrTimeout)
		if inv {
			d = t.sec(t.FrInvTimeout)
		}
		if tx := txOf(c); tx != nil {
			unlock := tx.lockFor(c)
			d = tx.frTimeout
			if inv {
				d = tx.frInvTimeout
			}
			unlock()
		} else if ft, ok := c.Slot(frSlot{}).(*frTimers); ok {
			if v := ft.get(inv); v != 0 {
				d = v
			}
		}
		return pv.IntStr(int64(d / t.unit)), nil
	}
}

// timerSetter writes the timers of the transaction, created when the
// request has none yet; NULL restores the modparam.
func (t *TM) timerSetter(inv bool) func(*api.Ctx, *pv.Spec, api.Value) error {
	return func(c *api.Ctx, _ *pv.Spec, v api.Value) error {
		tx := txOf(c)
		if tx == nil && (c.Msg == nil || !c.Msg.IsRequest()) {
			return errNoTx
		}
		n := int64(t.FrTimeout)
		if inv {
			n = int64(t.FrInvTimeout)
		}
		if !v.IsNull() {
			if !v.IsInt() {
				i, err := strconv.ParseInt(v.S, 10, 64)
				if err != nil {
					return errors.New("timeout must be an integer")
				}
				v.I = i
			}
			n = v.I
		}
		if n <= 0 {
			return errors.New("timeout must be positive")
		}
		if tx == nil {
			// Kept for the transaction the request creates later, as
			// OpenSIPS does; no transaction (and no 100 Trying) yet.
			ft, _ := c.Slot(frSlot{}).(*frTimers)
			if ft == nil {
				ft = &frTimers{}
				c.SetSlot(frSlot{}, ft)
			}
			ft.set(inv, t.sec(int(n)))
			return nil
		}
		unlock := tx.lockFor(c)
		if inv {
			tx.frInvTimeout = t.sec(int(n))
		} else {
			tx.frTimeout = t.sec(int(n))
		}
		unlock()
		return nil
	}
}

// frSlot keys the timers set by $T_fr_timeout/$T_fr_inv_timeout before
// the request has a transaction.
type frSlot struct{}

type frTimers struct{ fr, inv time.Duration }

func (f *frTimers) get(inv bool) time.Duration {
	if inv {
		return f.inv
	}
	return f.fr
}

func (f *frTimers) set(inv bool, d time.Duration) {
	if inv {
		f.inv = d
	} else {
		f.fr = d
	}
}

// currentBranch is the branch a route runs for; mu held.
func currentBranch(c *api.Ctx, tx *Tx) *branch {
	if tx.curBranch != nil {
		return tx.curBranch
	}
	switch c.RouteType {
	case api.OnReplyRoute, api.FailureRoute:
		if c.BranchIdx >= 0 && c.BranchIdx < len(tx.branches) {
			return tx.branches[c.BranchIdx]
		}
	}
	return nil
}

// specBranch picks the branch a PV names: [idx], else the current one;
// mu held.
func specBranch(c *api.Ctx, tx *Tx, s *pv.Spec) (*branch, error) {
	kind, n, err := s.IndexValue(c)
	if err != nil {
		return nil, err
	}
	if kind == pv.IdxInt || kind == pv.IdxPV {
		if n < 0 {
			n += len(tx.branches)
		}
		if n < 0 || n >= len(tx.branches) {
			return nil, errNoBranch
		}
		return tx.branches[n], nil
	}
	if b := currentBranch(c, tx); b != nil {
		return b, nil
	}
	return nil, errNoBranch
}

// withBranch runs f on the branch s names, under the transaction lock.
func withBranch(c *api.Ctx, s *pv.Spec, f func(*branch) error) error {
	tx := txOf(c)
	if tx == nil {
		return errNoTx
	}
	unlock := tx.lockFor(c)
	defer unlock()
	b, err := specBranch(c, tx, s)
	if err != nil {
		return err
	}
	return f(b)
}

func branchField(c *api.Ctx, s *pv.Spec, f func(*branch) api.Value) (api.Value, error) {
	v := api.Null
	err := withBranch(c, s, func(b *branch) error { v = f(b); return nil })
	if errors.Is(err, errNoTx) || errors.Is(err, errNoBranch) {
		return api.Null, nil
	}
	return v, err
}

// flagBit maps a branch flag name to its bit.
func flagBit(c *api.Ctx, name string) int {
	if c.Core == nil {
		return -1
	}
	for i := 0; i < 32; i++ {
		if c.Core.BranchFlagName(i) == name {
			return i
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < 32 {
		return n
	}
	return -1
}

func getBranchFlag(c *api.Ctx, s *pv.Spec) (api.Value, error) {
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	bit := flagBit(c, name)
	return branchField(c, s, func(b *branch) api.Value {
		if bit >= 0 && b.flags&(1<<bit) != 0 {
			return pv.IntStr(1)
		}
		return pv.IntStr(0)
	})
}

func setBranchFlag(c *api.Ctx, s *pv.Spec, v api.Value) error {
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	bit := flagBit(c, name)
	if bit < 0 {
		return errors.New("unknown branch flag " + strconv.Quote(name))
	}
	return withBranch(c, s, func(b *branch) error {
		if v.IsNull() || (v.IsInt() && v.I == 0) {
			b.flags &^= 1 << bit
		} else {
			b.flags |= 1 << bit
		}
		return nil
	})
}

func getBranchAttr(c *api.Ctx, s *pv.Spec) (api.Value, error) {
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	return branchField(c, s, func(b *branch) api.Value {
		if v, ok := b.attrs[name]; ok {
			return v
		}
		return api.Null
	})
}

func setBranchAttr(c *api.Ctx, s *pv.Spec, v api.Value) error {
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	return withBranch(c, s, func(b *branch) error {
		if b.attrs == nil {
			b.attrs = map[string]api.Value{}
		}
		if v.IsNull() {
			delete(b.attrs, name)
		} else {
			b.attrs[name] = v
		}
		return nil
	})
}

// $bavp(name) is a per-branch AVP stack of the current branch.
func branchAVPs(b *branch) *pv.AVPStore {
	st, _ := b.avps.(*pv.AVPStore)
	if st == nil {
		st = pv.NewAVPStore()
		b.avps = st
	}
	return st
}

func getBAVP(c *api.Ctx, s *pv.Spec) (api.Value, error) {
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	var v api.Value
	err = withCurrent(c, func(b *branch) {
		kind, n, _ := s.IndexValue(c)
		if kind == pv.IdxInt || kind == pv.IdxPV {
			v = branchAVPs(b).Get(name, n)
			return
		}
		v = branchAVPs(b).Get(name, 0)
	})
	return v, err
}

func setBAVP(c *api.Ctx, s *pv.Spec, v api.Value) error {
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	return withCurrent(c, func(b *branch) {
		st := branchAVPs(b)
		switch {
		case v.IsNull():
			st.DelAll(name)
		case s.Index.Kind == pv.IdxAppend:
			st.Append(name, v)
		default:
			st.Push(name, v)
		}
	})
}

// withCurrent runs f on the current branch ($bavp ignores [idx] as a
// branch selector: it indexes the AVP stack).
func withCurrent(c *api.Ctx, f func(*branch)) error {
	tx := txOf(c)
	if tx == nil {
		return errNoTx
	}
	unlock := tx.lockFor(c)
	defer unlock()
	b := currentBranch(c, tx)
	if b == nil {
		return errNoBranch
	}
	f(b)
	return nil
}

var _ pv.Exporter = (*TM)(nil)

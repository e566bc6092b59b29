package dispatcher

import (
	"errors"
	"net/netip"
	"path"
	"strings"

	"gosips/api"
)

var errNotIP = errors.New("not an IP address")

// argPart returns the partition argument: fixed, named at run time, or
// the default.
func (m *Module) argPart(c *api.Ctx, a any) *Partition {
	switch v := a.(type) {
	case *Partition:
		return v
	case string:
		if v == "" {
			return &m.Default
		}
		if p := m.partition(v); p != nil {
			return p
		}
		c.Log.Error("dispatcher: unknown partition", "partition", v)
		return nil
	}
	return &m.Default
}

func argInt(a any, def int64) int64 {
	if n, ok := a.(int64); ok {
		return n
	}
	return def
}

func argStr(a any) string {
	s, _ := a.(string)
	return s
}

func (m *Module) callSelect(domain bool) func(c *api.Ctx, args []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		r := selectReq{set: argInt(args[0], 0), alg: argInt(args[1], 0), domain: domain,
			maxResults: int(argInt(args[4], 1000))}
		switch f := args[2].(type) {
		case Flags:
			r.flags = f
		case string:
			fl, err := ParseFlags(f)
			if err != nil {
				c.Log.Error("ds_select: bad flags", "err", err)
				return api.RetFalse
			}
			r.flags = fl
		}
		if r.part = m.argPart(c, args[3]); r.part == nil {
			return api.RetFalse
		}
		return m.selectDst(c, r)
	}
}

func (m *Module) callNext(domain bool) func(c *api.Ctx, args []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		p := m.argPart(c, args[0])
		if p == nil {
			return api.RetFalse
		}
		return m.nextDst(c, p, domain)
	}
}

func (m *Module) callMark(c *api.Ctx, args []any) api.Ret {
	st := Inactive
	switch v := args[0].(type) {
	case State:
		st = v
	case string:
		if v != "" {
			var err error
			if st, err = ParseState(v); err != nil {
				c.Log.Error("ds_mark_dst: unknown option", "state", v)
				return api.RetFalse
			}
		}
	}
	p := m.argPart(c, args[1])
	if p == nil {
		return api.RetFalse
	}
	return m.markDst(c, p, st)
}

// isInList is ds_is_in_list: whether ip:port is one of the resolved
// addresses of a destination (of set, or of any set with -1).
func (m *Module) isInList(c *api.Ctx, ipStr string, port int, setID int, p *Partition, activeOnly bool, pattern string) api.Ret {
	ip, err := netip.ParseAddr(strings.Trim(ipStr, "[]"))
	if err != nil {
		c.Log.Error("ds_is_in_list: not an IP", "ip", ipStr)
		return api.RetFalse
	}
	ip = ip.Unmap()
	pd := p.rt
	if pd == nil {
		return api.RetFalse
	}
	pd.mu.RLock()
	defer pd.mu.RUnlock()
	for _, s := range pd.data.setsOrNil() {
		if setID != -1 && setID != s.id {
			continue
		}
		for _, d := range s.dests {
			for _, a := range d.addrs {
				if a.Addr() != ip || port != 0 && a.Port() != 0 && int(a.Port()) != port {
					continue
				}
				if activeOnly && !d.active() {
					continue
				}
				if pattern != "" {
					if d.attrs == "" {
						continue
					}
					if ok, _ := path.Match(pattern, d.attrs); !ok {
						continue
					}
				}
				if setID == -1 && m.SetIDPVar != "" {
					m.setPV(c, m.SetIDPVar, api.IntValue(int64(s.id)))
				}
				if n := avpName(p.AttrsAVP); n != "" {
					avpStore(c).Push(n, api.StrValue(d.attrs))
				}
				if n := avpName(p.ScriptAttrsAVP); n != "" {
					avpStore(c).Push(n, api.StrValue(d.scriptAttrs))
				}
				return api.RetTrue
			}
		}
	}
	return api.RetFalse
}

// setPV assigns a modparam-named variable (setid_pvar).
func (m *Module) setPV(c *api.Ctx, name string, v api.Value) {
	f, err := m.fmts.Get(c, name)
	if err != nil || len(f.Specs()) != 1 {
		c.Log.Error("dispatcher: bad variable", "pvar", name, "err", err)
		return
	}
	if err := f.Specs()[0].Set(c, v); err != nil {
		c.Log.Error("dispatcher: cannot set variable", "pvar", name, "err", err)
	}
}

func (m *Module) callIsInList(c *api.Ctx, args []any) api.Ret {
	p := m.argPart(c, args[3])
	if p == nil {
		return api.RetFalse
	}
	return m.isInList(c, argStr(args[0]), int(argInt(args[1], 0)), int(argInt(args[2], -1)), p,
		argInt(args[4], 0) != 0, argStr(args[5]))
}

// callIsFromList is the 1.x ds_is_from_list([set]) on the source address.
func (m *Module) callIsFromList(c *api.Ctx, args []any) api.Ret {
	if c.Msg == nil || c.Msg.Recv() == nil {
		return api.RetFalse
	}
	src := c.Msg.Recv().Src
	return m.isInList(c, src.Addr().String(), int(src.Port()), int(argInt(args[0], -1)), &m.Default, false, "")
}

// count is ds_count: how many destinations of a set are in the states of
// the filter.
func (m *Module) count(p *Partition, setID int, f CountFilter) (int, bool) {
	pd := p.rt
	if pd == nil {
		return 0, false
	}
	pd.mu.RLock()
	defer pd.mu.RUnlock()
	s := pd.data.set(setID)
	if s == nil {
		return 0, false
	}
	var active, inactive, probing int
	for _, d := range s.dests {
		switch {
		case d.active():
			active++
		case d.flags&flagInactive != 0:
			inactive++
		default:
			probing++
		}
	}
	n := 0
	if f&CountActive != 0 {
		n += active
	}
	if f&CountInactive != 0 {
		n += inactive
	}
	if f&CountProbing != 0 {
		n += probing
	}
	if f == 0 {
		n = active + inactive + probing
	}
	return n, true
}

func (m *Module) callCount(c *api.Ctx, args []any) api.Ret {
	var f CountFilter
	switch v := args[1].(type) {
	case CountFilter:
		f = v
	case string:
		a := &api.FixArg{Str: v}
		if err := countFilterFixup(&api.FixupCtx{}, a); err != nil {
			c.Log.Error("ds_count: bad filter", "err", err)
			return api.RetFalse
		}
		f = a.Fixed.(CountFilter)
	}
	p := m.argPart(c, args[3])
	if p == nil {
		return api.RetFalse
	}
	n, ok := m.count(p, int(argInt(args[0], 0)), f)
	if !ok {
		c.Log.Error("ds_count: set not found", "set", args[0])
		return api.RetFalse
	}
	ref, ok := args[2].(api.PVRef)
	if !ok {
		return api.RetFalse
	}
	if err := ref.Set(c, api.IntValue(int64(n))); err != nil {
		c.Log.Error("ds_count: cannot set the result", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// pushScriptAttrs sets the script attributes of the destinations at
// ip:port (of set, -1 = all).
func (m *Module) pushScriptAttrs(p *Partition, attrs, ipStr string, port, setID int) error {
	ip, err := netip.ParseAddr(strings.Trim(ipStr, "[]"))
	if err != nil {
		return errNotIP
	}
	ip = ip.Unmap()
	pd := p.rt
	if pd == nil {
		return errors.New("partition has no data")
	}
	pd.mu.Lock()
	defer pd.mu.Unlock()
	for _, s := range pd.data.setsOrNil() {
		if setID != -1 && setID != s.id {
			continue
		}
		for _, d := range s.dests {
			for _, a := range d.addrs {
				if a.Addr() == ip && (port == 0 || int(a.Port()) == port) {
					d.scriptAttrs = attrs
				}
			}
		}
	}
	return nil
}

func (m *Module) callPushScriptAttrs(c *api.Ctx, args []any) api.Ret {
	p := m.argPart(c, args[4])
	if p == nil {
		return api.RetFalse
	}
	if err := m.pushScriptAttrs(p, argStr(args[0]), argStr(args[1]), int(argInt(args[2], 0)),
		int(argInt(args[3], -1))); err != nil {
		c.Log.Error("ds_push_script_attrs failed", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// getScriptAttrs finds the script attributes of the destination whose
// $du form is uri.
func (m *Module) getScriptAttrs(p *Partition, uri string, setID int) (string, bool) {
	pd := p.rt
	if pd == nil {
		return "", false
	}
	pd.mu.RLock()
	defer pd.mu.RUnlock()
	for _, s := range pd.data.setsOrNil() {
		if setID != -1 && setID != s.id {
			continue
		}
		for _, d := range s.dests {
			if d.dstURI == uri {
				return d.scriptAttrs, true
			}
		}
	}
	return "", false
}

func (m *Module) callGetScriptAttrs(c *api.Ctx, args []any) api.Ret {
	p := m.argPart(c, args[2])
	if p == nil {
		return api.RetFalse
	}
	attrs, ok := m.getScriptAttrs(p, argStr(args[0]), int(argInt(args[1], -1)))
	if !ok {
		return api.RetFalse
	}
	if ref, ok := args[3].(api.PVRef); ok {
		if err := ref.Set(c, api.StrValue(attrs)); err != nil {
			c.Log.Error("ds_get_script_attrs: cannot set the result", "err", err)
		}
	}
	return api.RetTrue
}

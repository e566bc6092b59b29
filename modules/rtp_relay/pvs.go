package rtp_relay

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
)

// PVs exports $rtp_relay, $rtp_relay_peer and $rtp_relay_ctx.
func (m *Module) PVs() []pv.Def {
	return []pv.Def{
		{Name: "rtp_relay", Module: "rtp_relay", Inner: pv.OptInner, Index: true, Writable: true,
			Doc:        "RTP relay settings of the current peer: $rtp_relay(flags|peer|ip|type|iface|body|delete|disabled)",
			ParseInner: parseFlagName,
			Get:        func(c *api.Ctx, s *pv.Spec) (api.Value, error) { return m.getVar(c, s, false) },
			Set:        func(c *api.Ctx, s *pv.Spec, v api.Value) error { return m.setVar(c, s, false, v) }},
		{Name: "rtp_relay_peer", Module: "rtp_relay", Inner: pv.OptInner, Index: true, Writable: true,
			Doc:        "RTP relay settings of the other peer (same names as $rtp_relay)",
			ParseInner: parseFlagName,
			Get:        func(c *api.Ctx, s *pv.Spec) (api.Value, error) { return m.getVar(c, s, true) },
			Set:        func(c *api.Ctx, s *pv.Spec, v api.Value) error { return m.setVar(c, s, true, v) }},
		{Name: "rtp_relay_ctx", Module: "rtp_relay", Inner: pv.NeedInner, Writable: true,
			Doc:        "call-wide RTP relay settings: $rtp_relay_ctx(callid|from_tag|to_tag|flags|delete)",
			ParseInner: parseCtxName, Get: m.getCtxVar, Set: m.setCtxVar},
	}
}

func parseFlagName(s string) (any, error) {
	f := flagByName(s)
	if f < 0 {
		return nil, fmt.Errorf("invalid RTP relay name %q (flags, peer, ip, type, iface, body, delete or disabled)", s)
	}
	return f, nil
}

const (
	ctxCallID = iota
	ctxFromTag
	ctxToTag
	ctxFlags
	ctxDelete
)

func ctxByName(s string) int {
	switch strings.ToLower(s) {
	case "call_id", "call-id", "callid":
		return ctxCallID
	case "from_tag", "from-tag", "fromtag":
		return ctxFromTag
	case "to_tag", "to-tag", "totag":
		return ctxToTag
	case "flags":
		return ctxFlags
	case "delete":
		return ctxDelete
	}
	return -1
}

func parseCtxName(s string) (any, error) {
	f := ctxByName(s)
	if f < 0 {
		return nil, fmt.Errorf("invalid RTP relay context flag %q (callid, from_tag, to_tag, flags or delete)", s)
	}
	return f, nil
}

// flagOf is the setting a $rtp_relay spec names ("flags" without a name;
// an unknown name in a variable falls back to "flags", as OpenSIPS).
func flagOf(c *api.Ctx, s *pv.Spec) int {
	if f, ok := s.Parsed.(int); ok {
		return f
	}
	if s.InnerPV != nil {
		n, err := s.InnerName(c)
		if f := flagByName(n); err == nil && f >= 0 {
			return f
		}
		c.Log.Warn("rtp_relay: unknown/bad RTP relay variable/type, using flags", "name", n)
	}
	return flagSelf
}

// legOf finds the leg a $rtp_relay spec refers to (OpenSIPS
// pv_get_rtp_relay_leg); create makes the missing one when setting.
func (m *Module) legOf(c *api.Ctx, rc *relayCtx, s *pv.Spec, peer, create bool) *leg {
	idx, tag := allBranches, ""
	switch s.Index.Kind {
	case pv.IdxInt:
		idx = s.Index.N
		tag = strconv.Itoa(idx)
	case pv.IdxPV:
		v, err := s.Index.PV.Get(c)
		if err != nil {
			return nil
		}
		if v.IsInt() {
			if v.I < 0 {
				c.Log.Warn("rtp_relay: only positive integer RTP relay branches or '*' are allowed")
				return nil
			}
			idx = int(v.I)
			tag = strconv.Itoa(idx)
		} else {
			tag = v.S
		}
	}
	msg := c.Msg
	if tag == "" && idx == allBranches {
		if msg == nil {
			return nil
		}
		switch c.RouteType {
		case api.BranchRoute, api.OnReplyRoute:
			tag = msg.ToTag()
			idx = c.BranchIdx
		default:
			tag = msg.FromTag()
		}
	}
	l := rc.getLeg(tag, idx)
	if !peer {
		if l == nil && create {
			l = rc.newLeg(tag, idx)
		}
		return l
	}
	if l == nil {
		return nil
	}
	if rc.established {
		return l.peer
	}
	p := rc.peerLeg(l)
	if p == nil {
		if !create {
			return nil
		}
		ptag := ""
		if msg != nil {
			if c.RouteType == api.BranchRoute {
				ptag = msg.FromTag()
			} else {
				ptag = msg.ToTag()
			}
		}
		p = rc.newLeg(ptag, allBranches)
	}
	l.peer = p
	return p
}

func (m *Module) getVar(c *api.Ctx, s *pv.Spec, peer bool) (api.Value, error) {
	rc := m.getCtx(c)
	if rc == nil {
		return api.Null, nil
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	l := m.legOf(c, rc, s, peer, false)
	if l == nil {
		return api.Null, nil
	}
	f := flagOf(c, s)
	if f == flagDisabled {
		if l.disabled {
			return api.StrValue("disabled"), nil
		}
		return api.StrValue("enabled"), nil
	}
	return api.StrValue(l.flags[f]), nil
}

func (m *Module) setVar(c *api.Ctx, s *pv.Spec, peer bool, v api.Value) error {
	if c.Msg == nil {
		return fmt.Errorf("%s: no message", s.Raw)
	}
	rc := m.ctxFor(c)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	l := m.legOf(c, rc, s, peer, true)
	if l == nil {
		return fmt.Errorf("%s: could not get context session", s.Raw)
	}
	f := flagOf(c, s)
	if f == flagDisabled {
		switch {
		case v.IsNull():
		case v.IsInt():
			l.disabled = l.disabled || v.I != 0
		default:
			l.disabled = l.disabled || v.S != ""
		}
		return nil
	}
	l.flags[f] = valStr(v)
	return nil
}

func valStr(v api.Value) string {
	switch {
	case v.IsNull():
		return ""
	case v.IsInt():
		return strconv.FormatInt(v.I, 10)
	}
	return v.S
}

func ctxFlagOf(c *api.Ctx, s *pv.Spec) int {
	if f, ok := s.Parsed.(int); ok {
		return f
	}
	n, err := s.InnerName(c)
	if err != nil {
		return -1
	}
	return ctxByName(n)
}

func (rc *relayCtx) ctxField(f int) *string {
	switch f {
	case ctxCallID:
		return &rc.callID
	case ctxFromTag:
		return &rc.fromTag
	case ctxToTag:
		return &rc.toTag
	case ctxFlags:
		return &rc.flags
	case ctxDelete:
		return &rc.del
	}
	return nil
}

func (m *Module) getCtxVar(c *api.Ctx, s *pv.Spec) (api.Value, error) {
	f := ctxFlagOf(c, s)
	if f < 0 {
		return api.Null, fmt.Errorf("%s: could not resolve ctx flag", s.Raw)
	}
	rc := m.getCtx(c)
	if rc == nil {
		return api.Null, nil
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if v := *rc.ctxField(f); v != "" {
		return api.StrValue(v), nil
	}
	return api.Null, nil
}

func (m *Module) setCtxVar(c *api.Ctx, s *pv.Spec, v api.Value) error {
	f := ctxFlagOf(c, s)
	if f < 0 {
		return fmt.Errorf("%s: could not resolve ctx flag", s.Raw)
	}
	rc := m.ctxFor(c)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	*rc.ctxField(f) = valStr(v)
	return nil
}

var _ pv.Exporter = (*Module)(nil)

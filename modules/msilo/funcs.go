package msilo

import (
	"fmt"
	"strings"

	"gosips/api"
)

// StoreMode is the fixed form of the 1.x m_store(mode) argument: which URI
// owns the stored message.
type StoreMode int

// The 1.x modes.
const (
	// ModeNewURI: the current R-URI (the 3.x default).
	ModeNewURI StoreMode = iota
	// ModeOrigURI: the original R-URI ($ou).
	ModeOrigURI
	// ModeTo: the To URI ($tu).
	ModeTo
)

// Funcs declares m_store and m_dump.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "m_store", Routes: api.RequestRoute | api.FailureRoute,
			Args:    []api.Arg{{Name: "owner", Type: api.ArgStr, Optional: true, Fixup: ownerFixup}},
			Returns: "1 stored; -1 error", Call: m.callStore},
		{Name: "m_dump", Routes: api.RequestRoute | api.StartupRoute | api.TimerRoute | api.EventRoute,
			Args: []api.Arg{{Name: "owner", Type: api.ArgStr, Optional: true, Fixup: uriFixup},
				{Name: "maxmsg", Type: api.ArgInt, Optional: true, Fixup: maxMsgFixup}},
			Returns: "1 dumped (also when nothing was stored); -1 error", Call: m.callDump},
	}
}

var modeHints = [...]string{ModeNewURI: "m_store()", ModeOrigURI: "m_store($ou)", ModeTo: "m_store($tu)"}

// ownerFixup checks a literal owner URI; the 1.x mode digits become a
// StoreMode with a legacy warning.
func ownerFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if len(a.Str) == 1 && a.Str[0] >= '0' && a.Str[0] <= '2' {
		mode := StoreMode(a.Str[0] - '0')
		if fc.Legacy != nil {
			fc.Legacy(fmt.Sprintf("m_store(%q) is the 1.x mode form", a.Str), modeHints[mode])
		}
		a.Fixed = mode
		return nil
	}
	return uriFixup(fc, a)
}

// uriFixup checks that a literal owner is a SIP URI.
func uriFixup(_ *api.FixupCtx, a *api.FixArg) error {
	s := strings.ToLower(strings.TrimSpace(a.Str))
	if !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") && !strings.HasPrefix(s, "tel:") {
		return fmt.Errorf("owner %q is not a SIP URI", a.Str)
	}
	return nil
}

func maxMsgFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if a.Int < 0 {
		return fmt.Errorf("maxmsg must not be negative, got %d", a.Int)
	}
	return nil
}

// callStore runs m_store: the owner is the argument, or per the 1.x mode
// the current R-URI (default), the original R-URI or the To URI.
func (m *Module) callStore(c *api.Ctx, args []any) api.Ret {
	if c.Msg == nil {
		return api.RetFalse
	}
	var uri string
	switch v := args[0].(type) {
	case string:
		uri = v
	case StoreMode:
		switch v {
		case ModeOrigURI:
			uri = c.Msg.OrigRURI()
		case ModeTo:
			to, err := c.Msg.To()
			if err != nil {
				c.Log.Error("m_store: cannot parse To", "err", err)
				return api.RetFalse
			}
			uri = to.URI
		default:
			uri = c.Msg.RURI()
		}
	default:
		uri = c.Msg.RURI()
	}
	return m.store(c, uri)
}

// callDump runs m_dump: the owner defaults to the To URI.
func (m *Module) callDump(c *api.Ctx, args []any) api.Ret {
	uri, _ := args[0].(string)
	if uri == "" {
		if c.Msg == nil {
			c.Log.Error("m_dump: no owner and no message")
			return api.RetFalse
		}
		to, err := c.Msg.To()
		if err != nil {
			c.Log.Error("m_dump: cannot parse To", "err", err)
			return api.RetFalse
		}
		uri = to.URI
	}
	maxMsg, _ := args[1].(int64)
	return m.dump(c, uri, int(maxMsg))
}

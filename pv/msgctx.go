package pv

import (
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// The message PVs read the runtime's state through these optional
// interfaces on api.Ctx.Priv (or api.Ctx.Core for FlagResolver and
// SocketFinder), so that pv never imports the runtime. A missing interface
// makes the PV read as NULL, or fail with ErrNotImplemented on write.

// FlagResolver maps flag names to bits at run time ($msg.flag(NAME),
// $msg.branch.flag(NAME)). Without it the names are looked up through
// api.Core.MsgFlagName / BranchFlagName, which only finds allocated flags.
type FlagResolver interface {
	MsgFlagBit(name string) (int, bool)
	BranchFlagBit(name string) (int, bool)
}

// MsgIDer gives the internal id of the message being processed ($mi).
type MsgIDer interface{ MsgID() uint64 }

// CfgLocator gives the script position of the statement being executed
// ($cfg_file, $cfg_line).
type CfgLocator interface {
	CfgPos() (file string, line int)
}

// RouteFrame is one entry of the route call stack.
type RouteFrame struct {
	Type api.RouteType
	// Name is the route name; "" for the main request route and for
	// unnamed blocks.
	Name string
}

// RouteStacker gives the route call stack, outermost first ($route,
// $route.name, $route.type).
type RouteStacker interface{ RouteStack() []RouteFrame }

// LogLeveler reads and overrides the worker's log levels ($log_level,
// $xlog_level); reset drops the override.
type LogLeveler interface {
	LogLevel(xlog bool) int
	SetLogLevel(xlog bool, level int, reset bool)
}

// ReturnValuer gives the extra values of the last return(code, v0, v1...)
// ($return(n)).
type ReturnValuer interface{ ReturnValues() []api.Value }

// ArgvHolder gives the -a name=value command-line arguments ($argv).
type ArgvHolder interface {
	Argv(name string) (string, bool)
}

// SocketFinder finds a listening socket by protocol, address and port
// ($socket_out = "udp:1.2.3.4:5060"); port 0 matches any port.
type SocketFinder interface {
	FindSocket(proto sip.Proto, host string, port int) *sip.Socket
}

// Cacher is implemented by the runtime's per-message state to keep the
// values of PVs that cost an allocation to build ($si, $sp, the parsed
// credentials), so that reading them again is free.
type Cacher interface{ PVCache() *MsgCache }

// MsgCache holds values derived from the message. Entries are keyed by
// what they were computed from, so a stale entry is never served; the
// runtime still calls Reset when it reuses the context for a new message,
// to drop references to the old one.
type MsgCache struct {
	src     netip.AddrPort
	srcIP   string
	srcPort string
	srcOK   bool

	authHdr string // header value the digest was parsed from
	auth    digest
	authOK  bool

	sdp sdpLines // the SDP body cut into lines ($sdp.line...)
}

// Reset prepares the cache for the next message. The source-address
// strings stay: they are keyed by the address, so a worker receiving from
// the same peers formats them once.
func (m *MsgCache) Reset() {
	src, ip, port, ok := m.src, m.srcIP, m.srcPort, m.srcOK
	*m = MsgCache{src: src, srcIP: ip, srcPort: port, srcOK: ok}
}

func cacheOf(c *api.Ctx) *MsgCache {
	if h, ok := ctxPriv[Cacher](c); ok {
		return h.PVCache()
	}
	return nil
}

// msgOf returns the message of c, or nil (startup, timer, event routes).
func msgOf(c *api.Ctx) *sip.Msg {
	if c == nil {
		return nil
	}
	return c.Msg
}

// reqOf returns the message when it is a request.
func reqOf(c *api.Ctx) *sip.Msg {
	if m := msgOf(c); m != nil && m.IsRequest() {
		return m
	}
	return nil
}

// intText makes an integer value whose string form is s, a substring of
// the message, so no string is built.
func intText(n int64, s string) api.Value {
	return api.Value{Flags: api.VInt | api.VStr, I: n, S: s}
}

// Common integer strings (ports, codes) that would otherwise be formatted
// on every read.
const (
	str5060 = "5060"
	str5061 = "5061"
)

// intVal makes an integer value with its string form, avoiding the
// allocation for the values PVs return most often.
func intVal(n int64) api.Value {
	switch n {
	case 5060:
		return intText(n, str5060)
	case 5061:
		return intText(n, str5061)
	}
	return IntStr(n)
}

// selectIdx applies the spec's index to a list of n values read through
// at: no index is the first, [-1] the last, [*] all joined with ", ".
func selectIdx(c *api.Ctx, s *Spec, n int, at func(i int) string) (api.Value, error) {
	kind, i, err := s.IndexValue(c)
	if err != nil {
		return api.Null, err
	}
	if n == 0 {
		return api.Null, nil
	}
	switch kind {
	case IdxAll:
		if n == 1 {
			return api.StrValue(at(0)), nil
		}
		var b strings.Builder
		for k := 0; k < n; k++ {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString(at(k))
		}
		return api.StrValue(b.String()), nil
	case IdxInt:
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return api.Null, nil
		}
		return api.StrValue(at(i)), nil
	}
	return api.StrValue(at(0)), nil
}

// valueStr returns the string form a setter needs, or an error naming
// the PV.
func valueStr(s *Spec, v api.Value) (string, error) {
	if !v.IsStr() {
		if v.IsInt() {
			return strconv.FormatInt(v.I, 10), nil
		}
		return "", errf(s, "a string value is required")
	}
	return v.S, nil
}

// valueInt returns the integer form a setter needs ("12" strings count).
func valueInt(s *Spec, v api.Value) (int64, error) {
	if v.IsInt() {
		return v.I, nil
	}
	if v.IsStr() {
		if n, ok := strictInt(strings.TrimSpace(v.S)); ok {
			return n, nil
		}
	}
	return 0, errf(s, "an integer value is required")
}

type pvError struct {
	pv, msg string
}

func (e *pvError) Error() string { return e.pv + ": " + e.msg }

func errf(s *Spec, msg string) error { return &pvError{pv: describe(s), msg: msg} }

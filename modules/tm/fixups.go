package tm

import (
	"fmt"
	"strings"

	"gosips/api"
)

// Relay flags of t_relay()/t_replicate() (3.4+ names). Their bits equal
// the 3.0-3.3 integer bitmask: 0x02, 0x04, 0x08, 0x10.
const (
	RelayNoAuto477     RelayFlags = 0x02
	RelayNoDNSFailover RelayFlags = 0x04
	RelayPassReasonHdr RelayFlags = 0x08
	RelayAllowNoCancel RelayFlags = 0x10
)

// RelayFlagNames are t_relay()'s flag names, bit i+1 each.
var RelayFlagNames = []string{"no-auto-477", "no-dns-failover", "pass-reason-hdr", "allow-no-cancel"}

// RelayFlags is a set of relay flags.
type RelayFlags uint32

func (f RelayFlags) String() string { return api.FormatNamedFlags(uint32(f)>>1, RelayFlagNames) }

// RelayOpts is the fixed form of both t_relay() arguments (and of
// t_replicate()'s flags). Old configs put the outbound proxy first
// (t_relay("udp:h:p")) or the flags second, so either slot may carry
// either part; the call merges both. For OpenSER's t_replicate(host,
// port) the flags slot carries a Proxy with only the port set.
type RelayOpts struct {
	Flags RelayFlags
	Proxy *api.Dest
}

// parseRelayFlags parses the 3.4+ CSV form.
func parseRelayFlags(s string) (RelayFlags, error) {
	bits, err := api.ParseNamedFlags(s, RelayFlagNames)
	return RelayFlags(bits << 1), err
}

// noTrying is the 1.x relay flag 0x01 (no automatic 100 Trying), which 3.x
// only has as modparam("tm", "auto_100trying", 0).
const noTrying = 0x01

// legacyRelayMask maps a 1.x-3.3 integer bitmask, reporting it.
func legacyRelayMask(fc *api.FixupCtx, n int64, written string) (RelayFlags, error) {
	known := int64(RelayNoAuto477 | RelayNoDNSFailover | RelayPassReasonHdr | RelayAllowNoCancel | noTrying)
	if n < 0 || n&^known != 0 {
		return 0, fmt.Errorf("unknown relay flag bits 0x%x in %q (known: 0x02 no-auto-477, 0x04 no-dns-failover, 0x08 pass-reason-hdr, 0x10 allow-no-cancel)", n&^known, written)
	}
	if n&noTrying != 0 {
		legacy(fc, fmt.Sprintf("relay flag 0x01 (no 100 Trying) in %q is not per call any more", written), `modparam("tm", "auto_100trying", 0)`)
	}
	f := RelayFlags(n &^ noTrying)
	legacy(fc, fmt.Sprintf("numeric relay flags %q", written), fmt.Sprintf("%q", f.String()))
	return f, nil
}

// relayFlagsFixup handles t_relay()'s first argument: named flags, a
// legacy bitmask, or (1.x-2.x) an outbound proxy.
func relayFlagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	return relayFixup(fc, a, true)
}

// replicateFlagsFixup handles t_replicate()'s flags.
func replicateFlagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	return relayFixup(fc, a, false)
}

func relayFixup(fc *api.FixupCtx, a *api.FixArg, proxyOK bool) error {
	s := strings.TrimSpace(a.Str)
	f, err := parseRelayFlags(s)
	if err == nil {
		a.Fixed = RelayOpts{Flags: f}
		return nil
	}
	if n, ok := api.ParseLegacyInt(s); ok && !proxyOK && n > 0x1f && n <= 65535 && !strings.HasPrefix(s, "0x") {
		// OpenSER's t_replicate(host, port).
		legacy(fc, fmt.Sprintf("port %s as second argument", s), `t_replicate("sip:host:port")`)
		a.Fixed = RelayOpts{Proxy: &api.Dest{Port: int(n)}}
		return nil
	}
	if n, ok := api.ParseLegacyInt(s); ok {
		f, err := legacyRelayMask(fc, n, s)
		if err != nil {
			return err
		}
		a.Fixed = RelayOpts{Flags: f}
		return nil
	}
	if proxyOK && looksLikeDest(s) {
		d, derr := api.ParseDest(s)
		if derr != nil {
			return derr
		}
		legacy(fc, "outbound proxy as first argument", fmt.Sprintf(`t_relay(, %q)`, s))
		a.Fixed = RelayOpts{Proxy: &d}
		return nil
	}
	return err
}

// proxyFixup handles t_relay()'s outbound proxy; 2.x configs wrote the
// flags there (t_relay("udp:h:p", "0x02") had the proxy first).
func proxyFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if n, ok := api.ParseLegacyInt(s); ok {
		f, err := legacyRelayMask(fc, n, s)
		if err != nil {
			return err
		}
		a.Fixed = RelayOpts{Flags: f}
		return nil
	}
	d, err := api.ParseDest(s)
	if err != nil {
		return fmt.Errorf("outbound proxy: %w", err)
	}
	a.Fixed = RelayOpts{Proxy: &d}
	return nil
}

func looksLikeDest(s string) bool { return strings.ContainsAny(s, ".:[") }

// RouteRef is the fixed form of a route-name argument.
type RouteRef struct {
	Kind api.RouteType
	Name string
}

// routeFixup checks the named route of the given kind exists.
func routeFixup(kind api.RouteType) func(*api.FixupCtx, *api.FixArg) error {
	return func(fc *api.FixupCtx, a *api.FixArg) error {
		name := strings.TrimSpace(a.Str)
		if name == "" {
			return fmt.Errorf("empty %s name", kind.BlockName())
		}
		if fc.Route != nil && !fc.Route(kind, name) {
			if name == "0" {
				// 1.x armed route 0 to disarm the hook.
				legacy(fc, fmt.Sprintf("route \"0\" (no %s)", kind.BlockName()), "remove the call")
				a.Fixed = RouteRef{Kind: kind}
				return nil
			}
			return fmt.Errorf("%s[%s] is not defined", kind.BlockName(), name)
		}
		a.Fixed = RouteRef{Kind: kind, Name: name}
		return nil
	}
}

// LocalReplied selects what t_local_replied() checks.
type LocalReplied int

const (
	RepliedAll LocalReplied = iota
	RepliedBranch
	RepliedLast
)

var localRepliedNames = []string{"all", "branch", "last"}

func localRepliedFixup(fc *api.FixupCtx, a *api.FixArg) error {
	for i, n := range localRepliedNames {
		if strings.EqualFold(strings.TrimSpace(a.Str), n) {
			a.Fixed = LocalReplied(i)
			return nil
		}
	}
	return unknown("reply selector", a.Str, localRepliedNames)
}

// CancelBranch flags of t_cancel_branch().
type CancelBranch uint8

const (
	CancelAll    CancelBranch = 1 << iota // "a"
	CancelOthers                          // "o"
)

func cancelBranchFixup(fc *api.FixupCtx, a *api.FixArg) error {
	var f CancelBranch
	for _, c := range a.Str {
		switch c {
		case 'a', 'A':
			f |= CancelAll
		case 'o', 'O':
			f |= CancelOthers
		default:
			return fmt.Errorf("unsupported flag %q (expected a = all, o = others)", c)
		}
	}
	a.Fixed = f
	return nil
}

// Inject sources and flags of t_inject_branches().
type Inject uint8

const (
	InjectMsg    Inject = 1 << iota // source "msg"
	InjectEvent                     // source "event"
	InjectCancel                    // flag "cancel" / 'c'
	InjectLast                      // flag 'l'
)

var injectSources = []string{"msg", "message", "event", "events"}

func injectSourceFixup(fc *api.FixupCtx, a *api.FixArg) error {
	switch strings.ToLower(strings.TrimSpace(a.Str)) {
	case "msg", "message":
		a.Fixed = InjectMsg
	case "event", "events":
		a.Fixed = InjectEvent
	default:
		return unknown("injection source", a.Str, injectSources)
	}
	return nil
}

func injectFlagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if strings.EqualFold(a.Str, "cancel") {
		a.Fixed = InjectCancel
		return nil
	}
	var f Inject
	for _, c := range a.Str {
		switch c {
		case 'c', 'C':
			f |= InjectCancel
		case 'l', 'L':
			f |= InjectLast
		default:
			return fmt.Errorf("unknown injection flag %q (expected c = cancel, l = last)", c)
		}
	}
	a.Fixed = f
	return nil
}

// TwInfo is the fixed form of t_write_req/t_write_unix's info
// argument "action[/append_name]".
type TwInfo struct {
	Action string
	Append string // a tw_append name, or ""
}

// twInfoFixup parses "action[/append_name]"; the append name must be
// defined by a tw_append parameter.
func (t *TM) twInfoFixup(fc *api.FixupCtx, a *api.FixArg) error {
	action, app, hasApp := strings.Cut(a.Str, "/")
	if action == "" {
		return fmt.Errorf("empty action name in %q", a.Str)
	}
	info := TwInfo{Action: action}
	if hasApp {
		if app == "" {
			return fmt.Errorf("empty tw_append name in %q", a.Str)
		}
		var names []string
		for _, def := range t.TwAppend {
			n, _, _ := cutTwAppend(def)
			names = append(names, n)
		}
		found := false
		for _, n := range names {
			found = found || n == app
		}
		if !found {
			return unknown("tw_append name", app, names)
		}
		info.Append = app
	}
	a.Fixed = info
	return nil
}

// cutTwAppend splits a tw_append value "name:elements".
func cutTwAppend(s string) (name, elems string, ok bool) {
	name, elems, ok = strings.Cut(s, ":")
	name, elems = strings.TrimSpace(name), strings.TrimSpace(elems)
	return name, elems, ok && name != "" && elems != ""
}

package core

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
)

// Flag is the fixed form of a flag-name argument: the bit index the
// loading script allocated for the name.
type Flag int

// LegacyFlagName names an old numeric flag (setflag(1), nat_bflag 6).
// Every module maps bare flag numbers through it so that the same number
// means the same flag in functions and modparams.
func LegacyFlagName(n int64) string { return strconv.FormatInt(n, 10) }

// MsgFlagFixup resolves a message flag name (setflag("NAT")).
func MsgFlagFixup(fc *api.FixupCtx, a *api.FixArg) error {
	return flagFixup(fc.MsgFlag, "message", a)
}

// BranchFlagFixup resolves a branch flag name (setbflag("NAT")).
func BranchFlagFixup(fc *api.FixupCtx, a *api.FixArg) error {
	return flagFixup(fc.BranchFlag, "branch", a)
}

func flagFixup(alloc func(string) (int, error), kind string, a *api.FixArg) error {
	name := strings.TrimSpace(a.Str)
	if name == "" {
		return fmt.Errorf("empty %s flag name", kind)
	}
	if alloc == nil {
		return fmt.Errorf("%s flags cannot be allocated here", kind)
	}
	n, err := alloc(name)
	if err != nil {
		return fmt.Errorf("%s flag %q: %w", kind, name, err)
	}
	a.Fixed = Flag(n)
	return nil
}

// Q is a q-value in thousandths (0..1000); QUnspecified when not given.
type Q int

// QUnspecified marks an absent q-value.
const QUnspecified Q = -1

// ParseQ parses a q-value: a number from 0 to 1 with at most 3 decimals.
func ParseQ(s string) (Q, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 3 || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, fmt.Errorf("bad q-value %q (expected 0 to 1, at most 3 decimals)", s)
	}
	w, _ := strconv.Atoi(whole)
	f, _ := strconv.Atoi((frac + "000")[:3])
	q := w*1000 + f
	if q > 1000 {
		return 0, fmt.Errorf("q-value %q above 1", s)
	}
	return Q(q), nil
}

func qFixup(fc *api.FixupCtx, a *api.FixArg) error {
	q, err := ParseQ(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = q
	return nil
}

// MaxBranches is OpenSIPS' default compile-time branch limit.
const MaxBranches = 12

func branchIndexFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Int >= MaxBranches {
		return fmt.Errorf("branch index %d out of range (0-%d)", a.Int, MaxBranches-1)
	}
	if a.Int < 0 {
		a.Fixed = int64(-1)
	}
	return nil
}

func keepFixup(fc *api.FixupCtx, a *api.FixArg) error {
	keep := strings.EqualFold(a.Str, "keep")
	if !keep && a.Str != "" {
		warn(fc, fmt.Sprintf("%q is not \"keep\": the source branch is discarded", a.Str), `"keep"`)
	}
	a.Fixed = keep
	return nil
}

// ViaFlags are set_via_handling()'s flags.
var ViaFlags = []string{"force-rport", "add-local-rport", "reply-to-via", "force-tcp-alias"}

// BranchFlags are append_msg_branch()'s flags (OpenSIPS spells it so).
var BranchFlags = []string{"inherite"}

// NamedFlags is the fixed form of a CSV flags argument.
type NamedFlags uint32

// NamedFlagsFixup returns a fixup parsing a CSV of the given flag names.
func NamedFlagsFixup(names []string) func(*api.FixupCtx, *api.FixArg) error {
	return func(fc *api.FixupCtx, a *api.FixArg) error {
		bits, err := api.ParseNamedFlags(a.Str, names)
		if err != nil {
			return err
		}
		a.Fixed = NamedFlags(bits)
		return nil
	}
}

// destFixup parses a "[proto:]host[:port]" literal.
func destFixup(fc *api.FixupCtx, a *api.FixArg) error {
	d, err := api.ParseDest(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = d
	return nil
}

// forwardFixup refuses forward() when stateless forwarding is disabled.
func forwardFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if c := coreOf(fc); c != nil && c.Config.DisableStatelessFwd != 0 {
		return fmt.Errorf("stateless forwarding is disabled (disable_stateless_fwd), but forward() is used")
	}
	if !a.Given {
		return nil
	}
	return legacyHostFixup(fc, a)
}

// legacyHostFixup takes a destination, or the OpenSER "uri:host" keyword
// meaning the R-URI's host (fixed to a api.Dest with no host).
func legacyHostFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if strings.EqualFold(strings.TrimSpace(a.Str), "uri:host") {
		legacyNote(fc, "uri:host as destination", "forward() (it uses $du or the R-URI)")
		a.Fixed = api.Dest{}
		return nil
	}
	return destFixup(fc, a)
}

// legacyPortFixup takes the port of OpenSER's forward(host, port): a
// number, or "uri:port" for the R-URI's port (fixed to 0).
func legacyPortFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if strings.EqualFold(s, "uri:port") {
		a.Fixed = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad port %q", a.Str)
	}
	legacyNote(fc, "port given as a second argument", `forward("[proto:]host:port")`)
	a.Fixed = n
	return nil
}

// blacklistFixup checks a dst_blacklist name ("all" selects every list).
func blacklistFixup(all bool) func(*api.FixupCtx, *api.FixArg) error {
	return func(fc *api.FixupCtx, a *api.FixArg) error {
		if all && strings.EqualFold(a.Str, "all") {
			a.Fixed = ""
			return nil
		}
		if c := coreOf(fc); c != nil {
			names := c.Config.BlacklistNames()
			if len(names) > 0 && !contains(names, a.Str) {
				// Modules may create lists of their own, so only warn.
				warn(fc, fmt.Sprintf("blacklist %q is not defined by any dst_blacklist", a.Str), didYouMean(a.Str, names))
			}
		}
		return nil
	}
}

// BlacklistNames lists the names of the dst_blacklist definitions
// ("NAME[/flags] : { rules }").
func (c *Config) BlacklistNames() []string {
	var out []string
	for _, def := range c.DstBlacklists {
		name, _, _ := strings.Cut(def, ":")
		name, _, _ = strings.Cut(name, "/")
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func ipFixup(fc *api.FixupCtx, a *api.FixArg) error {
	ip, err := netip.ParseAddr(strings.Trim(a.Str, "[]"))
	if err != nil {
		return fmt.Errorf("bad IP address %q", a.Str)
	}
	a.Fixed = ip
	return nil
}

// blNet is a fixed blacklist network argument ("[!]ip[/mask]").
type blNet struct {
	neg bool
	net netip.Prefix
}

func netFixup(fc *api.FixupCtx, a *api.FixArg) error {
	n, err := parseBLNet(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = n
	return nil
}

func parseBLNet(s string) (blNet, error) {
	var n blNet
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "!") {
		n.neg, s = true, strings.TrimSpace(s[1:])
	}
	p, err := ParseIPNet(s)
	if err != nil {
		return n, err
	}
	n.net = p
	return n, nil
}

var blacklistProtos = []string{"any", "udp", "tcp", "tls", "sctp", "ws", "wss", "bin", "bins", "hep_udp", "hep_tcp"}

func protoFixup(fc *api.FixupCtx, a *api.FixArg) error {
	p := strings.ToLower(a.Str)
	if !contains(blacklistProtos, p) {
		return unknown("protocol", a.Str, blacklistProtos)
	}
	a.Fixed = p
	return nil
}

// avpVarFixup checks an output variable is an AVP (raise_event,
// construct_uri, get_timestamp).
func avpVarFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if s := strings.TrimSpace(a.Str); strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "$avp(") {
		return fmt.Errorf("%s must be an AVP ($avp(name))", s)
	}
	return nil
}

// avpListFixup checks a ";"-separated list of AVPs ("$avp(a);$avp(b)").
func avpListFixup(fc *api.FixupCtx, a *api.FixArg) error {
	var names []string
	for _, p := range strings.Split(a.Str, ";") {
		p = strings.TrimSpace(p)
		if !strings.HasPrefix(p, "$avp(") || !strings.HasSuffix(p, ")") {
			return fmt.Errorf("bad AVP %q in list (expected $avp(name);...)", p)
		}
		names = append(names, p)
	}
	a.Fixed = names
	return nil
}

// LogLevel is the fixed form of an xlog level argument.
type LogLevel int

var xlogLevels = []string{"L_ALERT", "L_CRIT", "L_ERR", "L_WARN", "L_NOTICE", "L_INFO", "L_DBG"}

// XlogLevelFixup maps "L_ALERT".."L_DBG" to a level. Like OpenSIPS it
// only looks at the third character, and warns when the rest differs.
func XlogLevelFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	lvl, ok := LogLevel(0), false
	if len(s) >= 3 {
		switch s[2] {
		case 'A':
			lvl, ok = LogAlert, true
		case 'C':
			lvl, ok = LogCrit, true
		case 'E':
			lvl, ok = LogErr, true
		case 'W':
			lvl, ok = LogWarn, true
		case 'N':
			lvl, ok = LogNotice, true
		case 'I':
			lvl, ok = LogInfo, true
		case 'D':
			lvl, ok = LogDbg, true
		}
	}
	if !ok {
		if h := didYouMean(s, xlogLevels); h != "" {
			return fmt.Errorf("unknown log level %q (%s)", s, h)
		}
		return fmt.Errorf("unknown log level %q (expected one of %s)", s, strings.Join(xlogLevels, ", "))
	}
	if !contains(xlogLevels, s) {
		warn(fc, fmt.Sprintf("log level %q read as %s", s, xlogLevels[levelIndex(lvl)]), xlogLevels[levelIndex(lvl)])
	}
	a.Fixed = lvl
	return nil
}

func levelIndex(l LogLevel) int {
	if l < 0 {
		return int(l) + 3
	}
	return int(l) + 2
}

// lenGtFixup takes len_gt()'s number or the 1.x keyword max_len.
func lenGtFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if s == "max_len" {
		a.Fixed = int64(-1)
		return nil
	}
	n, ok := api.ParseLegacyInt(s)
	if !ok {
		return fmt.Errorf("len_gt: expected a length or max_len, got %q", a.Str)
	}
	a.Fixed = n
	return nil
}

// scriptFlagFixup maps a 1.x script flag onto a message flag "SF_<n>".
func scriptFlagFixup(fc *api.FixupCtx, a *api.FixArg) error {
	a.Str = "SF_" + strings.TrimSpace(a.Str)
	return MsgFlagFixup(fc, a)
}

func coreOf(fc *api.FixupCtx) *Core {
	if fc == nil || fc.Module == nil {
		return nil
	}
	c, _ := fc.Module("core").(*Core)
	return c
}

func didYouMean(s string, names []string) string { return diag.DidYouMean(s, names) }

// warn reports a non-fatal finding when the loader listens for one.
func warn(fc *api.FixupCtx, msg, hint string) {
	if fc != nil && fc.Warn != nil {
		fc.Warn(msg, hint)
	}
}

// legacyNote reports an accepted old form when the loader listens for one.
func legacyNote(fc *api.FixupCtx, msg, modern string) {
	if fc != nil && fc.Legacy != nil {
		fc.Legacy(msg, modern)
	}
}

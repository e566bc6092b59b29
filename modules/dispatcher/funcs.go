package dispatcher

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
)

// Flags is the fixed form of ds_select_*()'s flags argument.
type Flags uint8

// Flag bits, as OpenSIPS' DS_* constants.
const (
	HashUserOnly Flags = 1 << iota // u
	Failover                       // f
	UseDefault                     // d
	AppendMode                     // a
)

func (f Flags) String() string {
	var b strings.Builder
	for _, x := range []struct {
		bit Flags
		c   byte
	}{{Failover, 'f'}, {HashUserOnly, 'u'}, {UseDefault, 'd'}, {AppendMode, 'a'}} {
		if f&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

// State is a destination state (ds_mark_dst, ds_set_state).
type State uint8

// Destination states.
const (
	Inactive State = iota
	Active
	Probing
)

// CountFilter is the fixed form of ds_count()'s filter: a set of states.
type CountFilter uint8

// Count filter bits.
const (
	CountActive CountFilter = 1 << iota
	CountInactive
	CountProbing
)

// Algorithms known to ds_select_*(); others pick the first destination.
var algorithms = map[int64]string{0: "hash over Call-ID", 1: "hash over From URI",
	2: "hash over To URI", 3: "hash over R-URI", 4: "weighted round-robin",
	5: "hash over auth username", 6: "random", 7: "hash over hash_pvar",
	8: "first entry", 9: "load via pvar_algo_pattern", 10: "algo_route ordering"}

// Funcs declares the dispatcher script functions.
func (m *Module) Funcs() []api.Func {
	part := api.Arg{Name: "partition", Type: api.ArgStr, Optional: true, Fixup: m.partitionFixup}
	selectArgs := []api.Arg{
		{Name: "set", Type: api.ArgInt},
		{Name: "alg", Type: api.ArgInt, Fixup: algFixup},
		{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: flagsFixup},
		part,
		{Name: "max_results", Type: api.ArgInt, Optional: true, Fixup: nonNegativeFixup},
	}
	selRoutes := api.RequestRoute | api.BranchRoute | api.FailureRoute | api.LocalRoute
	return []api.Func{
		{Name: "ds_select_dst", Routes: selRoutes, Args: selectArgs, Call: m.callSelect(false),
			Returns: "1 a destination was selected ($du set); -1 none available or error"},
		{Name: "ds_select_domain", Routes: selRoutes, Args: selectArgs, Call: m.callSelect(true),
			Returns: "1 a destination was selected (R-URI host:port rewritten); -1 none available or error"},
		{Name: "ds_next_dst", Routes: api.RequestRoute | api.FailureRoute, Args: []api.Arg{part}, Call: m.callNext(false),
			Returns: "1 next failover destination set in $du; -1 no more destinations"},
		{Name: "ds_next_domain", Routes: api.RequestRoute | api.FailureRoute, Args: []api.Arg{part}, Call: m.callNext(true),
			Returns: "1 next failover destination set in the R-URI; -1 no more destinations"},
		{Name: "ds_mark_dst", Routes: api.RequestRoute | api.FailureRoute, Call: m.callMark,
			Args:    []api.Arg{{Name: "state", Type: api.ArgStr, Optional: true, Fixup: stateFixup}, part},
			Returns: "1 the last used destination was marked; -1 error"},
		{Name: "ds_is_in_list", Call: m.callIsInList,
			Routes: api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute,
			Args: []api.Arg{{Name: "ip", Type: api.ArgStr},
				{Name: "port", Type: api.ArgInt, Fixup: portFixup},
				{Name: "set", Type: api.ArgInt, Optional: true},
				part,
				{Name: "active_only", Type: api.ArgInt, Optional: true},
				{Name: "pattern", Type: api.ArgStr, Optional: true}},
			Returns: "1 the address is a destination (of the set; -1 = any); -1 not"},
		{Name: "ds_count", Call: m.callCount,
			Routes: api.RequestRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute | api.TimerRoute | api.EventRoute,
			Args: []api.Arg{{Name: "set", Type: api.ArgInt},
				{Name: "filter", Type: api.ArgStr, Fixup: countFilterFixup},
				{Name: "result", Type: api.ArgVar, Writable: true},
				part},
			Returns: "1 the count was written; -1 error"},
		{Name: "ds_push_script_attrs", Routes: api.AllRoutes, Call: m.callPushScriptAttrs,
			Args: []api.Arg{{Name: "attrs", Type: api.ArgStr}, {Name: "ip", Type: api.ArgStr},
				{Name: "port", Type: api.ArgInt, Fixup: portFixup},
				{Name: "set", Type: api.ArgInt, Optional: true}, part},
			Returns: "1 attributes pushed; -1 destination not found"},
		{Name: "ds_get_script_attrs", Routes: api.AllRoutes, Call: m.callGetScriptAttrs,
			Args: []api.Arg{{Name: "uri", Type: api.ArgStr}, {Name: "set", Type: api.ArgInt}, part,
				{Name: "result", Type: api.ArgVar, Writable: true}},
			Returns: "1 attributes written; -1 destination not found"},

		// 1.x name, replaced by ds_is_in_list in 1.6.
		{Name: "ds_is_from_list", Legacy: `ds_is_in_list($si, $sp[, set])`, Call: m.callIsFromList,
			Routes:  api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute,
			Args:    []api.Arg{{Name: "set", Type: api.ArgInt, Optional: true}},
			Returns: "1 the source address is a destination; -1 not"},
	}
}

// partitionFixup checks that a literal partition is defined.
func (m *Module) partitionFixup(_ *api.FixupCtx, a *api.FixArg) error {
	p := m.partition(a.Str)
	if p == nil {
		return fmt.Errorf("unknown partition %q (defined: %s)", a.Str, strings.Join(m.partitionNames(), ", "))
	}
	a.Fixed = p
	return nil
}

// algFixup warns about algorithms that silently fall back to the first
// destination.
func algFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if _, ok := algorithms[a.Int]; !ok && fc.Warn != nil {
		fc.Warn(fmt.Sprintf("unknown algorithm %d: the first destination of the set is used", a.Int),
			"0-10, see the dispatcher README")
	}
	return nil
}

// ParseFlags parses the letter flags f, u, d, a (case-insensitive).
func ParseFlags(s string) (Flags, error) {
	var f Flags
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
		case 'f', 'F':
			f |= Failover
		case 'u', 'U':
			f |= HashUserOnly
		case 'd', 'D':
			f |= UseDefault
		case 'a', 'A':
			f |= AppendMode
		default:
			return 0, fmt.Errorf("invalid flag %q in %q (f failover, u hash user only, d use default, a append)", s[i], s)
		}
	}
	return f, nil
}

// flagsFixup parses the flags; the 2.x "flagsMmax" / "max" form (max
// results in the flags string) is accepted with a legacy warning.
func flagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	f, err := ParseFlags(a.Str)
	if err == nil {
		a.Fixed = f
		return nil
	}
	letters, max, ok := strings.Cut(a.Str, "M")
	if !ok && a.Str != "" && a.Str[0] >= '0' && a.Str[0] <= '9' {
		letters, max, ok = "", a.Str, true
	}
	if !ok {
		return err
	}
	n, aerr := strconv.Atoi(strings.TrimSpace(max))
	f, ferr := ParseFlags(letters)
	if aerr != nil || ferr != nil || n < 0 {
		return err
	}
	if fc.Legacy != nil {
		fc.Legacy(fmt.Sprintf("2.x flags form %q (max results inside the flags)", a.Str),
			fmt.Sprintf(`ds_select_dst(set, alg, "%s", , %d)`, f, n))
	}
	a.Fixed = f
	return nil
}

// ParseState parses a destination state: i/I/0 inactive, a/A/1 active,
// p/P/2 probing.
func ParseState(s string) (State, error) {
	if len(s) == 1 {
		switch s[0] {
		case 'i', 'I', '0':
			return Inactive, nil
		case 'a', 'A', '1':
			return Active, nil
		case 'p', 'P', '2':
			return Probing, nil
		}
	}
	return 0, fmt.Errorf("unknown state %q (i/0 inactive, a/1 active, p/2 probing)", s)
}

func stateFixup(_ *api.FixupCtx, a *api.FixArg) error {
	st, err := ParseState(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = st
	return nil
}

// countFilterFixup parses a combination of a/1, i/0 and p/2.
func countFilterFixup(fc *api.FixupCtx, a *api.FixArg) error {
	var f CountFilter
	for i := 0; i < len(a.Str); i++ {
		switch a.Str[i] {
		case ' ':
		case 'a', 'A', '1':
			f |= CountActive
		case 'i', 'I', '0':
			f |= CountInactive
		case 'p', 'P', '2':
			f |= CountProbing
		default:
			return fmt.Errorf("invalid filter %q in %q (a/1 active, i/0 inactive, p/2 probing)", a.Str[i], a.Str)
		}
	}
	if f == 0 && fc.Warn != nil {
		fc.Warn("empty ds_count filter counts nothing", `"a", "i", "p" or a combination`)
	}
	a.Fixed = f
	return nil
}

func portFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if a.Int < 0 || a.Int > 65535 {
		return fmt.Errorf("port %d out of range (0 = any)", a.Int)
	}
	return nil
}

func nonNegativeFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if a.Int < 0 {
		return fmt.Errorf("value must not be negative, got %d", a.Int)
	}
	return nil
}

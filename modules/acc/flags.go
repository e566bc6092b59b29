package acc

import (
	"fmt"
	"strings"

	"gosips/api"
)

// A flag mask holds one byte per backend (log, aaa, db, evi, in that
// order, as OpenSIPS' unsigned long long): bit 0 of a byte turns the
// backend on, the next bits are its flags.
const (
	fAcc    uint64 = 1 << 0
	fCDR    uint64 = 1 << 1
	fMissed uint64 = 1 << 2
	fFailed uint64 = 1 << 3
	fFlags         = fCDR | fMissed | fFailed
)

// backendBit is the "on" bit of backend b.
func backendBit(b int) uint64 { return 1 << (8 * b) }

// allBackends has the "on" bit of every backend.
var allBackends = backendBit(beLog) | backendBit(beAAA) | backendBit(beDB) | backendBit(beEVI)

// on reports whether flag f (fAcc, fCDR...) is set for backend b.
func on(mask uint64, b int, f uint64) bool { return mask&(backendBit(b)*f) != 0 }

// anyOn reports whether flag f is set for any backend.
func anyOn(mask uint64, f uint64) bool { return mask&(allBackends*f) != 0 }

// setMask is what do_accounting(types, flags) adds to a mask.
func setMask(types, flags uint64) uint64 { return types + types*flags }

// resetMask is drop_accounting(types, flags): it clears the flags of the
// backends and then the "on" bit of a backend left without flags (as
// OpenSIPS does, so dropping the last flag stops that backend).
func resetMask(types, flags uint64, have bool, mask uint64) uint64 {
	if types == 0 {
		types = allBackends
	}
	if !have {
		flags = fAcc | fFlags
	}
	mask &^= types * flags
	for b := range nBackends {
		if mask&(backendBit(b)*fFlags) == 0 {
			mask &^= backendBit(b)
		}
	}
	return mask
}

// parseTypes parses "log|db" into backend bits.
func (m *Acc) parseTypes(s string) (uint64, error) {
	var mask uint64
	for tok := range strings.SplitSeq(s, "|") {
		switch strings.ToLower(strings.TrimSpace(tok)) {
		case "log":
			mask |= backendBit(beLog)
		case "db":
			if m.dburl == "" {
				return 0, &api.HintError{Err: fmt.Errorf("do_accounting(\"db\") needs a database"),
					Hint: `set modparam("acc", "db_url", "...") or db_default_url`}
			}
			mask |= backendBit(beDB)
		case "aaa":
			return 0, &api.HintError{Err: fmt.Errorf("\"aaa\" accounting needs an AAA module, which gosips does not have"),
				Hint: "account to \"log\" or \"db\""}
		case "evi":
			mask |= backendBit(beEVI)
		default:
			return 0, fmt.Errorf("invalid accounting backend %q (expected log, db, aaa or evi)", strings.TrimSpace(tok))
		}
	}
	return mask, nil
}

// parseFlags parses "cdr|missed|failed".
func (m *Acc) parseFlags(s string) (uint64, error) {
	var mask uint64
	for tok := range strings.SplitSeq(s, "|") {
		switch strings.ToLower(strings.TrimSpace(tok)) {
		case "cdr":
			if !m.cdrOK {
				return 0, &api.HintError{Err: fmt.Errorf("\"cdr\" accounting needs the dialog module"),
					Hint: `add loadmodule "dialog.so"`}
			}
			mask |= fCDR
		case "missed":
			mask |= fMissed
		case "failed":
			mask |= fFailed
		default:
			return 0, fmt.Errorf("invalid accounting flag %q (expected cdr, missed or failed)", strings.TrimSpace(tok))
		}
	}
	return mask, nil
}

// typesFixup pre-parses a literal type list.
func (m *Acc) typesFixup(_ *api.FixupCtx, a *api.FixArg) error {
	v, err := m.parseTypes(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = maskArg(v)
	return nil
}

// flagsFixup pre-parses a literal flag list.
func (m *Acc) flagsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	v, err := m.parseFlags(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = maskArg(v)
	return nil
}

// maskArg is a type or flag list parsed at load time.
type maskArg uint64

// argMask returns the mask of a do_accounting()/drop_accounting()
// argument: fixed at load time, or parsed now from a variable's value.
func argMask(arg any, parse func(string) (uint64, error)) (uint64, bool, error) {
	switch v := arg.(type) {
	case nil:
		return 0, false, nil
	case maskArg:
		return uint64(v), true, nil
	case string:
		n, err := parse(v)
		return n, true, err
	}
	return 0, false, fmt.Errorf("unexpected argument %T", arg)
}

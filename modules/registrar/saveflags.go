package registrar

import (
	"fmt"
	"strconv"
	"strings"
)

// Unset marks an integer save flag that was not given (the module
// parameter applies).
const Unset = -1

// Contact matching modes (matching-mode save flag).
const (
	MatchContact       = 0 // contact URI only
	MatchContactCallID = 1 // contact URI and Call-ID
	MatchParams        = 2 // the listed contact params
)

// SaveFlags is the fixed form of save()'s flags argument.
type SaveFlags struct {
	MemoryOnly          bool
	NoReply             bool
	SocketHeader        bool
	PathStrict          bool
	PathLazy            bool
	PathOff             bool
	PathReceived        bool
	ForceRegistration   bool
	OnlyRequestContacts bool
	MaxContacts         int // Unset when not given
	MinExpires          int
	MaxExpires          int
	MatchingMode        int      // Unset, MatchContact, MatchContactCallID or MatchParams
	MatchParams         []string // for MatchParams
}

var saveBoolFlags = []string{"memory-only", "no-reply", "socket-header", "path-strict",
	"path-lazy", "path-off", "path-received", "force-registration", "only-request-contacts"}

var saveKVFlags = []string{"max-contacts", "min-expires", "max-expires", "matching-mode"}

func newSaveFlags() *SaveFlags {
	return &SaveFlags{MaxContacts: Unset, MinExpires: Unset, MaxExpires: Unset, MatchingMode: Unset}
}

func (f *SaveFlags) bool(name string) *bool {
	switch name {
	case "memory-only":
		return &f.MemoryOnly
	case "no-reply":
		return &f.NoReply
	case "socket-header":
		return &f.SocketHeader
	case "path-strict":
		return &f.PathStrict
	case "path-lazy":
		return &f.PathLazy
	case "path-off":
		return &f.PathOff
	case "path-received":
		return &f.PathReceived
	case "force-registration":
		return &f.ForceRegistration
	case "only-request-contacts":
		return &f.OnlyRequestContacts
	}
	return nil
}

// String renders the flags in the 3.4+ named form.
func (f *SaveFlags) String() string {
	var out []string
	for _, n := range saveBoolFlags {
		if *f.bool(n) {
			out = append(out, n)
		}
	}
	for _, kv := range []struct {
		name string
		v    int
	}{{"max-contacts", f.MaxContacts}, {"min-expires", f.MinExpires}, {"max-expires", f.MaxExpires}} {
		if kv.v != Unset {
			out = append(out, kv.name+"="+strconv.Itoa(kv.v))
		}
	}
	switch f.MatchingMode {
	case MatchContact, MatchContactCallID:
		out = append(out, "matching-mode="+strconv.Itoa(f.MatchingMode))
	case MatchParams:
		out = append(out, "matching-mode=<"+strings.Join(f.MatchParams, ";")+">")
	}
	return strings.Join(out, ",")
}

// ParseSaveFlags parses the 3.4+ named, comma-separated save() flags.
// Non-fatal oddities that OpenSIPS only logs are returned as warnings.
func ParseSaveFlags(s string) (f *SaveFlags, warns []string, err error) {
	f = newSaveFlags()
	err = parseNamed(s, saveBoolFlags, saveKVFlags, func(name, val string, hasVal bool) error {
		if b := f.bool(name); b != nil {
			*b = true
			return nil
		}
		switch name {
		case "max-contacts", "min-expires", "max-expires":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return fmt.Errorf("%s value %q is not a non-negative integer", name, val)
			}
			switch name {
			case "max-contacts":
				f.MaxContacts = n
			case "min-expires":
				f.MinExpires = n
			default:
				f.MaxExpires = n
			}
		case "matching-mode":
			switch {
			case val[0] == '0':
				f.MatchingMode = MatchContact
			case val[0] == '1':
				f.MatchingMode = MatchContactCallID
			case val[0] == '<' && len(val) >= 3 && strings.HasSuffix(val, ">"):
				f.MatchingMode = MatchParams
				f.MatchParams = splitParams(val[1 : len(val)-1])
			default:
				warns = append(warns, fmt.Sprintf("matching-mode value %q is invalid (0, 1 or <param;...>); ignored", val))
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return f, warns, nil
}

// ParseLegacySaveFlags parses the 1.5–3.3 letter form ("mr", "c5", "p2")
// and the ≤1.4 bitmask ("0x01" memory-only, "0x02" no-reply).
func ParseLegacySaveFlags(s string) (*SaveFlags, error) {
	if n, ok := parseBitmask(s); ok {
		if n&^3 != 0 {
			return nil, fmt.Errorf("unknown save() bitmask %s (0x01 memory-only, 0x02 no-reply)", s)
		}
		f := newSaveFlags()
		f.MemoryOnly, f.NoReply = n&1 != 0, n&2 != 0
		return f, nil
	}
	f := newSaveFlags()
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 'm':
			f.MemoryOnly = true
		case 'o':
			f.OnlyRequestContacts = true
		case 'r':
			f.NoReply = true
		case 's':
			f.SocketHeader = true
		case 'v':
			f.PathReceived = true
		case 'f':
			f.ForceRegistration = true
		case 'c', 'e', 'E':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(s[i+1 : j])
			i = j - 1
			switch c {
			case 'c':
				if n > 0 {
					f.MaxContacts = n
				}
			case 'e':
				f.MinExpires = n
			default:
				f.MaxExpires = n
			}
		case 'p':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("flag 'p' needs 0, 1 or 2")
			}
			i++
			switch s[i] {
			case '0':
				f.PathOff = true
			case '1':
				f.PathLazy = true
			case '2':
				f.PathStrict = true
			default:
				return nil, fmt.Errorf("flag 'p' needs 0, 1 or 2, got %q", s[i])
			}
		case 'M':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("flag 'M' needs 0, 1 or <params>")
			}
			i++
			switch s[i] {
			case '0':
				f.MatchingMode = MatchContact
			case '1':
				f.MatchingMode = MatchContactCallID
			case '<':
				end := strings.IndexByte(s[i:], '>')
				if end < 2 {
					return nil, fmt.Errorf("flag 'M' has an unterminated <params>")
				}
				f.MatchingMode = MatchParams
				f.MatchParams = splitParams(s[i+1 : i+end])
				i += end
			default:
				return nil, fmt.Errorf("flag 'M' needs 0, 1 or <params>, got %q", s[i])
			}
		default:
			return nil, fmt.Errorf("unknown letter flag %q", c)
		}
	}
	return f, nil
}

func splitParams(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseBitmask accepts "0x03" or a plain decimal number.
func parseBitmask(s string) (int64, bool) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err := strconv.ParseInt(s[2:], 16, 32)
		return n, err == nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	return n, err == nil
}

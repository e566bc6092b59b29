package registrar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// LookupFlags is the fixed form of lookup()'s flags argument.
type LookupFlags struct {
	MethodFiltering bool
	NoBranches      bool
	Global          bool
	SortByLatency   bool
	Branch          bool
	ToBranchesOnly  bool
	// UAFilter is the compiled ua-filtering regex (nil when not given);
	// case-insensitive and extended-regexp only affect its compilation.
	UAFilter        *regexp.Regexp
	uaSrc           string
	CaseInsensitive bool
	ExtendedRegexp  bool
	// MaxPingLatency in microseconds; 0 when not given.
	MaxPingLatency int
}

var lookupBoolFlags = []string{"method-filtering", "no-branches", "global", "sort-by-latency",
	"branch", "to-branches-only", "case-insensitive", "extended-regexp"}

var lookupKVFlags = []string{"ua-filtering", "max-ping-latency"}

func (f *LookupFlags) bool(name string) *bool {
	switch name {
	case "method-filtering":
		return &f.MethodFiltering
	case "no-branches":
		return &f.NoBranches
	case "global":
		return &f.Global
	case "sort-by-latency":
		return &f.SortByLatency
	case "branch":
		return &f.Branch
	case "to-branches-only":
		return &f.ToBranchesOnly
	case "case-insensitive":
		return &f.CaseInsensitive
	case "extended-regexp":
		return &f.ExtendedRegexp
	}
	return nil
}

// String renders the flags in the 3.4+ named form.
func (f *LookupFlags) String() string {
	var out []string
	for _, n := range lookupBoolFlags {
		if *f.bool(n) {
			out = append(out, n)
		}
	}
	if f.uaSrc != "" {
		out = append(out, "ua-filtering=/"+f.uaSrc+"/")
	}
	if f.MaxPingLatency != 0 {
		out = append(out, "max-ping-latency="+strconv.Itoa(f.MaxPingLatency))
	}
	return strings.Join(out, ",")
}

// ParseLookupFlags parses the 3.4+ named, comma-separated lookup() flags and
// compiles the ua-filtering regex.
func ParseLookupFlags(s string) (*LookupFlags, error) {
	f := &LookupFlags{}
	err := parseNamed(s, lookupBoolFlags, lookupKVFlags, func(name, val string, _ bool) error {
		if b := f.bool(name); b != nil {
			*b = true
			return nil
		}
		switch name {
		case "ua-filtering":
			if val[0] != '/' {
				return fmt.Errorf("ua-filtering value %q must be /regex/", val)
			}
			end := strings.LastIndexByte(val, '/')
			if end == 0 {
				return fmt.Errorf("ua-filtering value %q has no closing /", val)
			}
			if end == 1 {
				return fmt.Errorf("ua-filtering regex is empty")
			}
			f.uaSrc = val[1:end]
		case "max-ping-latency":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return fmt.Errorf("max-ping-latency value %q is not a non-negative integer", val)
			}
			f.MaxPingLatency = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, f.compile()
}

// ParseLegacyLookupFlags parses the 1.5–3.3 letter form ("m", "b", "u/re/i").
func ParseLegacyLookupFlags(s string) (*LookupFlags, error) {
	f := &LookupFlags{}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 'm':
			f.MethodFiltering = true
		case 'b':
			f.NoBranches = true
		case 'g':
			f.Global = true
		case 'r':
			f.Branch = true
		case 'B':
			f.ToBranchesOnly = true
		case 'i':
			f.CaseInsensitive = true
		case 'e':
			f.ExtendedRegexp = true
		case 'Y':
			f.SortByLatency = true
		case 'u':
			if i+1 >= len(s) || s[i+1] != '/' {
				return nil, fmt.Errorf("flag 'u' needs a /regex/")
			}
			end := strings.IndexByte(s[i+2:], '/')
			if end <= 0 {
				return nil, fmt.Errorf("flag 'u' has an empty or unterminated /regex/")
			}
			f.uaSrc = s[i+2 : i+2+end]
			i += 2 + end
		case 'y':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			f.MaxPingLatency, _ = strconv.Atoi(s[i+1 : j])
			i = j - 1
		default:
			return nil, fmt.Errorf("unknown letter flag %q", c)
		}
	}
	return f, f.compile()
}

func (f *LookupFlags) compile() error {
	if f.uaSrc == "" {
		return nil
	}
	src := f.uaSrc
	if f.CaseInsensitive {
		src = "(?i)" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return fmt.Errorf("bad ua-filtering regex /%s/: %w", f.uaSrc, err)
	}
	f.UAFilter = re
	return nil
}

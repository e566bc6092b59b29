package core

import (
	"fmt"
	"strings"
)

// ParseNamedFlags parses a comma-separated list of flag names (OpenSIPS
// fixup_named_flags) into a bit set: names[i] sets bit i. Blanks around
// names are ignored; an empty string gives 0.
func ParseNamedFlags(s string, names []string) (uint32, error) {
	var bits uint32
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		i := index(names, f)
		if i < 0 {
			return 0, unknown("flag", f, names)
		}
		bits |= 1 << i
	}
	return bits, nil
}

// FormatNamedFlags is the inverse of ParseNamedFlags.
func FormatNamedFlags(bits uint32, names []string) string {
	var out []string
	for i, n := range names {
		if bits&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// ParseLegacyInt parses a decimal or 0x-hex number as old configs wrote
// bit masks ("0x02", "3").
func ParseLegacyInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	var n int64
	var err error
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok && h != "" {
		_, err = fmt.Sscanf(h, "%x", &n)
		if err == nil && strings.Trim(h, "0123456789abcdef") != "" {
			return 0, false
		}
	} else {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			return 0, false
		}
		_, err = fmt.Sscanf(s, "%d", &n)
	}
	return n, err == nil
}

func index(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

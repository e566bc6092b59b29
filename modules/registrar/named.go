package registrar

import (
	"fmt"
	"strings"

	"gosips/lang/diag"
)

// parseNamed walks a comma-separated flag list in the style of OpenSIPS'
// fixup_named_flags: plain names from bools, "name=value" from kvs. It
// calls set for each flag.
func parseNamed(s string, bools, kvs []string, set func(name, val string, hasVal bool) error) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for _, tok := range splitCSV(s) {
		if contains(bools, tok) {
			if err := set(tok, "", false); err != nil {
				return err
			}
			continue
		}
		name, val, hasVal := strings.Cut(tok, "=")
		name = strings.TrimSpace(name)
		if !contains(kvs, name) {
			return unknownFlag(name, append(append([]string{}, bools...), kvs...))
		}
		val = strings.TrimSpace(val)
		if !hasVal || val == "" {
			return fmt.Errorf("flag %q needs a value (%s=...)", name, name)
		}
		if err := set(name, val, true); err != nil {
			return err
		}
	}
	return nil
}

// splitCSV splits on commas outside /.../ (a ua-filtering regex may hold
// commas) and trims each token; empty tokens are dropped.
func splitCSV(s string) []string {
	var out []string
	inRe := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/':
			inRe = !inRe
		case ',':
			if !inRe {
				if t := strings.TrimSpace(s[start:i]); t != "" {
					out = append(out, t)
				}
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func unknownFlag(name string, known []string) error {
	if h := diag.DidYouMean(name, known); h != "" {
		return fmt.Errorf("unknown flag %q (%s)", name, h)
	}
	return fmt.Errorf("unknown flag %q (known: %s)", name, strings.Join(known, ", "))
}

// Package partdef parses the "partition" module parameter shared by
// permissions, dialplan and others: "name: key = value; key = value".
package partdef

import (
	"fmt"
	"strings"

	"gosips/lang/diag"
)

// Parse splits a partition definition into its name and settings; keys
// lists the accepted setting names.
func Parse(line string, keys []string) (string, map[string]string, error) {
	name, rest, ok := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t=;") {
		return "", nil, fmt.Errorf("partition %q: expected \"name: %s = ...; ...\"", line, keys[0])
	}
	kv := map[string]string{}
	for _, pair := range strings.Split(rest, ";") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		key, val, ok := strings.Cut(pair, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || val == "" {
			return "", nil, fmt.Errorf("partition %q: bad pair %q (expected key = value)", name, strings.TrimSpace(pair))
		}
		known := false
		for _, k := range keys {
			known = known || k == key
		}
		if !known {
			msg := fmt.Sprintf("partition %q: unknown setting %q", name, key)
			if h := diag.DidYouMean(key, keys); h != "" {
				msg += " (" + h + ")"
			}
			return "", nil, fmt.Errorf("%s", msg)
		}
		kv[key] = val
	}
	return name, kv, nil
}

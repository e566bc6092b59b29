package db

import (
	"fmt"
	"strings"
)

// CheckIdent accepts table and column names made of [A-Za-z0-9_] only, so
// that drivers may quote them into statements safely.
func CheckIdent(name string) error {
	if name == "" {
		return fmt.Errorf("empty identifier")
	}
	if len(name) > 64 {
		return fmt.Errorf("identifier %.20q... is longer than 64 characters", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return fmt.Errorf("invalid identifier %q (only letters, digits and _ are allowed)", name)
		}
	}
	return nil
}

// ParseOrder splits an order clause "col", "col asc" or "col desc".
func ParseOrder(order string) (col string, desc bool, err error) {
	f := strings.Fields(order)
	switch len(f) {
	case 0:
		return "", false, nil
	case 1:
	case 2:
		switch strings.ToLower(f[1]) {
		case "asc":
		case "desc":
			desc = true
		default:
			return "", false, fmt.Errorf("order %q: want \"col\", \"col asc\" or \"col desc\"", order)
		}
	default:
		return "", false, fmt.Errorf("order %q: want \"col\", \"col asc\" or \"col desc\"", order)
	}
	if err := CheckIdent(f[0]); err != nil {
		return "", false, fmt.Errorf("order: %w", err)
	}
	return f[0], desc, nil
}

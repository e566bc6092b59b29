package port

import (
	"fmt"
	"strconv"
	"strings"
)

// Target is the OpenSIPS release the output is written for.
type Target struct {
	Major, Minor int
	// Gosips is the default target: 3.6 syntax, except that avpops stays
	// (OpenSIPS removed it in 3.5; gosips still provides it and has no
	// sqlops).
	Gosips bool
}

// DefaultTarget is what "--to 3.x" (and no --to) selects.
var DefaultTarget = Target{Major: 3, Minor: 6, Gosips: true}

// ParseTarget reads "3.x", "3.4", "3.6"...
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" || s == "3.x" || s == "3" || s == "gosips" {
		return DefaultTarget, nil
	}
	maj, min, ok := strings.Cut(s, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || a != 3 || b < 0 || b > 6 {
		return Target{}, fmt.Errorf("unsupported target %q (want 3.x or 3.0 to 3.6)", s)
	}
	return Target{Major: a, Minor: b}, nil
}

func (t Target) String() string {
	if t.Gosips {
		return "3.x"
	}
	return fmt.Sprintf("%d.%d", t.Major, t.Minor)
}

// atLeast reports whether the target is minor or newer (3.minor).
func (t Target) atLeast(minor int) bool { return t.Minor >= minor }

// keepAvpops reports whether avpops stays loaded.
func (t Target) keepAvpops() bool { return t.Gosips || t.Minor < 5 }

// Package cfgutils holds script utilities: random events, sleeps, locks,
// time recurrences, shared variables ($shv) and config hashing.
package cfgutils

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "cfgutils", Doc: "script utilities and shared variables",
		New: func() api.Module { return New() }})
}

// Var is an initial value given by shvset/varset.
type Var struct {
	Name  string
	Value api.Value
}

// CfgUtils is one instance of the cfgutils module.
type CfgUtils struct {
	InitialProbability int
	HashFile           string
	ShvHashSize        int
	LockPoolSize       int
	// Shvset and Varset are the initial $shv / $var values, in order.
	Shvset []Var
	Varset []Var

	prob  atomic.Int32
	shv   *pv.SHVStore
	locks locks
	hash  string // MD5 of hash_file at start

	namesMu sync.Mutex
	names   map[string]bool // $shv names ever set, for shv_get
}

// New returns a cfgutils instance with OpenSIPS defaults.
func New() *CfgUtils {
	c := &CfgUtils{InitialProbability: 10, ShvHashSize: 64, LockPoolSize: 32, shv: pv.NewSHVStore()}
	c.prob.Store(10)
	return c
}

// Params lists cfgutils' parameters.
func (c *CfgUtils) Params() []api.Param {
	hash := api.StrParam("hash_file", &c.HashFile)
	return []api.Param{
		{Name: "initial_probability", Type: api.ParamInt, Default: "10", Set: func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 100 {
				return fmt.Errorf("initial_probability %d out of range (0-100)", v.Int)
			}
			c.InitialProbability = int(v.Int)
			c.prob.Store(int32(v.Int))
			return nil
		}},
		hash,
		posP("shv_hash_size", &c.ShvHashSize, "64"),
		api.FuncParam("shvset", api.ParamStr, true, func(v api.ParamValue) error {
			x, err := ParseVarset(v.Str)
			if err != nil {
				return fmt.Errorf("shvset: %w", err)
			}
			c.Shvset = append(c.Shvset, x)
			return nil
		}),
		api.FuncParam("varset", api.ParamStr, true, func(v api.ParamValue) error {
			x, err := ParseVarset(v.Str)
			if err != nil {
				return fmt.Errorf("varset: %w", err)
			}
			c.Varset = append(c.Varset, x)
			return nil
		}),
		posP("lock_pool_size", &c.LockPoolSize, "32"),
	}
}

// ParseVarset parses "name=i:10" or "name=s:text" (the type letter in
// either case).
func ParseVarset(s string) (Var, error) {
	name, val, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return Var{}, fmt.Errorf("expected \"name=i:number\" or \"name=s:text\", got %q", s)
	}
	if len(val) < 2 || val[1] != ':' {
		return Var{}, fmt.Errorf("expected a type (i: or s:) after %q=, got %q", name, val)
	}
	switch val[0] {
	case 's', 'S':
		return Var{Name: name, Value: api.StrValue(val[2:])}, nil
	case 'i', 'I':
		n, err := strconv.ParseInt(strings.TrimSpace(val[2:]), 10, 32)
		if err != nil {
			return Var{}, fmt.Errorf("bad integer %q for %s", val[2:], name)
		}
		return Var{Name: name, Value: api.IntValue(n)}, nil
	}
	return Var{}, fmt.Errorf("unknown type %q for %s (expected i or s)", val[:1], name)
}

func posP(name string, dst *int, def string) api.Param {
	return api.Param{Name: name, Type: api.ParamInt, Default: def, Set: func(v api.ParamValue) error {
		if v.Int <= 0 {
			return fmt.Errorf("%s must be positive, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	}}
}

var _ api.Module = (*CfgUtils)(nil)

package cfgutils

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"gosips/api"
	"gosips/pv"
)

// TimeFields are the fields $ctime() reads.
var TimeFields = []string{"sec", "min", "hour", "mday", "mon", "year", "wday", "yday", "isdst"}

// PVs lists the pseudo-variables cfgutils exports.
func (c *CfgUtils) PVs() []pv.Def {
	return []pv.Def{
		{Name: "RANDOM", Module: "cfgutils", Doc: "a random integer",
			Get: func(*api.Ctx, *pv.Spec) (api.Value, error) { return pv.IntStr(int64(rand.Int32())), nil }},
		{Name: "shv", Module: "cfgutils", Inner: pv.NeedInner, Writable: true, Doc: "a shared variable",
			Get: c.getSHV, Set: c.setSHV},
		{Name: "ctime", Module: "cfgutils", Inner: pv.NeedInner, Doc: "a field of the current local time",
			ParseInner: func(inner string) (any, error) {
				for _, f := range TimeFields {
					if inner == f {
						return f, nil
					}
				}
				return nil, fmt.Errorf("unknown time field %q (expected %s)", inner, strings.Join(TimeFields, ", "))
			},
			Get: getCtime},
		{Name: "env", Module: "cfgutils", Inner: pv.NeedInner, Doc: "an environment variable", Get: getEnv},
	}
}

var _ pv.Exporter = (*CfgUtils)(nil)

func (c *CfgUtils) getSHV(x *api.Ctx, s *pv.Spec) (api.Value, error) {
	name, err := s.InnerName(x)
	if err != nil {
		return api.Null, err
	}
	return c.shv.Get(name), nil
}

func (c *CfgUtils) setSHV(x *api.Ctx, s *pv.Spec, v api.Value) error {
	name, err := s.InnerName(x)
	if err != nil {
		return err
	}
	c.shv.Set(name, v)
	c.noteSHV(name)
	return nil
}

// getCtime reads a field of the current local time.
func getCtime(_ *api.Ctx, s *pv.Spec) (api.Value, error) {
	now := time.Now()
	var n int
	switch s.Parsed {
	case "sec":
		n = now.Second()
	case "min":
		n = now.Minute()
	case "hour":
		n = now.Hour()
	case "mday":
		n = now.Day()
	case "mon":
		n = int(now.Month())
	case "year":
		n = now.Year()
	case "wday":
		n = int(now.Weekday()) + 1 // Sunday is 1
	case "yday":
		n = now.YearDay()
	case "isdst":
		if now.IsDST() {
			n = 1
		}
	default:
		return api.Null, fmt.Errorf("$ctime: unknown field %v", s.Parsed)
	}
	return pv.IntStr(int64(n)), nil
}

func getEnv(x *api.Ctx, s *pv.Spec) (api.Value, error) {
	name, err := s.InnerName(x)
	if err != nil {
		return api.Null, err
	}
	if v, ok := os.LookupEnv(name); ok {
		return api.StrValue(v), nil
	}
	return api.Null, nil
}

package cfgutils

import (
	"fmt"
	"strings"

	"gosips/pv"
)

// TimeFields are the fields $ctime() reads.
var TimeFields = []string{"sec", "min", "hour", "mday", "mon", "year", "wday", "yday", "isdst"}

// PVs lists the pseudo-variables cfgutils exports.
func (c *CfgUtils) PVs() []pv.Def {
	return []pv.Def{
		{Name: "RANDOM", Module: "cfgutils", Doc: "a random integer"},
		{Name: "shv", Module: "cfgutils", Inner: pv.NeedInner, Writable: true, Doc: "a shared variable"},
		{Name: "ctime", Module: "cfgutils", Inner: pv.NeedInner, Doc: "a field of the current local time",
			ParseInner: func(inner string) (any, error) {
				for _, f := range TimeFields {
					if inner == f {
						return f, nil
					}
				}
				return nil, fmt.Errorf("unknown time field %q (expected %s)", inner, strings.Join(TimeFields, ", "))
			}},
		{Name: "env", Module: "cfgutils", Inner: pv.NeedInner, Doc: "an environment variable"},
	}
}

var _ pv.Exporter = (*CfgUtils)(nil)

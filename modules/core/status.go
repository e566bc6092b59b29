package core

import (
	"fmt"
	"math"

	"gosips/api"
)

// srGroups are the status-report groups gosips publishes (OpenSIPS
// refuses sr_check_status on a group no module registered).
var srGroups = []string{"core"}

func srGroupFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if !contains(srGroups, a.Str) {
		return fmt.Errorf("SR group %q not registered (gosips publishes %v)", a.Str, srGroups)
	}
	return nil
}

// SetStatusReports gives sr_check_status() the server's status reports.
func (c *Core) SetStatusReports(r api.StatusReports) { c.sr.Store(&r) }

// srCheckStatus is sr_check_status(group[, identifier]): the status of
// the identifier ("main" by default, "all" aggregated), which the
// script sees as the return code.
func (c *Core) srCheckStatus(ctx *api.Ctx, args []any) api.Ret {
	group, _ := args[0].(string)
	ident, _ := args[1].(string)
	p := c.sr.Load()
	if p == nil {
		return api.Ret(math.MinInt32)
	}
	st, _ := (*p).Status(group, ident)
	return api.Ret(st)
}

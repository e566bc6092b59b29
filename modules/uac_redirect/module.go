// Package uacredirect is OpenSIPS' uac_redirect module: in a failure
// route, the contacts of a 3xx reply become new branches, filtered by
// accept/deny regular expressions.
package uacredirect

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"

	"gosips/api"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "uac_redirect", New: func() api.Module { return New() },
		Deps: []api.Dep{{Name: "tm"}}, Doc: "3xx redirects turned into branches"})
}

// Module is one uac_redirect instance.
type Module struct {
	DenyFilter, AcceptFilter, DefaultFilter string

	deny, accept *regexp.Regexp
	denyDefault  bool
}

// New returns a uac_redirect instance with OpenSIPS' defaults.
func New() *Module { return &Module{DefaultFilter: "accept"} }

func compile(name string, dst **regexp.Regexp, src *string) func(api.ParamValue) error {
	return func(v api.ParamValue) error {
		re, err := api.CompileRegex(v.Str, false)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*src, *dst = v.Str, re
		return nil
	}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	legacy := func(name string) api.Param {
		return api.Param{Name: name, Type: api.ParamStr, Legacy: "drop it: account the redirected branches with acc's own functions",
			Set: func(api.ParamValue) error { return nil }}
	}
	return []api.Param{
		api.FuncParam("deny_filter", api.ParamStr, false, compile("deny_filter", &m.deny, &m.DenyFilter)),
		api.FuncParam("accept_filter", api.ParamStr, false, compile("accept_filter", &m.accept, &m.AcceptFilter)),
		api.FuncParam("default_filter", api.ParamStr, false, func(v api.ParamValue) error {
			switch v.Str {
			case "accept", "deny":
				m.DefaultFilter, m.denyDefault = v.Str, v.Str == "deny"
				return nil
			}
			return fmt.Errorf("default_filter must be \"accept\" or \"deny\", got %q", v.Str)
		}),
		legacy("acc_function"),
		legacy("acc_db_table"),
	}
}

// filters are the per-message accept and deny lists (index 0 the
// module's default filter).
type filters struct {
	accept, deny           []*regexp.Regexp
	skipDefAcc, skipDefDen bool
}

type slotKey struct{}

func (m *Module) filtersOf(c *api.Ctx) *filters {
	if f, ok := c.Slot(slotKey{}).(*filters); ok {
		return f
	}
	f := &filters{accept: []*regexp.Regexp{m.accept}, deny: []*regexp.Regexp{m.deny}}
	c.SetSlot(slotKey{}, f)
	return f
}

const maxFilters = 6

func resetFixup(_ *api.FixupCtx, a *api.FixArg) error {
	switch a.Str {
	case "", "reset_all", "reset_default", "reset_added":
		return nil
	}
	return fmt.Errorf("unknown reset type %q (reset_all, reset_default, reset_added)", a.Str)
}

func (m *Module) addFilter(c *api.Ctx, deny bool, re *regexp.Regexp, flags string) api.Ret {
	f := m.filtersOf(c)
	list, skip := &f.accept, &f.skipDefAcc
	if deny {
		list, skip = &f.deny, &f.skipDefDen
	}
	if flags == "reset_all" || flags == "reset_added" {
		*list = (*list)[:1]
	}
	if flags == "reset_all" || flags == "reset_default" {
		*skip = true
	}
	if len(*list) >= maxFilters {
		c.Log.Error("uac_redirect: too many filters")
		return api.RetFalse
	}
	*list = append(*list, re)
	return api.RetTrue
}

// allowed is OpenSIPS' run_filters: accept filters first, then (unless
// the default is deny) the deny filters, then the default.
func (m *Module) allowed(f *filters, uri string) bool {
	for i, re := range f.accept {
		if re != nil && !(i == 0 && f.skipDefAcc) && re.MatchString(uri) {
			return true
		}
	}
	if !m.denyDefault {
		for i, re := range f.deny {
			if re != nil && !(i == 0 && f.skipDefDen) && re.MatchString(uri) {
				return false
			}
		}
	}
	return !m.denyDefault
}

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	count := func(name string) api.Arg {
		return api.Arg{Name: name, Type: api.ArgInt, Optional: true, Fixup: func(_ *api.FixupCtx, a *api.FixArg) error {
			if a.Int < 0 {
				return fmt.Errorf("%s must not be negative", name)
			}
			return nil
		}}
	}
	return []api.Func{
		{Name: "set_deny_filter", Routes: api.FailureRoute,
			Args: []api.Arg{{Name: "filter", Type: api.ArgRegex}, {Name: "flags", Type: api.ArgStr, Fixup: resetFixup}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				fl, _ := a[1].(string)
				return m.addFilter(c, true, a[0].(*regexp.Regexp), fl)
			}},
		{Name: "set_accept_filter", Routes: api.FailureRoute,
			Args: []api.Arg{{Name: "filter", Type: api.ArgRegex}, {Name: "flags", Type: api.ArgStr, Fixup: resetFixup}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				fl, _ := a[1].(string)
				return m.addFilter(c, false, a[0].(*regexp.Regexp), fl)
			}},
		{Name: "get_redirects", Routes: api.FailureRoute, Args: []api.Arg{count("max_total"), count("max_branch")},
			Returns: "1 contacts were appended as branches, -1 none",
			Call: func(c *api.Ctx, a []any) api.Ret {
				maxT, _ := a[0].(int64)
				maxB, _ := a[1].(int64)
				return m.getRedirects(c, int(maxT), int(maxB))
			}},
	}
}

// getRedirects appends, as branches, the contacts of every 3xx reply of
// the transaction's current round (best q first within a reply), at most
// maxBranch per reply and maxTotal in all (0: no limit), as OpenSIPS'
// get_redirects(). Without a transaction view only the reply of the
// failure route counts.
func (m *Module) getRedirects(c *api.Ctx, maxTotal, maxBranch int) api.Ret {
	var replies []*sip.Msg
	if br, ok := c.Tx.(api.BranchReplies); ok {
		replies = br.BranchReplies()
	} else {
		replies = []*sip.Msg{c.Reply}
	}
	f := m.filtersOf(c)
	added := 0
	for _, r := range replies {
		if r == nil || r.StatusCode() < 300 || r.StatusCode() > 399 {
			continue
		}
		limit := -1
		switch {
		case maxBranch == 0 && maxTotal > 0:
			limit = maxTotal - added
		case maxBranch > 0:
			limit = maxBranch
			if maxTotal > 0 && maxTotal-added < maxBranch {
				limit = maxTotal - added
			}
		}
		if limit == 0 {
			continue
		}
		added += m.addContacts(c, f, r, limit)
	}
	c.SetSlot(slotKey{}, nil)
	if added == 0 {
		return api.RetFalse
	}
	return api.RetTrue
}

// addContacts appends up to limit (-1: all) contacts of a 3xx reply
// that pass the filters, best q first, and returns how many.
func (m *Module) addContacts(c *api.Ctx, f *filters, r *sip.Msg, limit int) int {
	cs, _, err := r.Contacts()
	if err != nil {
		c.Log.Error("get_redirects: bad Contact in the 3xx reply", "err", err)
		return 0
	}
	q := func(ct sip.Contact) int {
		if ct.Q == "" {
			return 1000
		}
		f, err := strconv.ParseFloat(ct.Q, 64)
		if err != nil {
			return 0
		}
		return int(f*1000 + 0.5)
	}
	cs = slices.Clone(cs)
	sort.SliceStable(cs, func(i, j int) bool { return q(cs[i]) > q(cs[j]) })
	added := 0
	for _, ct := range cs {
		if limit >= 0 && added >= limit {
			break
		}
		if !m.allowed(f, ct.URI) {
			continue
		}
		br := api.Branch{URI: ct.URI, Q: -1}
		if ct.Q != "" {
			br.Q = q(ct)
		}
		c.Branches = append(c.Branches, br)
		added++
	}
	return added
}

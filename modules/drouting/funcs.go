package drouting

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"gosips/api"
)

func routeFlagsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if _, ok := parseRouteFlags(a.Str); !ok {
		return fmt.Errorf("unknown flag in %q (F: fallback, L: strict length, C: check only)", a.Str)
	}
	return nil
}

func gwFlagsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if _, ok := parseGWFlags(a.Str); !ok {
		return fmt.Errorf("unknown flag in %q (s, p, i, n, r, c)", a.Str)
	}
	return nil
}

// Funcs lists the script functions, as in OpenSIPS 3.6.
func (m *Module) Funcs() []api.Func {
	part := api.Arg{Name: "partition", Type: api.ArgStr, Optional: true, Fixup: m.partFixup}
	v := func(name string) api.Arg {
		return api.Arg{Name: name, Type: api.ArgVar, Optional: true, Writable: true}
	}
	in := func(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgVar, Optional: true} }
	typ := api.Arg{Name: "type", Type: api.ArgInt, Optional: true}
	gwFlags := api.Arg{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: gwFlagsFixup}
	const gwRoutes = api.RequestRoute | api.FailureRoute | api.BranchRoute | api.OnReplyRoute
	return []api.Func{
		{Name: "do_routing", Routes: api.AllRoutes,
			Args: []api.Arg{{Name: "groupID", Type: api.ArgInt, Optional: true},
				{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: routeFlagsFixup},
				{Name: "gw_whitelist", Type: api.ArgStr, Optional: true},
				v("rule_attrs_pvar"), v("gw_attrs_pvar"), v("carrier_attrs_pvar"), part},
			Returns: "1 routed (or matched with C), -1 no rule or no usable gateway",
			Call:    m.doRouting},
		{Name: "route_to_carrier", Routes: api.AllRoutes,
			Args: []api.Arg{{Name: "carriers", Type: api.ArgStr}, v("gw_attrs_pvar"), v("carrier_attrs_pvar"), part},
			Call: func(c *api.Ctx, a []any) api.Ret { s, _ := a[0].(string); return m.routeTo(c, s, true, a) }},
		{Name: "route_to_gw", Routes: api.AllRoutes,
			Args: []api.Arg{{Name: "gw_id", Type: api.ArgStr}, v("gw_attrs_pvar"), v("carrier_attrs_pvar"), part},
			Call: func(c *api.Ctx, a []any) api.Ret { s, _ := a[0].(string); return m.routeTo(c, s, false, a) }},
		{Name: "use_next_gw", Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute | api.BranchRoute,
			Args:    []api.Arg{v("rule_attrs_pvar"), v("gw_attrs_pvar"), v("carrier_attrs_pvar"), part},
			Returns: "1 a new R-URI was set, -1 no destination left",
			Call:    m.useNextGW},
		{Name: "next_routing", Routes: api.RequestRoute | api.FailureRoute, Legacy: "use_next_gw()",
			Args: []api.Arg{v("rule_attrs_pvar"), v("gw_attrs_pvar"), v("carrier_attrs_pvar"), part},
			Call: m.useNextGW},
		{Name: "is_from_gw", Routes: gwRoutes,
			Args: []api.Arg{typ, gwFlags, in("gw_attrs_pvar"), in("carrier_attrs_pvar"), part},
			Call: func(c *api.Ctx, a []any) api.Ret {
				if c.Msg == nil || c.Msg.Recv() == nil {
					return api.RetFalse
				}
				r := c.Msg.Recv()
				return m.gwCheck(c, netip.AddrPortFrom(r.Src.Addr().Unmap(), r.Src.Port()), r.Proto, a[0], a[1], a[2], a[3], a[4])
			}},
		{Name: "goes_to_gw", Routes: gwRoutes | api.LocalRoute,
			Args: []api.Arg{typ, gwFlags, in("gw_attrs_pvar"), in("carrier_attrs_pvar"), part},
			Call: func(c *api.Ctx, a []any) api.Ret {
				uri := c.DstURI
				if uri == "" && c.Msg != nil {
					uri = c.Msg.DstURI()
				}
				if uri == "" {
					uri = c.RURI()
				}
				addr, proto, ok := uriAddr(c, uri, false)
				if !ok {
					return api.RetFalse
				}
				return m.gwCheck(c, addr, proto, a[0], a[1], a[2], a[3], a[4])
			}},
		{Name: "dr_is_gw", Routes: api.AllRoutes,
			Args: []api.Arg{{Name: "sip_uri", Type: api.ArgStr}, typ, gwFlags, in("gw_attrs_pvar"), in("carrier_attrs_pvar"), part},
			Call: func(c *api.Ctx, a []any) api.Ret {
				uri, _ := a[0].(string)
				if !strings.Contains(uri, ":") {
					uri = "sip:" + uri
				}
				addr, proto, ok := uriAddr(c, uri, true)
				if !ok {
					return api.RetFalse
				}
				return m.gwCheck(c, addr, proto, a[1], a[2], a[3], a[4], a[5])
			}},
		{Name: "dr_disable", Routes: gwRoutes | api.LocalRoute, Args: []api.Arg{part},
			Call: func(c *api.Ctx, a []any) api.Ret { return m.disableCurrent(c, a[0]) }},
		{Name: "dr_match", Routes: gwRoutes | api.LocalRoute,
			Args: []api.Arg{{Name: "groupID", Type: api.ArgInt}, {Name: "flags", Type: api.ArgStr, Optional: true, Fixup: routeFlagsFixup},
				{Name: "number", Type: api.ArgStr}, v("rule_attrs_pvar"), part},
			Call: func(c *api.Ctx, a []any) api.Ret {
				p := m.partFor(c, a[4])
				if p == nil {
					return api.RetFalse
				}
				d := p.rt.current()
				fl, _ := parseRouteFlags(str(a[1]))
				rules, _ := d.matchRules(a[0].(int64), str(a[2]), fl&flagStrict != 0, false, time.Now())
				if len(rules) == 0 {
					return api.RetFalse
				}
				setVar(c, ref(a[3]), rules[0].attrs)
				return api.RetTrue
			}},
	}
}

func str(v any) string { s, _ := v.(string); return s }

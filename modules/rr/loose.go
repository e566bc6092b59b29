package rr

import (
	"regexp"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// route is one Route element with its parsed URI.
type route struct {
	na  sip.NameAddr
	uri sip.URI
}

// router holds the state of one loose_route() run.
type router struct {
	r      *RR
	c      *api.Ctx
	m      *sip.Msg
	routes []route
	del    []bool
}

// isMyself tells whether a URI names this proxy (maddr first, as OpenSIPS).
func (rt *router) isMyself(u *sip.URI) bool {
	host := u.Host
	if maddr, ok := u.Param("maddr"); ok && maddr != "" {
		host = maddr
	}
	port := u.Port
	if port == 0 {
		port = 5060
		if u.IsSecure() || strings.EqualFold(u.Transport(), "tls") {
			port = 5061
		}
	}
	return rt.c.Core != nil && rt.c.Core.IsMyself(host, port)
}

func isStrict(u *sip.URI) bool { _, lr := u.Param("lr"); return !lr }

func is2rr(u *sip.URI) bool { v, ok := u.Param("r2"); return ok && strings.EqualFold(v, "on") }

// maddrURI is the URI to send to: sip:MADDR[:port] when a maddr is given.
func maddrURI(raw string, u *sip.URI) string {
	maddr, ok := u.Param("maddr")
	if !ok || maddr == "" {
		return raw
	}
	if u.PortStr != "" {
		return "sip:" + maddr + ":" + u.PortStr
	}
	return "sip:" + maddr
}

// forceSocketFor forces the outgoing socket named by a URI of ours (the
// second Route of a double Record-Route).
func (rt *router) forceSocketFor(u *sip.URI) {
	f, ok := rt.c.Core.(interface {
		FindSocket(sip.Proto, string, int) *sip.Socket
	})
	if !ok {
		return
	}
	proto := sip.ProtoUDP
	if t := u.Transport(); t != "" {
		proto = sip.ParseProto(t)
	}
	port := u.Port
	if port == 0 {
		port = proto.DefaultPort()
	}
	if s := f.FindSocket(proto, u.HostNoBrackets(), port); s != nil {
		rt.c.ForceSocket = s
	} else if rt.r.EnableSocketMismatchWarning != 0 {
		rt.c.Log.Warn("no socket found to match the second Record-Route", "uri", u.String())
	}
}

// apply removes the Route elements marked for deletion: whole header
// lines when nothing is left in them, else the line is rewritten.
func (rt *router) apply() {
	if len(rt.del) == 0 {
		return
	}
	i := 0
	rt.m.EachHeader(sip.HdrRoute, "", func(h sip.HeaderField) bool {
		var keep []string
		removed := false
		for ; i < len(rt.routes) && rt.routes[i].na.Start >= h.VStart && rt.routes[i].na.End <= h.VEnd; i++ {
			if rt.del[i] {
				removed = true
				continue
			}
			keep = append(keep, rt.m.String()[rt.routes[i].na.Start:rt.routes[i].na.End])
		}
		switch {
		case !removed:
		case len(keep) == 0:
			rt.m.RemoveField(h)
		default:
			rt.m.SetHeaderValue(h, strings.Join(keep, ", "))
		}
		return true
	})
}

// looseRoute is loose_route() (RFC 3261 §16.4 and §16.12): 1 when the
// request was routed by its Route headers, -1 otherwise.
func (r *RR) looseRoute(c *api.Ctx, _ []any) api.Ret {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return api.RetFalse
	}
	nas, err := m.Routes()
	if err != nil || len(nas) == 0 {
		return api.RetFalse
	}
	ruri, err := sip.ParseURI(m.RURI())
	if err != nil {
		c.Log.Debug("loose_route: bad request uri", "err", err)
		return api.RetFalse
	}
	to, err := m.To()
	if err != nil {
		return api.RetFalse
	}
	rt := &router{r: r, c: c, m: m, routes: make([]route, len(nas)), del: make([]bool, len(nas))}
	for i, na := range nas {
		rt.routes[i].na = na
		if rt.routes[i].uri, err = sip.ParseURI(na.URI); err != nil {
			c.Log.Debug("loose_route: bad route uri", "uri", na.URI, "err", err)
			return api.RetFalse
		}
	}
	st := stateOf(c)
	st.routed = true
	var rc api.Ret
	preloaded := to.Tag == ""
	_, gruu := ruri.Param("gr")
	if !preloaded && rt.isMyself(&ruri) && !gruu {
		rc = rt.afterStrict(&ruri, st)
	} else {
		rc = rt.afterLoose(preloaded, st)
	}
	rt.apply()
	r.runRouteCbs(c, st)
	return rc
}

// afterLoose handles a request from a loose router (or a pre-loaded
// route set): our own Route entries are removed and the next one becomes
// $du, or the R-URI when the next hop is a strict router.
func (rt *router) afterLoose(preloaded bool, st *state) api.Ret {
	i := 0
	forceIn := false
	first := &rt.routes[0].uri
	if rt.isMyself(first) {
		st.params, st.ours = first.Params, true
		rt.del[0] = true
		i = 1
		if i < len(rt.routes) && rt.r.EnableDoubleRR != 0 && is2rr(first) {
			rt.forceSocketFor(&rt.routes[1].uri)
			rt.del[1] = true
			i = 2
		} else {
			forceIn = true
		}
		if i == len(rt.routes) {
			if forceIn && !preloaded {
				rt.forceInbound()
			}
			if preloaded {
				return api.RetFalse
			}
			return api.RetTrue
		}
	}
	next := rt.routes[i]
	if isStrict(&next.uri) {
		// Save the R-URI as the last Route and send to the strict router.
		rt.m.AppendHeader("Route", "<"+rt.m.RURI()+">")
		rt.m.SetRURI(maddrURI(next.na.URI, &next.uri))
		rt.del[i] = true
	} else {
		rt.setDst(maddrURI(next.na.URI, &next.uri))
	}
	if forceIn && !preloaded {
		rt.forceInbound()
	}
	return api.RetTrue
}

// afterStrict handles a request from a strict router: the R-URI is our
// Record-Route URI, the remote target is the last Route.
func (rt *router) afterStrict(ruri *sip.URI, st *state) api.Ret {
	i := 0
	st.params, st.ours = ruri.Params, true
	first := &rt.routes[0].uri
	if rt.r.EnableDoubleRR != 0 && is2rr(first) && rt.isMyself(first) {
		rt.forceSocketFor(first)
		rt.del[0] = true
		i = 1
		if i == len(rt.routes) {
			return api.RetFalse
		}
	} else {
		rt.forceSocketFor(ruri)
	}
	next := rt.routes[i]
	if isStrict(&next.uri) {
		rt.m.SetRURI(maddrURI(next.na.URI, &next.uri))
		rt.del[i] = true
	} else {
		rt.setDst(maddrURI(next.na.URI, &next.uri))
		last := len(rt.routes) - 1
		lu := &rt.routes[last]
		rt.m.SetRURI(maddrURI(lu.na.URI, &lu.uri))
		rt.del[last] = true
	}
	if u, err := sip.ParseURI(rt.m.RURI()); err == nil {
		st.params = u.Params
	}
	return api.RetTrue
}

func (rt *router) setDst(u string) {
	rt.c.DstURI = u
}

func (rt *router) forceInbound() {
	if rcv := rt.m.Recv(); rcv != nil && rcv.Socket != nil {
		rt.c.ForceSocket = rcv.Socket
	}
}

// routeParams returns the parameters of the Route loose_route() consumed.
func routeParams(c *api.Ctx) (string, bool) {
	st, ok := c.Slot(slotKey{}).(*state)
	if !ok || st.params == "" {
		return "", false
	}
	return st.params, true
}

// checkRouteParam is check_route_param(regex), matched against
// ";params".
func (r *RR) checkRouteParam(c *api.Ctx, args []any) api.Ret {
	re, _ := args[0].(*regexp.Regexp)
	p, ok := routeParams(c)
	if !ok || re == nil {
		return api.RetFalse
	}
	return ret(re.MatchString(";" + p))
}

// isDirection is is_direction(dir): downstream when the ftag of our Route
// equals the From tag (or cannot be told), upstream otherwise.
func (r *RR) isDirection(c *api.Ctx, args []any) api.Ret {
	var want Direction
	switch v := args[0].(type) {
	case Direction:
		want = v
	case string:
		if strings.EqualFold(strings.TrimSpace(v), "upstream") {
			want = Upstream
		}
	}
	dir := Downstream
	if p, ok := routeParams(c); ok && c.Msg != nil {
		if ftag, ok := sip.Param(p, "ftag"); ok && ftag != "" {
			if tag := c.Msg.FromTag(); tag != "" && tag != ftag {
				dir = Upstream
			}
		}
	}
	return ret(dir == want)
}

package dispatcher

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// avpName extracts NAME from "$avp(NAME)"; "" disables the AVP.
func avpName(spec string) string {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "$avp(") && strings.HasSuffix(s, ")") {
		return s[5 : len(s)-1]
	}
	return ""
}

// avpStore returns the transaction's (or message's) AVP store.
func avpStore(c *api.Ctx) *pv.AVPStore {
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		return h.AVPs()
	}
	if s, ok := c.AVPs.(*pv.AVPStore); ok {
		return s
	}
	s := pv.NewAVPStore()
	c.AVPs = s
	return s
}

// selectReq is one ds_select_dst / ds_select_domain call.
type selectReq struct {
	set, alg   int64
	flags      Flags
	part       *Partition
	maxResults int
	domain     bool // rewrite the R-URI host:port instead of $du
}

// selectDst is ds_select_dst/ds_select_domain: pick a destination of the
// set, route the message to it and, with the f flag, queue the others for
// ds_next_dst in the partition's AVPs.
func (m *Module) selectDst(c *api.Ctx, r selectReq) api.Ret {
	pd := r.part.rt
	if pd == nil {
		return api.RetFalse
	}
	pd.mu.Lock()
	defer pd.mu.Unlock()
	s := pd.data.set(int(r.set))
	if s == nil {
		c.Log.Error("ds_select: destination set not found", "set", r.set, "partition", r.part.Name)
		return api.RetFalse
	}
	if len(s.dests) == 0 || s.activeNr == 0 {
		return api.RetFalse
	}
	useDefault := r.flags&UseDefault != 0
	size := len(s.dests)
	if useDefault && size > 1 {
		size--
	}
	var hash uint32
	id := -1
	var order []*dest // alg 9/10: the sorted set
	alg := r.alg
	if alg == 9 && m.PVarAlgoPattern == "" {
		c.Log.Warn("ds_select: no pvar_algo_pattern, using the first entry")
		alg = 8
	}
	switch alg {
	case 0, 1, 2, 3, 7:
		h, err := m.hashFor(c, alg, r.flags)
		if err != nil {
			c.Log.Error("ds_select: cannot hash", "alg", alg, "err", err)
			return api.RetFalse
		}
		hash = h
	case 4:
		if s.last >= size {
			s.last = 0
		}
		if d := s.dests[s.last]; d.rrCount < d.weight {
			id = s.last
		} else {
			d.rrCount = 0
			id = (s.last + 1) % size
		}
	case 5:
		if h, ok := authUserHash(c.Msg); ok {
			hash = h
		} else {
			if s.last >= size {
				s.last = 0
			}
			id = s.last
			s.last = (s.last + 1) % size
		}
	case 6:
		hash = rand.Uint32()
	case 8:
		id = 0
	case 9, 10:
		order = m.sortedSet(c, pd, s, alg, useDefault)
		if len(order) == 0 || !order[0].active() {
			return api.RetFalse
		}
		id = 0
	default:
		c.Log.Warn("ds_select: unknown algorithm, using the first entry", "alg", alg)
		id = 0
	}

	var sel *dest
	if order != nil {
		sel = order[0]
	} else {
		var ok bool
		if id, ok = pickCandidate(s, size, hash, id, useDefault); !ok {
			return api.RetFalse
		}
		sel = s.dests[id]
		order = s.dests
	}
	s.last = id
	if alg == 4 {
		sel.rrCount++
	}
	if !m.updateDst(c, sel.dstURI, sel.socket, r.domain) {
		return api.RetFalse
	}
	sel.hits++

	p := r.part
	st := avpStore(c)
	dstA, grpA, cntA, sockA := avpName(p.DstAVP), avpName(p.GrpAVP), avpName(p.CntAVP), avpName(p.SockAVP)
	attrsA, sattrsA := avpName(p.AttrsAVP), avpName(p.ScriptAttrsAVP)
	cnt := 0
	if r.flags&Failover != 0 {
		if r.flags&AppendMode == 0 {
			for _, n := range []string{dstA, grpA, cntA, sockA, attrsA, sattrsA} {
				if n != "" {
					st.DelAll(n)
				}
			}
		}
		push := func(d *dest) {
			m.pushDest(st, p, d)
			cnt++
		}
		n := len(s.dests)
		if useDefault && id != n-1 {
			push(s.dests[n-1])
		}
		inactive := 0
		for i, d := range s.dests {
			if !d.active() && !(useDefault && i == n-1) {
				inactive++
			}
		}
		skip := n - inactive - r.maxResults
		if useDefault {
			skip--
		}
		// The others in reverse order, so that the next one is on top.
		for iu := id - 1 + n; iu > id; iu-- {
			i := iu % n
			d := order[i]
			if !d.active() || useDefault && i == n-1 {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			push(d)
		}
		if dstA != "" {
			st.Push(dstA, api.StrValue(sel.uri))
		}
		cnt++
	}
	if attrsA != "" {
		st.Push(attrsA, api.StrValue(sel.attrs))
	}
	if sattrsA != "" {
		st.Push(sattrsA, api.StrValue(sel.scriptAttrs))
	}
	if grpA != "" {
		st.Push(grpA, api.IntValue(r.set))
	}
	if cntA != "" {
		st.Push(cntA, api.IntValue(int64(cnt)))
	}
	return api.RetTrue
}

// pickCandidate turns the algorithm's hash or candidate into an active
// destination index, moving on as OpenSIPS does when the candidate is
// down.
func pickCandidate(s *set, size int, hash uint32, id int, useDefault bool) (int, bool) {
	if id == -1 {
		if tw := s.dests[size-1].runW; tw > 0 {
			r := int(hash % uint32(tw))
			for id = 0; id < size; id++ {
				if r < s.dests[id].runW {
					break
				}
			}
		} else {
			id = int(hash % uint32(size))
		}
	}
	i := id
	for !s.dests[i].active() {
		if hash == 0 {
			i = (i + 1) % size
		} else {
			cnt := s.activeNr
			if useDefault && s.dests[len(s.dests)-1].active() {
				cnt--
			}
			if cnt > 0 {
				if aw := s.dests[size-1].activeRunW; aw > 0 {
					r := int(hash % uint32(aw))
					for i = 0; i < size; i++ {
						if s.dests[i].active() && r < s.dests[i].activeRunW {
							break
						}
					}
				} else {
					j := int(hash % uint32(cnt))
					for i = 0; i < size; i++ {
						if s.dests[i].active() {
							j--
						}
						if j < 0 {
							break
						}
					}
				}
				if i == size {
					return 0, false
				}
			}
		}
		if i == id {
			if useDefault {
				i = len(s.dests) - 1
				if !s.dests[i].active() {
					return 0, false
				}
				break
			}
			return 0, false
		}
	}
	return i, true
}

// sortedSet orders the set for algorithms 9 (load from PVs, lowest
// first) and 10 (algo_route return codes, lowest first); inactive or
// refused destinations go last, the default entry stays at the end.
// pd.mu is held; it is released while algo_route runs, since the route
// may call dispatcher functions itself.
func (m *Module) sortedSet(c *api.Ctx, pd *partData, s *set, alg int64, useDefault bool) []*dest {
	n := len(s.dests)
	end := n
	if useDefault {
		end--
	}
	type scored struct {
		d *dest
		v int64
	}
	var good []scored
	var bad []*dest
	for _, d := range s.dests[:end] {
		if !d.active() {
			bad = append(bad, d)
			continue
		}
		var v int64
		if alg == 9 {
			name := strings.ReplaceAll(strings.ReplaceAll(m.PVarAlgoPattern, "%u", d.uri), "%i", strconv.Itoa(s.id))
			txt, err := m.fmts.Eval(c, name)
			if err != nil {
				c.Log.Error("ds_select: pvar_algo_pattern", "err", err)
				continue
			}
			v = intValue(api.StrValue(txt))
		} else {
			if m.AlgoRoute == "" || c.Core == nil {
				c.Log.Error("ds_select: algo_route is not set")
				return nil
			}
			saved := c.Params
			c.Params = []api.Value{api.StrValue(d.dstURI), api.StrValue(d.attrs), api.StrValue(d.scriptAttrs)}
			pd.mu.Unlock()
			ret, ok := c.Core.RunRoute(c, api.RequestRoute, m.AlgoRoute)
			pd.mu.Lock()
			c.Params = saved
			if !ok {
				c.Log.Error("ds_select: algo_route is not defined", "route", m.AlgoRoute)
				return nil
			}
			if ret < 0 {
				bad = append(bad, d)
				continue
			}
			v = int64(ret)
		}
		good = append(good, scored{d, v})
	}
	sort.SliceStable(good, func(i, j int) bool { return good[i].v < good[j].v })
	out := make([]*dest, 0, n)
	for _, g := range good {
		out = append(out, g.d)
	}
	for i := len(bad) - 1; i >= 0; i-- {
		out = append(out, bad[i])
	}
	if useDefault {
		out = append(out, s.dests[n-1])
	}
	return out
}

// pushDest queues a failover destination in the AVPs.
func (m *Module) pushDest(st *pv.AVPStore, p *Partition, d *dest) {
	if n := avpName(p.SockAVP); n != "" {
		st.Push(n, api.StrValue(d.socket))
	}
	if n := avpName(p.DstAVP); n != "" {
		st.Push(n, api.StrValue(d.dstURI))
	}
	if n := avpName(p.AttrsAVP); n != "" {
		st.Push(n, api.StrValue(d.attrs))
	}
	if n := avpName(p.ScriptAttrsAVP); n != "" {
		st.Push(n, api.StrValue(d.scriptAttrs))
	}
}

// updateDst routes the message to uri: $du, or the R-URI host:port for
// the domain variants; a destination socket is forced when it is ours.
func (m *Module) updateDst(c *api.Ctx, uri, socket string, domain bool) bool {
	if domain {
		if c.Msg == nil || !c.Msg.IsRequest() {
			return false
		}
		du, err := sip.ParseURI(uri)
		if err != nil {
			return false
		}
		ru, err := sip.ParseURI(c.Msg.RURI())
		if err != nil {
			c.Log.Error("ds_select_domain: bad request uri", "err", err)
			return false
		}
		ru.Host = du.Host
		ru.SetPort(du.Port)
		c.Msg.SetRURI(ru.String())
	} else {
		c.DstURI = uri
	}
	if socket != "" {
		c.ForceSocket = findSocket(c, socket)
	}
	return true
}

// findSocket maps a socket column ("udp:10.0.0.1:5060") to one of our
// listening sockets, when the core can look them up.
func findSocket(c *api.Ctx, def string) *sip.Socket {
	f, ok := c.Core.(interface {
		FindSocket(sip.Proto, string, int) *sip.Socket
	})
	if !ok {
		return nil
	}
	s, err := sip.ParseSocket(def)
	if err != nil {
		return nil
	}
	if s.Port == 0 {
		s.Port = s.Proto.DefaultPort()
	}
	return f.FindSocket(s.Proto, s.IP, s.Port)
}

// nextDst is ds_next_dst/ds_next_domain: drop the used destination from
// the AVPs and route to the next one.
func (m *Module) nextDst(c *api.Ctx, p *Partition, domain bool) api.Ret {
	st := avpStore(c)
	dstA := avpName(p.DstAVP)
	if dstA == "" || st.Count(dstA) == 0 {
		return api.RetFalse
	}
	st.DelAt(dstA, 0)
	for _, n := range []string{avpName(p.AttrsAVP), avpName(p.ScriptAttrsAVP)} {
		if n != "" {
			st.DelAt(n, 0)
		}
	}
	next := st.Get(dstA, 0)
	if next.IsNull() || next.IsInt() && !next.IsStr() {
		return api.RetFalse
	}
	sock := ""
	if n := avpName(p.SockAVP); n != "" {
		sock = pv.Str(st.Get(n, 0))
		st.DelAt(n, 0)
	}
	if !m.updateDst(c, pv.Str(next), sock, domain) {
		return api.RetFalse
	}
	return api.RetTrue
}

// markDst is ds_mark_dst: change the state of the last used destination.
func (m *Module) markDst(c *api.Ctx, p *Partition, st State) api.Ret {
	store := avpStore(c)
	grp := store.Get(avpName(p.GrpAVP), 0)
	if !grp.IsInt() {
		return api.RetFalse
	}
	uri := store.Get(avpName(p.DstAVP), 0)
	if uri.IsNull() || !uri.IsStr() {
		return api.RetFalse
	}
	if !m.setStateByURI(p, int(grp.I), uri.S, st, "script function ds_mark()") {
		return api.RetFalse
	}
	return api.RetTrue
}

// setStateByURI changes a destination's state; false when not found.
func (m *Module) setStateByURI(p *Partition, group int, uri string, st State, reason string) bool {
	pd := p.rt
	if pd == nil {
		return false
	}
	pd.mu.Lock()
	defer pd.mu.Unlock()
	s := pd.data.set(group)
	if s == nil {
		return false
	}
	d := s.findDest(uri)
	if d == nil {
		return false
	}
	m.markState(s, d, st, reason)
	return true
}

package registrar

import (
	"gosips/api"
	"gosips/modules/usrloc"
	"gosips/pv"
	"gosips/sip"
)

// lookup() return codes.
const (
	lookupOK        api.Ret = 1
	lookupNotFound  api.Ret = -1
	lookupMethodNot api.Ret = -2
	lookupError     api.Ret = -3
)

func lookupFlagsOf(a any) *LookupFlags {
	switch f := a.(type) {
	case *LookupFlags:
		return f
	case string:
		if p, err := ParseLookupFlags(f); err == nil {
			return p
		}
		if p, err := ParseLegacyLookupFlags(f); err == nil {
			return p
		}
	}
	return &LookupFlags{}
}

// lookup rewrites the R-URI with the AOR's best binding and adds the
// others as branches (OpenSIPS lib/reg/lookup.c).
func (m *Module) lookup(c *api.Ctx, args []any) api.Ret {
	d := m.domainOf(args[0])
	msg := c.Msg
	if d == nil || msg == nil || msg.CallID() == "" {
		return lookupError
	}
	f := lookupFlagsOf(args[1])
	aorURI, _ := args[2].(string)
	if aorURI == "" {
		aorURI = msg.RURI()
	}
	// With "branch", the AORs of the existing branches are looked up too
	// and their URIs replaced by the bindings found.
	var branchURIs []string
	if f.Branch {
		for _, b := range c.Branches {
			branchURIs = append(branchURIs, b.URI)
		}
		c.Branches = c.Branches[:0]
	}
	l := &lookupRun{m: m, c: c, f: f, method: usrloc.MethodBit(msg.MethodID()), ret: lookupNotFound}
	l.ruriPushed = f.ToBranchesOnly
	aor, e := m.extractAOR(aorURI)
	if e != rFine {
		return lookupError
	}
	if !l.one(d, aor) {
		return lookupError
	}
	for _, u := range branchURIs {
		if l.done {
			break
		}
		aor, e := m.extractAOR(u)
		if e != rFine {
			return lookupError
		}
		if !l.one(d, aor) {
			return lookupError
		}
	}
	if l.ruriPushed && l.found {
		return lookupOK
	}
	return l.ret
}

type lookupRun struct {
	m          *Module
	c          *api.Ctx
	f          *LookupFlags
	method     uint32
	ret        api.Ret
	ruriPushed bool
	found      bool // an AOR record was found
	done       bool // no-branches: stop after the first destination
}

// one looks up one AOR; false on an internal error.
func (l *lookupRun) one(d *usrloc.Domain, aor string) bool {
	now := l.m.ul.Now()
	d.Lock(aor)
	defer d.Unlock(aor)
	r, ok, err := d.Get(l.c.Context, aor)
	if err != nil {
		return false
	}
	if !ok {
		return true
	}
	l.found = true
	for _, ct := range l.selectContacts(r, now) {
		l.push(ct)
		if l.f.NoBranches {
			l.done = true
			return true
		}
	}
	return true
}

// selectContacts filters the valid bindings by method, user agent and
// ping latency, setting the not-found / method-not-supported outcome.
func (l *lookupRun) selectContacts(r *usrloc.Record, now int64) []*usrloc.Contact {
	var out []*usrloc.Contact
	for _, ct := range r.Contacts {
		if !ct.Valid(now) {
			continue
		}
		if l.ret < 0 {
			l.ret = lookupMethodNot
		}
		if l.f.MethodFiltering && ct.Methods&l.method == 0 {
			continue
		}
		if l.ret < 0 {
			l.ret = lookupNotFound
		}
		if l.f.UAFilter != nil && !l.f.UAFilter.MatchString(ct.UserAgent) {
			continue
		}
		l.ret = lookupOK
		out = append(out, ct)
	}
	return out
}

// push makes the binding the R-URI (first one) or a branch (push_branch).
func (l *lookupRun) push(ct *usrloc.Contact) {
	c := l.c
	dst := ct.Received
	if ct.Path != "" {
		dst = pathDst(ct.Path)
	}
	if !l.ruriPushed {
		c.Msg.SetRURI(ct.URI)
		if ct.Path != "" {
			c.Path = ct.Path
		}
		if dst != "" {
			c.DstURI = dst
		}
		c.RURIQ = ct.Q
		c.BFlags |= ct.CFlags
		if ct.Socket != nil {
			c.ForceSocket = ct.Socket
		}
		l.ruriPushed = true
		l.setAttr(ct, -1)
		return
	}
	c.Branches = append(c.Branches, api.Branch{URI: ct.URI, DstURI: dst, Path: ct.Path, Q: ct.Q,
		Flags: ct.CFlags, Socket: ct.Socket})
	l.setAttr(ct, len(c.Branches)-1)
}

// setAttr copies the binding's attributes into attr_avp.
func (l *lookupRun) setAttr(ct *usrloc.Contact, _ int) {
	if l.m.attrAVP == "" {
		return
	}
	if st := avpStore(l.c); st != nil {
		st.Push(l.m.attrAVP, api.StrValue(ct.Attr))
	}
}

// pathDst is the next hop of a Path vector: the first URI, or its
// received parameter when it carries one.
func pathDst(path string) string {
	na, err := sip.ParseNameAddr(firstElem(path))
	if err != nil {
		return ""
	}
	u, err := sip.ParseURI(na.URI)
	if err != nil {
		return na.URI
	}
	if rcv, ok := u.Param("received"); ok {
		if v, ok := unescape(sip.Unquote(rcv)); ok && v != "" {
			return v
		}
	}
	return na.URI
}

// msgAOR returns the AOR of the function's aor argument, or of To for a
// REGISTER and From for other requests (msg_aor_parse).
func (m *Module) msgAOR(c *api.Ctx, a any) (string, bool) {
	uri, _ := a.(string)
	msg := c.Msg
	if uri == "" {
		if msg == nil || !msg.IsRequest() {
			return "", false
		}
		var na sip.NameAddr
		var err error
		if msg.MethodID() == sip.MethodRegister {
			na, err = msg.To()
		} else {
			na, err = msg.From()
		}
		if err != nil {
			return "", false
		}
		uri = na.URI
	}
	aor, e := m.extractAOR(uri)
	return aor, e == rFine
}

func (m *Module) isRegistered(c *api.Ctx, args []any) api.Ret {
	d := m.domainOf(args[0])
	aor, ok := m.msgAOR(c, args[1])
	if !ok || d == nil {
		return api.RetFalse
	}
	now := m.ul.Now()
	d.Lock(aor)
	defer d.Unlock(aor)
	r, found, err := d.Get(c.Context, aor)
	if err != nil || !found {
		return api.RetFalse
	}
	for _, ct := range r.Contacts {
		if ct.Valid(now) {
			if m.attrAVP != "" {
				if st := avpStore(c); st != nil {
					st.Append(m.attrAVP, api.StrValue(ct.Attr))
				}
			}
			return api.RetTrue
		}
	}
	return api.RetFalse
}

func (m *Module) isContactRegistered(c *api.Ctx, args []any) api.Ret {
	d := m.domainOf(args[0])
	aor, ok := m.msgAOR(c, args[1])
	if !ok || d == nil {
		return api.RetFalse
	}
	curi, hasC := args[2].(string)
	callid, hasCID := args[3].(string)
	hasC, hasCID = hasC && curi != "", hasCID && callid != ""
	if !hasC && !hasCID {
		cts, _, err := c.Msg.Contacts()
		if err != nil {
			return api.RetFalse
		}
		s := &saveCtx{m: m, msg: c.Msg, now: m.ul.Now(), minExp: m.MinExpires, maxExp: m.MaxExpires}
		s.hdrExp, s.hdrExpOK = c.Msg.Expires()
		for i := range cts {
			if s.expires(&cts[i]) != 0 {
				curi, hasC = cts[i].URI, true
				break
			}
		}
		if !hasC {
			return api.RetFalse
		}
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, found, err := d.Get(c.Context, aor)
	if err != nil || !found {
		return api.RetFalse
	}
	for _, ct := range r.Contacts {
		if (!hasC || ct.URI == curi) && (!hasCID || ct.CallID == callid) {
			return api.RetTrue
		}
	}
	return api.RetFalse
}

func (m *Module) isIPRegistered(c *api.Ctx, args []any) api.Ret {
	d := m.domainOf(args[0])
	aor, ok := m.msgAOR(c, args[1])
	if !ok || d == nil {
		return -2
	}
	ipRef, _ := args[2].(api.PVRef)
	portRef, _ := args[3].(api.PVRef)
	ips := refValues(c, ipRef)
	ports := refValues(c, portRef)
	if len(ips) == 0 {
		return api.RetFalse
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, found, err := d.Get(c.Context, aor)
	if err != nil || !found {
		return api.RetFalse
	}
	for _, ct := range r.Contacts {
		uri := ct.URI
		if ct.Received != "" {
			uri = ct.Received
		}
		u, err := sip.ParseURI(uri)
		if err != nil {
			continue
		}
		host, port := u.HostNoBrackets(), u.Port
		for i, ip := range ips {
			if !sameIP(pv.Str(ip), host) {
				continue
			}
			want := int64(0)
			if i < len(ports) && ports[i].IsInt() {
				want = ports[i].I
			}
			if want == 0 || want == int64(port) {
				return api.RetTrue
			}
		}
	}
	return api.RetFalse
}

// refValues reads every value of a variable (all the values of an AVP).
func refValues(c *api.Ctx, ref api.PVRef) []api.Value {
	if ref == nil {
		return nil
	}
	if s, err := pv.Parse(ref.Name()); err == nil && s.Name == "avp" && s.Inner != "" {
		if st := avpStore(c); st != nil {
			return st.All(s.Inner)
		}
	}
	v, err := ref.Get(c)
	if err != nil || v.IsNull() {
		return nil
	}
	return []api.Value{v}
}

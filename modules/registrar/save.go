package registrar

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/modules/usrloc"
	"gosips/pv"
	"gosips/sip"
)

// Limits of OpenSIPS' lib/reg/config.h.
const (
	callIDMaxSize   = 255
	receivedMaxSize = 255
	uaMaxSize       = 255
	noUserAgent     = "n/a"
)

func (f *SaveFlags) pathMode() bool { return f.PathStrict || f.PathLazy || f.PathOff }

// saveCtx is one save() run.
type saveCtx struct {
	m     *Module
	c     *api.Ctx
	msg   *sip.Msg
	d     *usrloc.Domain
	f     *SaveFlags
	aor   string
	now   int64
	match usrloc.Match

	maxContacts, minExp, maxExp int

	// forced replaces the message contacts (save() in onreply route).
	forced []sip.Contact

	hdrExp   int
	hdrExpOK bool

	// common contact info, filled once (pack_ci with a message)
	callID    string
	cseq      int
	ua        string
	path      string
	pathRcv   string
	cflags    uint32
	sock      *sip.Socket
	sockStr   string
	methods   uint32
	rcvAVP    string
	rcvLooked bool
	attr      string

	contacts string // the Contact header of the reply
	err      rerr
}

// domainOf returns the usrloc domain of a fixed table argument.
func (m *Module) domainOf(a any) *usrloc.Domain {
	switch d := a.(type) {
	case *usrloc.Domain:
		return d
	case string:
		if m.ul != nil {
			for _, x := range m.ul.Domains() {
				if x.Name == d {
					return x
				}
			}
		}
	}
	return nil
}

// saveFlagsOf returns the fixed flags, or parses flags given through a
// variable at run time.
func saveFlagsOf(a any) *SaveFlags {
	switch f := a.(type) {
	case *SaveFlags:
		return f
	case string:
		if p, _, err := ParseSaveFlags(f); err == nil {
			return p
		}
		if p, err := ParseLegacySaveFlags(f); err == nil {
			return p
		}
	}
	return defaultSaveFlags
}

// defaultSaveFlags are the flags of a save() without any. Read only: it
// saves an allocation per REGISTER.
var defaultSaveFlags = newSaveFlags()

func (m *Module) save(c *api.Ctx, args []any) api.Ret {
	d := m.domainOf(args[0])
	if d == nil || c.Msg == nil {
		return api.RetFalse
	}
	if m.ul != nil {
		m.ul.SetFlagNamer(c.Core.BranchFlagName)
	}
	f := saveFlagsOf(args[1])
	aorURI, _ := args[2].(string)
	msg := c.Msg
	noReply := f.NoReply || c.RouteType == api.OnReplyRoute
	var forced []sip.Contact
	if !msg.IsRequest() {
		req := c.Req
		if req == nil {
			m.log.Error("save() on a reply needs the transaction's request")
			return api.RetFalse
		}
		var ok bool
		if forced, ok = m.replyBinding(c, req, msg); !ok {
			return api.Ret(1) // no binding to save: an interrogation
		}
		msg = req
		noReply = true
	}
	s := &saveCtx{m: m, c: c, msg: msg, d: d, f: f, now: m.ul.Now(), forced: forced}
	s.maxContacts, s.minExp, s.maxExp = m.MaxContacts, m.MinExpires, m.MaxExpires
	if f.MaxContacts != Unset {
		s.maxContacts = f.MaxContacts
	}
	if f.MinExpires != Unset {
		s.minExp = f.MinExpires
	}
	if f.MaxExpires != Unset {
		s.maxExp = f.MaxExpires
	}
	s.match = usrloc.Match{Mode: usrloc.MatchDefault}
	switch f.MatchingMode {
	case MatchContact:
		s.match.Mode = usrloc.MatchContact
	case MatchContactCallID:
		s.match.Mode = usrloc.MatchCallID
	case MatchParams:
		s.match = usrloc.Match{Mode: usrloc.MatchParams, Params: f.MatchParams}
	}
	ok := s.run(aorURI)
	if ok && m.tcpFlag >= 0 && c.Flags&(1<<uint(m.tcpFlag)) != 0 {
		s.persistConn()
	}
	if ok {
		m.accepted.Add(1)
	} else {
		m.rejected.Add(1)
	}
	if !noReply {
		if err := m.sendReply(c, s.err, s.contacts, s.path, f); err != nil {
			m.log.Error("failed to send the REGISTER reply", "callid", msg.CallID(), "err", err)
			if ok {
				return api.RetFalse
			}
		}
	}
	if !ok {
		return -2
	}
	return api.RetTrue
}

// run processes the REGISTER; false means an error (s.err says which).
func (s *saveCtx) run(aorURI string) bool {
	msg := s.msg
	if _, ok := msg.Header("To"); !ok {
		return s.fail(rToMiss)
	}
	if msg.CallID() == "" {
		return s.fail(rCIDMiss)
	}
	if _, _, err := msg.CSeq(); err != nil {
		return s.fail(rCSMiss)
	}
	if _, present := msg.Header("Expires"); present {
		s.hdrExp, s.hdrExpOK = msg.Expires()
		if !s.hdrExpOK {
			return s.fail(rParseExp)
		}
	}
	var cts []sip.Contact
	star := false
	if s.forced != nil {
		cts = s.forced
	} else {
		var err error
		cts, star, err = msg.Contacts()
		if err != nil {
			return s.fail(rParseCont)
		}
		if e := s.checkContacts(cts, star); e != rFine {
			return s.fail(e)
		}
	}
	if aorURI == "" {
		to, err := msg.To()
		if err != nil {
			return s.fail(rParse)
		}
		aorURI = to.URI
	}
	aor, e := s.m.extractAOR(aorURI)
	if e != rFine {
		return s.fail(e)
	}
	if aor == "" {
		return s.fail(rAORParse)
	}
	s.aor = aor
	switch {
	case star:
		return s.star()
	case len(cts) == 0:
		return s.noContacts()
	}
	return s.addContacts(cts)
}

func (s *saveCtx) fail(e rerr) bool {
	s.err = e
	return false
}

// checkContacts applies OpenSIPS check_contacts: "*" only alone and with
// Expires 0, and the length limits.
func (s *saveCtx) checkContacts(cts []sip.Contact, star bool) rerr {
	if star {
		if !s.hdrExpOK || s.hdrExp != 0 {
			return rStarExp
		}
		if len(cts) > 0 || s.msg.CountOf("Contact") > 1 {
			return rStarCont
		}
		return rFine
	}
	for _, ct := range cts {
		if !contactURIOK(&ct) {
			return rParseCont
		}
		rcv, _ := ct.Param("received")
		if len(ct.URI) > s.m.MaxContactLen || len(rcv) > receivedMaxSize {
			return rContactLen
		}
	}
	return rFine
}

// contactURIOK checks a Contact URI (RFC 3261 §10.3 step 2, RFC 4475
// regbadct/regescrt): a sip/sips URI must parse, carry no headers (they
// mean nothing in a binding) and, written without <>, contain no '?'.
func contactURIOK(ct *sip.Contact) bool {
	u := ct.URI
	if !ct.Angle && strings.IndexByte(u, '?') >= 0 {
		return false
	}
	scheme, _, ok := strings.Cut(u, ":")
	if !ok || scheme == "" || strings.ContainsAny(u, " \t<>") {
		return false
	}
	if strings.EqualFold(scheme, "sip") || strings.EqualFold(scheme, "sips") {
		pu, err := sip.ParseURI(u)
		return err == nil && pu.Headers == ""
	}
	return true
}

// persistConn applies tcp_persistent_flag: the stream connection the
// REGISTER came on stays open as long as its longest-lived contact over a
// TCP-based transport, plus 10 s, as OpenSIPS' save() sets it.
func (s *saveCtx) persistConn() {
	rcv := s.msg.Recv()
	if rcv == nil || !rcv.Proto.Reliable() {
		return
	}
	cts := s.forced
	if cts == nil {
		cts, _, _ = s.msg.Contacts()
	}
	var eMax int64 = -1
	for i := range cts {
		u, err := sip.ParseURI(cts[i].URI)
		if err != nil {
			continue
		}
		if tg, err := sip.TargetOf(&u); err != nil || !tg.Proto.Reliable() {
			continue
		}
		eMax = max(eMax, s.expires(&cts[i]))
	}
	if eMax < 0 {
		return
	}
	if eMax > 0 {
		eMax -= s.now
	}
	rcv.SetConnLifetime(time.Duration(eMax+10) * time.Second)
}

// expires computes a binding's absolute expiry (calc_contact_expires):
// the contact's expires param, else the Expires header, else
// default_expires; non-zero values are clamped into [min, max].
func (s *saveCtx) expires(ct *sip.Contact) int64 {
	var e int64
	switch {
	case ct.Expires >= 0:
		if e = int64(ct.Expires); e != 0 {
			e += s.now
		}
	case s.hdrExpOK:
		if e = int64(s.hdrExp); e != 0 {
			e += s.now
		}
	default:
		e = s.now + int64(s.m.DefaultExpires)
	}
	if e != 0 && e-s.now < int64(s.minExp) {
		e = int64(s.minExp) + s.now
	}
	if e != 0 && s.maxExp != 0 && e-s.now > int64(s.maxExp) {
		e = int64(s.maxExp) + s.now
	}
	return e
}

// randomize applies expires_max_deviation to a non-zero expiry.
func (s *saveCtx) randomize(e int64) int64 {
	dev := s.m.ExpiresMaxDeviation
	if dev == 0 || e == 0 {
		return e
	}
	dur := e - s.now + int64(rand.IntN(2*dev+1)-dev)
	if dur < int64(s.m.MinExpires) {
		dur = int64(s.m.MinExpires)
	}
	if s.m.MaxExpires != 0 && dur > int64(s.m.MaxExpires) {
		dur = int64(s.m.MaxExpires)
	}
	return dur + s.now
}

// star removes every binding of the AOR ("Contact: *").
func (s *saveCtx) star() bool {
	ctx := s.c.Context
	s.d.Lock(s.aor)
	defer s.d.Unlock(s.aor)
	if r, ok, _ := s.d.Get(ctx, s.aor); ok {
		for _, c := range r.Contacts {
			s.memFlag(c)
		}
	}
	if err := s.d.Delete(ctx, s.aor); err != nil {
		s.m.log.Error("failed to remove the AOR", "aor", s.aor, "err", err)
		if r, ok, _ := s.d.Get(ctx, s.aor); ok {
			s.contacts = s.m.contactHeader(r.Contacts, s.now)
		}
		return s.fail(rULDelR)
	}
	return true
}

// memFlag sets or clears the memory-only mark as the save flags say.
func (s *saveCtx) memFlag(c *usrloc.Contact) {
	if s.f.MemoryOnly {
		c.Flags |= usrloc.FlagMem
	} else {
		c.Flags &^= usrloc.FlagMem
	}
}

// noContacts answers a query: the current bindings.
func (s *saveCtx) noContacts() bool {
	s.d.Lock(s.aor)
	defer s.d.Unlock(s.aor)
	r, ok, err := s.d.Get(s.c.Context, s.aor)
	if err != nil {
		return s.fail(rULGetR)
	}
	if ok {
		s.buildContacts(r, nil)
	}
	return true
}

// buildContacts prepares the reply's Contact header, listing only the
// request's contacts with only-request-contacts.
func (s *saveCtx) buildContacts(r *usrloc.Record, req []sip.Contact) {
	cts := r.Contacts
	if s.f.OnlyRequestContacts {
		var sel []*usrloc.Contact
		for _, c := range cts {
			for i := range req {
				if c.URI == req[i].URI {
					sel = append(sel, c)
					break
				}
			}
		}
		cts = sel
	}
	s.contacts = s.m.contactHeader(cts, s.now)
}

// common fills the contact info shared by all contacts of the message
// (pack_ci with a message).
func (s *saveCtx) common() rerr {
	msg := s.msg
	s.callID = strings.TrimRight(msg.CallID(), " \t")
	if len(s.callID) > callIDMaxSize {
		return rCallIDLen
	}
	n, _, err := msg.CSeq()
	if err != nil {
		return rInvCSeq
	}
	s.cseq = int(n)
	if r := msg.Recv(); r != nil {
		s.sock = r.Socket
		if r.Local.IsValid() {
			s.sockStr = s.m.socketText(r.Proto, r.Local)
		}
	}
	s.ua = noUserAgent
	if ua, ok := msg.HeaderOf(sip.HdrUserAgent, "User-Agent"); ok && len(ua) > 0 && len(ua) < uaMaxSize {
		s.ua = ua
	}
	if s.f.pathMode() {
		if e := s.buildPath(); e != rFine {
			return e
		}
	}
	s.cflags = s.c.BFlags
	if s.pathRcv != "" && s.m.ul.NATBFlagIndex >= 0 {
		s.cflags |= 1 << s.m.ul.NATBFlagIndex
	}
	s.methods = usrloc.AllMethods
	if allow := msg.Headers("Allow"); len(allow) > 0 {
		s.methods = usrloc.ParseMethods(strings.Join(allow, ","))
	}
	if s.f.SocketHeader {
		s.socketHeader()
	}
	if s.m.attrAVP != "" {
		if st := avpStore(s.c); st != nil {
			if v := st.Get(s.m.attrAVP, 0); !v.IsNull() {
				s.attr = pv.Str(v)
			}
		}
	}
	return rFine
}

// sockKey identifies a receiving socket for Module.sockStrs.
type sockKey struct {
	proto sip.Proto
	local netip.AddrPort
}

// socketText returns "proto:ip:port" for a receiving socket.
func (m *Module) socketText(proto sip.Proto, local netip.AddrPort) string {
	k := sockKey{proto, local}
	if v, ok := m.sockStrs.Load(k); ok {
		return v.(string)
	}
	t := proto.String() + ":" + hostOf(local.Addr().String()) + ":" + strconv.Itoa(int(local.Port()))
	m.sockStrs.Store(k, t)
	return t
}

func hostOf(ip string) string {
	if strings.IndexByte(ip, ':') >= 0 {
		return "[" + ip + "]"
	}
	return ip
}

// buildPath joins the Path headers and checks the first hop is a loose
// router; with path-received its received param is the contact's.
func (s *saveCtx) buildPath() rerr {
	paths := s.msg.Headers("Path")
	if len(paths) == 0 {
		return rFine
	}
	s.path = strings.Join(paths, ",")
	first, err := sip.ParseNameAddr(firstElem(s.path))
	if err != nil {
		return rParsePath
	}
	u, err := sip.ParseURI(first.URI)
	if err != nil {
		return rParsePath
	}
	if _, lr := u.Param("lr"); !lr {
		return rParsePath
	}
	if s.f.PathReceived {
		if _, r2 := u.Param("r2"); r2 {
			if elems := splitElems(s.path); len(elems) > 1 {
				if na, err := sip.ParseNameAddr(elems[1]); err == nil {
					if u2, err := sip.ParseURI(na.URI); err == nil {
						u = u2
					}
				}
			}
		}
		if rcv, ok := u.Param("received"); ok {
			if v, ok := unescape(sip.Unquote(rcv)); ok {
				s.pathRcv = v
			}
		}
	}
	return rFine
}

// socketHeader takes the contact socket from the sock_hdr_name header.
func (s *saveCtx) socketHeader() {
	if s.m.SockHdrName == "" {
		return
	}
	v, ok := s.msg.Header(s.m.SockHdrName)
	if !ok || strings.TrimSpace(v) == "" {
		return
	}
	sock, err := sip.ParseSocket(strings.TrimSpace(v))
	if err != nil {
		s.m.log.Error("bad socket in header", "header", s.m.SockHdrName, "value", v)
		return
	}
	finder, ok := s.c.Core.(pv.SocketFinder)
	if !ok {
		return
	}
	if found := finder.FindSocket(sock.Proto, sock.IP, sock.Port); found != nil {
		s.sock = found
		s.sockStr = found.String()
	} else {
		s.m.log.Error("non-local socket in header", "header", s.m.SockHdrName, "value", v)
	}
}

// info packs a contact's info (pack_ci with a contact).
func (s *saveCtx) info(ct *sip.Contact, e int64) (*usrloc.ContactInfo, rerr) {
	ci := &usrloc.ContactInfo{
		Expires: s.randomize(e), CallID: s.callID, CSeq: s.cseq, CFlags: s.cflags,
		UserAgent: s.ua, Path: s.path, Socket: s.sock, SocketStr: s.sockStr, Methods: s.methods,
		LastModified: s.now, Attr: s.attr,
	}
	if s.f.MemoryOnly {
		ci.Flags |= usrloc.FlagMem
	}
	ci.Q = s.m.DefaultQ
	if ci.Q < 0 {
		ci.Q = usrloc.QUnspecified
	}
	if ct.Q != "" {
		q, ok := usrloc.ParseQ(ct.Q)
		if !ok {
			return nil, rInvQ
		}
		ci.Q = q
	}
	if meth, ok := ct.Param("methods"); ok {
		ci.Methods = usrloc.ParseMethods(meth)
	}
	if inst, ok := ct.Param("+sip.instance"); ok {
		ci.Instance = inst
	}
	if id, ok := ct.Param("reg-id"); ok {
		ci.RegID, _ = strconv.Atoi(id)
	}
	switch rcv, ok := ct.Param("received"); {
	case s.pathRcv != "":
		ci.Received = s.pathRcv
	case ok:
		ci.Received = sip.Unquote(rcv)
	default:
		if !s.rcvLooked {
			s.rcvLooked = true
			if s.m.rcvAVP != "" {
				if st := avpStore(s.c); st != nil {
					if v := st.Get(s.m.rcvAVP, 0); !v.IsNull() {
						s.rcvAVP = pv.Str(v)
					}
				}
			}
			if len(s.rcvAVP) > receivedMaxSize {
				return nil, rContactLen
			}
		}
		ci.Received = s.rcvAVP
	}
	return ci, rFine
}

// addContacts inserts, refreshes and removes the REGISTER's bindings
// (OpenSIPS add_contacts / insert_contacts / update_contacts).
func (s *saveCtx) addContacts(cts []sip.Contact) bool {
	if e := s.common(); e != rFine {
		return s.fail(e)
	}
	ctx := s.c.Context
	s.d.Lock(s.aor)
	defer s.d.Unlock(s.aor)
	r, found, err := s.d.Get(ctx, s.aor)
	if err != nil {
		return s.fail(rULGetR)
	}
	if !found {
		return s.insertContacts(ctx, cts)
	}
	ok := s.updateContacts(ctx, r, cts)
	s.buildContacts(r, cts)
	s.d.Release(r)
	return ok
}

// insertContacts handles a new AOR.
func (s *saveCtx) insertContacts(ctx context.Context, cts []sip.Contact) bool {
	var r *usrloc.Record
	num := 0
	cseqAdj := s.cseq + 1
	for i := range cts {
		ct := &cts[i]
		e := s.expires(ct)
		if e == 0 {
			continue
		}
		if s.maxContacts > 0 && num >= s.maxContacts {
			if !s.f.ForceRegistration {
				s.m.log.Info("too many contacts", "aor", s.aor, "max", s.maxContacts)
				return s.abortNew(ctx, r, rTooMany)
			}
			if r == nil || len(r.Contacts) == 0 {
				return s.abortNew(ctx, r, rInternal)
			}
			if err := r.Delete(ctx, s.oldest(r, nil)); err != nil {
				return s.abortNew(ctx, r, rInternal)
			}
		} else {
			num++
		}
		if r == nil {
			r = s.d.Insert(s.aor)
		}
		ci, e2 := s.info(ct, e)
		if e2 != rFine {
			return s.abortNew(ctx, r, e2)
		}
		if c, rc := r.Find(ct.URI, ci.CallID, cseqAdj, s.match, s.now); rc == 0 {
			if err := r.Update(ctx, c, ci); err != nil {
				return s.abortNew(ctx, r, rULUpdC)
			}
		} else if _, err := r.Insert(ctx, ct.URI, ci); err != nil {
			return s.abortNew(ctx, r, rULInsC)
		}
	}
	if r != nil {
		s.buildContacts(r, cts)
		s.d.Release(r)
	}
	return true
}

// abortNew drops a record created by this request after an error.
func (s *saveCtx) abortNew(ctx context.Context, r *usrloc.Record, e rerr) bool {
	if r != nil {
		if err := s.d.Delete(ctx, s.aor); err != nil {
			s.m.log.Error("failed to drop the new AOR", "aor", s.aor, "err", err)
		}
	}
	return s.fail(e)
}

// oldest returns the last valid binding other than skip (the one
// force-registration drops).
func (s *saveCtx) oldest(r *usrloc.Record, skip *usrloc.Contact) *usrloc.Contact {
	var last *usrloc.Contact
	for _, c := range r.Contacts {
		if c != skip && c.Valid(s.now) {
			last = c
		}
	}
	return last
}

// updateContacts handles an AOR that already has bindings.
func (s *saveCtx) updateContacts(ctx context.Context, r *usrloc.Record, cts []sip.Contact) bool {
	num := 0
	if s.maxContacts > 0 {
		num = r.ValidCount(s.now)
	}
	cseqAdj := s.cseq + s.m.AllowDupCSeq
	for i := range cts {
		ct := &cts[i]
		e := s.expires(ct)
		c, rc := r.Find(ct.URI, s.callID, cseqAdj, s.match, s.now)
		switch rc {
		case -1:
			s.m.log.Error("invalid cseq", "aor", s.aor)
			return s.fail(rInvCSeq)
		case -2:
			continue
		}
		if rc > 0 {
			if e == 0 {
				continue
			}
			for s.maxContacts > 0 && num >= s.maxContacts {
				if !s.f.ForceRegistration {
					s.m.log.Info("too many contacts", "aor", s.aor, "max", s.maxContacts)
					return s.fail(rTooMany)
				}
				old := s.oldest(r, nil)
				if old == nil {
					return s.fail(rInternal)
				}
				if err := r.Delete(ctx, old); err != nil {
					return s.fail(rInternal)
				}
				num--
			}
			ci, e2 := s.info(ct, e)
			if e2 != rFine {
				return s.fail(e2)
			}
			if _, err := r.Insert(ctx, ct.URI, ci); err != nil {
				return s.fail(rULInsC)
			}
			num++
			continue
		}
		if e == 0 {
			s.memFlag(c)
			if err := r.Delete(ctx, c); err != nil {
				return s.fail(rULDelC)
			}
			continue
		}
		if !c.Valid(s.now) {
			num++
		}
		for s.maxContacts > 0 && num > s.maxContacts {
			if !s.f.ForceRegistration {
				s.m.log.Info("too many contacts", "aor", s.aor, "max", s.maxContacts)
				return s.fail(rTooMany)
			}
			old := s.oldest(r, c)
			if old == nil {
				return s.fail(rInternal)
			}
			if err := r.Delete(ctx, old); err != nil {
				return s.fail(rInternal)
			}
			num--
		}
		ci, e2 := s.info(ct, e)
		if e2 != rFine {
			return s.fail(e2)
		}
		if err := r.Update(ctx, c, ci); err != nil {
			return s.fail(rULUpdC)
		}
	}
	return true
}

// replyBinding implements save() on a reply (mid-registrar style): the
// request's first contact is saved with the expires the upstream
// registrar granted it. ok is false when there is nothing to save.
func (m *Module) replyBinding(c *api.Ctx, req, reply *sip.Msg) ([]sip.Contact, bool) {
	reqCts, _, err := req.Contacts()
	if err != nil || len(reqCts) == 0 {
		return nil, false
	}
	first := reqCts[0]
	requested := first.Expires
	if requested < 0 {
		if e, ok := req.Expires(); ok {
			requested = e
		} else {
			requested = m.DefaultExpires
		}
	}
	binding := first.URI
	if m.mctAVP != "" {
		if st := avpStore(c); st != nil {
			if v := st.Get(m.mctAVP, 0); !v.IsNull() && pv.Str(v) != "" {
				binding = pv.Str(v)
			}
		}
	}
	out := first
	if requested != 0 {
		rcts, _, _ := reply.Contacts()
		for _, rc := range rcts {
			if usrloc.SameURI(binding, rc.URI) && rc.Expires >= 0 {
				out.Expires = rc.Expires
				break
			}
		}
	}
	return []sip.Contact{out}, true
}

// avpStore returns the message's AVP store.
func avpStore(c *api.Ctx) *pv.AVPStore {
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		return h.AVPs()
	}
	if s, ok := c.AVPs.(*pv.AVPStore); ok {
		return s
	}
	return nil
}

// firstElem returns the first element of a comma-separated header value
// (commas inside <> or quotes do not split).
func firstElem(v string) string {
	if e := splitElems(v); len(e) > 0 {
		return e[0]
	}
	return v
}

func splitElems(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			quoted = !quoted
		case '<':
			if !quoted {
				depth++
			}
		case '>':
			if !quoted && depth > 0 {
				depth--
			}
		case ',':
			if !quoted && depth == 0 {
				out = append(out, strings.TrimSpace(v[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

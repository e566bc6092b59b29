package registrar

import (
	"net/netip"
	"strings"

	"gosips/api"
	"gosips/modules/usrloc"
	"gosips/sip"
)

// nextHop returns the host and port a binding is reached at: its Path's
// first hop, else its received address, else the contact itself.
func nextHop(ct *usrloc.Contact) (string, int) {
	uri := ct.URI
	switch {
	case ct.Path != "":
		uri = pathDst(ct.Path)
	case ct.Received != "":
		uri = ct.Received
	}
	u, err := sip.ParseURI(uri)
	if err != nil {
		return "", 0
	}
	port := u.Port
	if port == 0 {
		port = 5060
		if u.IsSecure() || u.Transport() == "tls" {
			port = 5061
		}
	}
	return u.HostNoBrackets(), port
}

// sameIP compares two addresses (or host names, case-insensitively).
func sameIP(a, b string) bool {
	a, b = strings.Trim(a, "[]"), strings.Trim(b, "[]")
	ia, err1 := netip.ParseAddr(a)
	ib, err2 := netip.ParseAddr(b)
	if err1 == nil && err2 == nil {
		return ia.Unmap() == ib.Unmap()
	}
	return strings.EqualFold(a, b)
}

func (m *Module) remove(c *api.Ctx, args []any) api.Ret {
	d := m.domainOf(args[0])
	aorURI, _ := args[1].(string)
	if d == nil {
		return api.RetFalse
	}
	aor, e := m.extractAOR(aorURI)
	if e != rFine {
		return api.RetFalse
	}
	matchCt, hasCt := args[2].(string)
	nh, hasNH := args[3].(string)
	sin, hasSin := args[4].(string)
	var bflag uint32
	if idx, ok := args[5].(int); ok && idx >= 0 && idx < 32 {
		bflag = 1 << idx
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, found, err := d.Get(c.Context, aor)
	if err != nil || !found {
		return api.RetTrue
	}
	if !hasCt && !hasNH && !hasSin && bflag == 0 {
		if err := d.Delete(c.Context, aor); err != nil {
			m.log.Error("failed to delete the AOR", "aor", aor, "err", err)
			return api.RetFalse
		}
		return api.RetTrue
	}
	nhHost, nhPort := "", 0
	if hasNH {
		u, err := sip.ParseURI(nh)
		if err != nil {
			if h, p, ok := strings.Cut(nh, ":"); ok {
				u.Host = h
				u.PortStr = p
			} else {
				u.Host = nh
			}
		}
		nhHost, nhPort = u.HostNoBrackets(), u.Port
	}
	for _, ct := range append([]*usrloc.Contact(nil), r.Contacts...) {
		if hasNH {
			h, p := nextHop(ct)
			if !sameIP(h, nhHost) || (nhPort != 0 && p != nhPort) {
				continue
			}
		}
		if hasCt && ct.URI != matchCt {
			continue
		}
		if hasSin && ct.Instance != sin {
			continue
		}
		if bflag != 0 && ct.CFlags&bflag == 0 {
			continue
		}
		if err := r.Delete(c.Context, ct); err != nil {
			m.log.Error("failed to delete a contact", "aor", aor, "err", err)
		}
	}
	d.Release(r)
	return api.RetTrue
}

func (m *Module) removeIPPort(c *api.Ctx, args []any) api.Ret {
	ip, _ := args[0].(string)
	port, _ := args[1].(int64)
	d := m.domainOf(args[2])
	if d == nil || ip == "" {
		return api.RetFalse
	}
	drop := func(r *usrloc.Record) {
		for _, ct := range append([]*usrloc.Contact(nil), r.Contacts...) {
			if h, p := nextHop(ct); sameIP(h, ip) && int64(p) == port {
				if err := r.Delete(c.Context, ct); err != nil {
					m.log.Error("failed to delete a contact", "aor", r.AOR, "err", err)
				}
			}
		}
	}
	if aorURI, ok := args[3].(string); ok && aorURI != "" {
		aor, e := m.extractAOR(aorURI)
		if e != rFine {
			return api.RetFalse
		}
		d.Lock(aor)
		defer d.Unlock(aor)
		if r, found, err := d.Get(c.Context, aor); err == nil && found {
			drop(r)
			d.Release(r)
		}
		return api.RetTrue
	}
	var emptied []*usrloc.Record
	d.Each(func(r *usrloc.Record) {
		drop(r)
		if len(r.Contacts) == 0 {
			emptied = append(emptied, r)
		}
	})
	for _, r := range emptied {
		d.Lock(r.AOR)
		d.Release(r)
		d.Unlock(r.AOR)
	}
	return api.RetTrue
}

// addSockHdr adds "name: proto:ip:port" of the receiving socket.
func (m *Module) addSockHdr(c *api.Ctx, args []any) api.Ret {
	name, _ := args[0].(string)
	msg := c.Msg
	if msg == nil || name == "" {
		return api.RetFalse
	}
	r := msg.Recv()
	if r == nil {
		return api.RetFalse
	}
	var sock string
	switch {
	case r.Socket != nil && r.Socket.AdvHost != "":
		port := r.Socket.AdvPort
		if port == 0 {
			port = int(r.Local.Port())
		}
		sock = r.Proto.String() + ":" + r.Socket.AdvHost + ":" + itoa(port)
	case r.Local.IsValid():
		sock = r.Proto.String() + ":" + hostOf(r.Local.Addr().String()) + ":" + itoa(int(r.Local.Port()))
	default:
		return api.RetFalse
	}
	msg.AppendHeader(name, sock)
	return api.RetTrue
}

// isOtherContact is the 1.x check: true when the AOR (From for requests,
// To for REGISTER) has a binding reached from an IP not in the AVP list.
func (m *Module) isOtherContact(c *api.Ctx, args []any) api.Ret {
	d := m.domainOf(args[0])
	aor, ok := m.msgAOR(c, nil)
	if !ok || d == nil {
		return api.RetFalse
	}
	ref, _ := args[1].(api.PVRef)
	ips := refValues(c, ref)
	d.Lock(aor)
	defer d.Unlock(aor)
	r, found, err := d.Get(c.Context, aor)
	if err != nil || !found {
		return api.RetFalse
	}
	for _, ct := range r.Contacts {
		h, _ := nextHop(ct)
		known := false
		for _, ip := range ips {
			if sameIP(h, ip.S) {
				known = true
				break
			}
		}
		if !known {
			return api.RetTrue
		}
	}
	return api.RetFalse
}

// pnProcessPURR needs RFC 8599 push notification support, which gosips
// does not have (pn_enable is refused at start-up without event_routing).
func (m *Module) pnProcessPURR(c *api.Ctx, _ []any) api.Ret {
	m.log.Error("pn_process_purr: push notifications are not supported")
	return api.RetFalse
}

package imc

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

// party is a user@host pair taken from a URI.
type party struct{ user, host string }

func (m *Module) manager(c *api.Ctx) api.Ret {
	if c.Msg == nil || !c.Msg.IsRequest() {
		return api.RetFalse
	}
	body := c.Msg.Body()
	if body == "" {
		return api.RetFalse
	}
	ruri := c.RURI()
	du, err := sip.ParseURI(ruri)
	if err != nil {
		c.Log.Error("imc_manager: bad Request-URI", "err", err)
		return api.RetFalse
	}
	from, err := c.Msg.From()
	if err != nil {
		c.Log.Error("imc_manager: bad From header", "err", err)
		return api.RetFalse
	}
	fu, err := sip.ParseURI(from.URI)
	if err != nil {
		c.Log.Error("imc_manager: bad From URI", "err", err)
		return api.RetFalse
	}
	src, dst := party{fu.User, fu.Host}, party{du.User, du.Host}
	if body[0] != m.StartChar[0] {
		return m.ret(c, "message", m.message(body, src, dst))
	}
	cmd, ok := parseCommand(body)
	if !ok {
		c.Log.Error("imc_manager: no command", "body", body)
		return api.RetFalse
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch strings.ToLower(cmd.name) {
	case "create":
		return m.ret(c, "create", m.create(cmd, src, dst))
	case "join":
		return m.ret(c, "join", m.join(cmd, src, dst))
	case "invite":
		return m.ret(c, "invite", m.invite(cmd, src, dst))
	case "accept":
		return m.ret(c, "accept", m.accept(cmd, src, dst))
	case "deny":
		return m.ret(c, "deny", m.deny(cmd, src, dst))
	case "remove":
		return m.ret(c, "remove", m.remove(cmd, src, dst))
	case "exit":
		return m.ret(c, "exit", m.exit(cmd, src, dst))
	case "list":
		return m.ret(c, "list", m.list(cmd, src, dst))
	case "destroy":
		return m.ret(c, "destroy", m.destroy(cmd, src, dst))
	case "help":
		m.send(ruri, from.URI, helpText("#"), true)
	default:
		m.send(ruri, from.URI, "invalid command '"+cmd.name+"' - send ''"+m.StartChar+"help' for details", true)
	}
	return api.RetTrue
}

// ret logs a refused command and turns it into the function's result.
func (m *Module) ret(c *api.Ctx, what, refusal string) api.Ret {
	if refusal != "" {
		c.Log.Error("imc_manager: "+what+" refused: "+refusal, "callid", c.Msg.CallID())
		return api.RetFalse
	}
	return api.RetTrue
}

func (m *Module) room(name, domain string) *room { return m.rooms[roomKey(name, domain)] }

// roomName is the command's room argument, or the R-URI user.
func roomName(cmd command, i int, dst party) string {
	if p := cmd.param(i); p != "" {
		return p
	}
	return dst.user
}

// createRoom makes a room with src as owner and tells the owner.
func (m *Module) createRoom(name string, flags int, src, dst party) string {
	if name == "" || dst.host == "" || src.user == "" || src.host == "" {
		return "no room name"
	}
	r := newRoom(name, dst.host, flags)
	m.rooms[roomKey(name, dst.host)] = r
	owner := r.add(src.user, src.host, memberOwner)
	m.send(r.uri, owner.uri, "*** room was created", true)
	return ""
}

func joined(mb *member) string { return "*** <" + mb.uri + "> has joined the room" }

func (m *Module) create(cmd command, src, dst party) string {
	name := cmd.param(0)
	r := m.room(name, dst.host)
	if r == nil {
		flags := 0
		if strings.EqualFold(cmd.param(1), "private") {
			flags |= roomPrivate
		}
		return m.createRoom(name, flags, src, dst)
	}
	if r.flags&roomPrivate == 0 && r.member(src.user, src.host) == nil {
		m.broadcast(r, joined(r.add(src.user, src.host, 0)), nil)
	}
	return ""
}

func (m *Module) join(cmd command, src, dst party) string {
	name := roomName(cmd, 0, dst)
	r := m.room(name, dst.host)
	if r == nil {
		return m.createRoom(name, 0, src, dst)
	}
	mb := r.member(src.user, src.host)
	if r.flags&roomPrivate == 0 {
		if mb == nil {
			mb = r.add(src.user, src.host, 0)
		} // a member already: the room hears the notice again, as in OpenSIPS
	} else {
		if mb == nil {
			return "" // private room: joining needs an invitation (not an error)
		}
		mb.flags &^= memberInvited
	}
	m.broadcast(r, joined(mb), nil)
	return ""
}

func (m *Module) invite(cmd command, src, dst party) string {
	arg := cmd.param(0)
	if arg == "" {
		return "no user to invite"
	}
	u, err := sip.ParseURI(userURI(arg, dst.host, false))
	if err != nil {
		return "bad user address " + arg
	}
	r := m.room(roomName(cmd, 1, dst), dst.host)
	if r == nil {
		return "no such room"
	}
	inviter := r.member(src.user, src.host)
	if inviter == nil {
		return "the inviter is not a member"
	}
	if inviter.flags&(memberOwner|memberAdmin) == 0 {
		return "only the owner or an admin may invite"
	}
	if r.member(u.User, u.Host) != nil {
		return "already a member"
	}
	mb := r.add(u.User, u.Host, memberInvited)
	roomURI, key := r.uri, roomKey(r.name, r.domain)
	user, host, invited := mb.user, mb.domain, mb.uri
	body := "INVITE from: " + invited[4:] + "(Type: '#accept' or '#deny')"
	m.sendCB(roomURI, invited, body, true, func(_ *sip.Msg, code int) {
		if code < 300 {
			return
		}
		// Not reachable: the invitation is withdrawn.
		m.mu.Lock()
		r := m.rooms[key]
		if r == nil || r.member(user, host) == nil {
			m.mu.Unlock()
			return
		}
		r.del(user, host)
		m.mu.Unlock()
		m.send(roomURI, invited, invited[4:]+" is not registered. ", false)
	})
	return ""
}

// invitation finds the room of #accept/#deny and the sender's pending
// invitation in it, or says why there is none.
func (m *Module) invitation(cmd command, src, dst party) (*room, *member, string) {
	r := m.room(roomName(cmd, 0, dst), dst.host)
	if r == nil {
		return nil, nil, "no such room"
	}
	mb := r.member(src.user, src.host)
	if mb == nil || mb.flags&memberInvited == 0 {
		return nil, nil, "not invited"
	}
	return r, mb, ""
}

func (m *Module) accept(cmd command, src, dst party) string {
	r, mb, why := m.invitation(cmd, src, dst)
	if why != "" {
		return why
	}
	mb.flags &^= memberInvited
	m.broadcast(r, joined(mb), nil)
	return ""
}

func (m *Module) deny(cmd command, src, dst party) string {
	r, _, why := m.invitation(cmd, src, dst)
	if why != "" {
		return why
	}
	r.del(src.user, src.host)
	return ""
}

func (m *Module) remove(cmd command, src, dst party) string {
	arg := cmd.param(0)
	if arg == "" {
		return "no user to remove"
	}
	u, err := sip.ParseURI(userURI(arg, dst.host, true))
	if err != nil {
		return "bad user address " + arg
	}
	r := m.room(roomName(cmd, 1, dst), dst.host)
	if r == nil {
		return "no such room"
	}
	by := r.member(src.user, src.host)
	if by == nil {
		return "the remover is not a member"
	}
	if by.flags&(memberOwner|memberAdmin) == 0 {
		return "only the owner or an admin may remove members"
	}
	mb := r.member(u.User, u.Host)
	if mb == nil {
		return "not a member"
	}
	if mb.flags&memberOwner != 0 {
		return "the owner cannot be removed"
	}
	m.send(r.uri, mb.uri, "You have been removed from this room", true)
	r.del(u.User, u.Host)
	// OpenSIPS announces the removal with the join notice.
	m.broadcast(r, joined(mb), nil)
	return ""
}

// drop destroys a room after telling its members.
func (m *Module) drop(r *room) {
	m.broadcast(r, "The room has been destroyed", nil)
	delete(m.rooms, roomKey(r.name, r.domain))
}

func (m *Module) exit(cmd command, src, dst party) string {
	r := m.room(roomName(cmd, 0, dst), dst.host)
	if r == nil {
		return "no such room"
	}
	mb := r.member(src.user, src.host)
	if mb == nil {
		return "not a member"
	}
	if mb.flags&memberOwner != 0 {
		m.drop(r)
		return ""
	}
	r.del(src.user, src.host)
	m.broadcast(r, "The user ["+src.user+"] has left the room", nil)
	return ""
}

func (m *Module) destroy(cmd command, src, dst party) string {
	r := m.room(roomName(cmd, 0, dst), dst.host)
	if r == nil {
		return "no such room"
	}
	mb := r.member(src.user, src.host)
	if mb == nil {
		return "not a member"
	}
	if mb.flags&memberOwner == 0 {
		return "only the owner may destroy the room"
	}
	m.drop(r)
	return ""
}

func (m *Module) list(cmd command, src, dst party) string {
	r := m.room(roomName(cmd, 0, dst), dst.host)
	if r == nil {
		return "no such room"
	}
	mb := r.member(src.user, src.host)
	if mb == nil {
		return "not a member"
	}
	var b strings.Builder
	b.WriteString("Members:\n")
	for _, x := range r.active(nil) {
		switch {
		case x.flags&memberOwner != 0:
			b.WriteByte('*')
		case x.flags&memberAdmin != 0:
			b.WriteByte('~')
		}
		b.WriteString(x.uri + "\n")
	}
	m.send(r.uri, mb.uri, strings.TrimSuffix(b.String(), "\n"), true)
	return ""
}

// message relays a non-command body to the room's other members as
// "<user@host>: text".
func (m *Module) message(body string, src, dst party) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.room(dst.user, dst.host)
	if r == nil {
		return "no such room"
	}
	mb := r.member(src.user, src.host)
	if mb == nil || mb.flags&memberInvited != 0 {
		return "the sender is not a member"
	}
	m.broadcast(r, "<"+mb.uri[4:]+">: "+body, mb)
	return ""
}

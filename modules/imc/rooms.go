package imc

import "strings"

// Member flags, as stored in imc_members.flag.
const (
	memberOwner   = 1 << 0
	memberAdmin   = 1 << 1
	memberInvited = 1 << 2
)

// roomPrivate is imc_rooms.flag's private bit: members join by invitation.
const roomPrivate = 1 << 0

type member struct {
	user, domain, uri string
	flags             int
}

type room struct {
	name, domain, uri string
	flags             int
	// members: the first is the creator; later ones are inserted right
	// after it, as OpenSIPS links them.
	members []*member
}

func roomKey(name, domain string) string {
	return strings.ToLower(name) + "@" + strings.ToLower(domain)
}

func newRoom(name, domain string, flags int) *room {
	return &room{name: name, domain: domain, uri: "sip:" + name + "@" + domain, flags: flags}
}

func (r *room) member(user, domain string) *member {
	for _, m := range r.members {
		if strings.EqualFold(m.user, user) && strings.EqualFold(m.domain, domain) {
			return m
		}
	}
	return nil
}

func (r *room) add(user, domain string, flags int) *member {
	m := &member{user: user, domain: domain, uri: "sip:" + user + "@" + domain, flags: flags}
	if len(r.members) == 0 {
		r.members = []*member{m}
	} else {
		r.members = append(r.members[:1], append([]*member{m}, r.members[1:]...)...)
	}
	return m
}

func (r *room) del(user, domain string) {
	for i, m := range r.members {
		if strings.EqualFold(m.user, user) && strings.EqualFold(m.domain, domain) {
			r.members = append(r.members[:i:i], r.members[i+1:]...)
			return
		}
	}
}

// active lists the members messages go to: not invited, not skip.
func (r *room) active(skip *member) []*member {
	var out []*member
	for _, m := range r.members {
		if m.flags&memberInvited == 0 && m != skip {
			out = append(out, m)
		}
	}
	return out
}

// command is one parsed "#name param..." line.
type command struct {
	name   string
	params []string
}

// maxParams is OpenSIPS' IMC_CMD_MAX_PARAM.
const maxParams = 5

// parseCommand reads a command after the start character: its name up to
// the first blank, then up to five blank-separated parameters on the
// first line. ok is false when there is no name.
func parseCommand(body string) (cmd command, ok bool) {
	s := body[1:]
	end := strings.IndexAny(s, " \t\r\n")
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return cmd, false
	}
	cmd.name = s[:end]
	s = s[end:]
	if nl := strings.IndexAny(s, "\r\n"); nl >= 0 {
		s = s[:nl]
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }) {
		if len(cmd.params) == maxParams {
			break
		}
		cmd.params = append(cmd.params, f)
	}
	return cmd, true
}

func (c command) param(i int) string {
	if i < len(c.params) {
		return c.params[i]
	}
	return ""
}

// helpText is the answer to #help, with the module's start character.
func helpText(start string) string {
	lines := []string{
		"create <room_name> - create new connference room",
		"join [<room_name>] - join the conference room",
		"invite <user_name> [<room_name>] - invite a user to join a conference room",
		"accept - accept invitation to join a conference room",
		"deny - deny invitation to join a conference room",
		"remove <user_name> [<room_name>] - remove an user from the conference room",
		"list - list members is a conference room",
		"exit [<room_name>] - exit from a conference room",
		"destroy [<room_name>] - destroy conference room",
	}
	var b strings.Builder
	b.WriteString("\r\n")
	for _, l := range lines {
		b.WriteString(start + l + "\r\n")
	}
	return b.String()
}

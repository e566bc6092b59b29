package imc

import (
	"slices"
	"testing"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in     string
		name   string
		params []string
		ok     bool
	}{
		{"#create chat-1 private", "create", []string{"chat-1", "private"}, true},
		{"#join\r\nignored words", "join", nil, true},
		{"#invite  bob\t sip:chat@x  ", "invite", []string{"bob", "sip:chat@x"}, true},
		{"#list a b c d e f g", "list", []string{"a", "b", "c", "d", "e"}, true},
		{"# create", "", nil, false},
	} {
		c, ok := parseCommand(tc.in)
		if ok != tc.ok || c.name != tc.name || !slices.Equal(c.params, tc.params) {
			t.Errorf("parseCommand(%q) = %+v %v", tc.in, c, ok)
		}
	}
}

func TestMembersOrderAndUserURI(t *testing.T) {
	r := newRoom("chat", "example.com", 0)
	r.add("alice", "example.com", memberOwner)
	r.add("bob", "example.com", 0)
	r.add("carol", "example.com", memberInvited)
	var got []string
	for _, m := range r.members {
		got = append(got, m.user)
	}
	if !slices.Equal(got, []string{"alice", "carol", "bob"}) {
		t.Errorf("order: %v", got)
	}
	if a := r.active(r.members[0]); len(a) != 1 || a[0].user != "bob" {
		t.Errorf("active: %v", a)
	}
	r.del("BOB", "example.com")
	if r.member("bob", "example.com") != nil || len(r.members) != 2 {
		t.Error("del")
	}
	for _, tc := range [][3]string{{"bob", "x.org", "sip:bob@x.org"}, {"bob@y.org", "x.org", "sip:bob@y.org"},
		{"sip:bob@y.org", "x.org", "sip:bob@y.org"}, {"SIP:bob", "x.org", "SIP:bob@x.org"}} {
		if got := userURI(tc[0], tc[1], false); got != tc[2] {
			t.Errorf("userURI(%q) = %q, want %q", tc[0], got, tc[2])
		}
	}
}

// TestDeny checks #deny: only a pending invitation can be declined, and
// declining removes the invitee from the room.
func TestDeny(t *testing.T) {
	m := New()
	r := newRoom("chat", "example.com", roomPrivate)
	r.add("alice", "example.com", memberOwner)
	r.add("bob", "example.com", 0)
	r.add("carol", "example.com", memberInvited)
	m.rooms[roomKey(r.name, r.domain)] = r
	dst := party{"chat", "example.com"}
	deny := command{name: "deny"}
	if why := m.deny(deny, party{"bob", "example.com"}, dst); why != "not invited" {
		t.Errorf("member denies: %q", why)
	}
	if why := m.deny(command{name: "deny", params: []string{"other"}}, party{"carol", "example.com"}, dst); why != "no such room" {
		t.Errorf("unknown room: %q", why)
	}
	if why := m.deny(deny, party{"carol", "example.com"}, dst); why != "" || r.member("carol", "example.com") != nil {
		t.Errorf("invitee denies: %q, still a member: %v", why, r.member("carol", "example.com") != nil)
	}
	if why := m.deny(deny, party{"carol", "example.com"}, dst); why != "not invited" {
		t.Errorf("second deny: %q", why)
	}
}

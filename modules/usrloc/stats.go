package usrloc

import "gosips/api"

// RegisterStats publishes usrloc's statistics in s, as OpenSIPS names
// them: usrloc:registered_users and, per table, <table>-users,
// <table>-contacts and <table>-expires.
func (m *Module) RegisterStats(s *api.Stats) {
	m.statsReg = s
	g := s.Group("usrloc")
	g.Func("registered_users", m.RegisteredUsers)
	for _, d := range m.Domains() {
		m.domainStats(d)
	}
}

func (m *Module) domainStats(d *Domain) {
	if m.statsReg == nil {
		return
	}
	g := m.statsReg.Group("usrloc")
	g.Func(d.Name+"-users", d.Users)
	g.Func(d.Name+"-contacts", d.Contacts)
	g.Func(d.Name+"-expires", d.Expired)
}

// RegisteredUsers is the number of AORs in memory over all tables.
func (m *Module) RegisteredUsers() int64 {
	var n int64
	for _, d := range m.Domains() {
		n += d.Users()
	}
	return n
}

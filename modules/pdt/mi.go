package pdt

import (
	"context"
	"strings"

	"gosips/api"
	"gosips/db"
)

// MICommands lists pdt_add, pdt_delete, pdt_list and pdt_reload.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "pdt_reload", Help: "reload the pdt table", Recipes: [][]string{{}},
			Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
				m.mu.Lock()
				defer m.mu.Unlock()
				if err := m.reload(ctx); err != nil {
					m.log.Error("pdt_reload failed, old entries kept", "err", err)
					return nil, &api.MIError{Code: 500, Msg: "Failed to reload"}
				}
				return "OK", nil
			}},
		{Name: "pdt_add", Help: "add a (sdomain, prefix, domain) entry to the table and the cache",
			Recipes: [][]string{{"sdomain", "prefix", "domain"}}, Handler: m.miAdd},
		{Name: "pdt_delete", Help: "remove the entries of a domain under a source domain",
			Recipes: [][]string{{"sdomain", "domain"}}, Handler: m.miDelete},
		{Name: "pdt_list", Help: "list the entries (\".\" or a missing parameter matches anything)",
			Recipes: [][]string{{}, {"sdomain"}, {"sdomain", "prefix"}, {"sdomain", "prefix", "domain"}},
			Handler: m.miList},
	}
}

// miArgs reads the named parameters; "." is an empty parameter.
func miArgs(p api.MIParams, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		s, _ := p.Str(n)
		if s == "" {
			return nil, &api.MIError{Code: 404, Msg: n + " not found"}
		}
		if s[0] == '.' {
			return nil, &api.MIError{Code: 400, Msg: "empty param"}
		}
		out[i] = s
	}
	return out, nil
}

func (m *Module) miAdd(ctx context.Context, p api.MIParams) (any, error) {
	a, err := miArgs(p, "sdomain", "prefix", "domain")
	if err != nil {
		return nil, err
	}
	sd, pr, d := a[0], a[1], a[2]
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tree.Load()
	if !t.valid(pr) || len(pr) > maxDepth {
		return nil, &api.MIError{Code: 400, Msg: "bad prefix"}
	}
	if m.CheckDomain != 0 && t.duplicate(sd, pr, d) {
		return nil, &api.MIError{Code: 400, Msg: "(sdomain,prefix,domain) exists already"}
	}
	cols := []string{m.SDomainCol, m.PrefixCol, m.DomainCol}
	if _, err := m.dbh.Conn.Insert(ctx, m.Table, cols, []db.Value{db.StringValue(sd), db.StringValue(pr), db.StringValue(d)}); err != nil {
		m.log.Error("pdt_add: storing the entry failed", "err", err)
		return nil, &api.MIError{Code: 500, Msg: "Cannot store prefix/domain"}
	}
	if err := m.reload(ctx); err != nil {
		m.log.Error("pdt_add: reload failed", "err", err)
		if _, err := m.dbh.Conn.Delete(ctx, m.Table, []db.Cond{db.Eq(m.SDomainCol, db.StringValue(sd)),
			db.Eq(m.PrefixCol, db.StringValue(pr)), db.Eq(m.DomainCol, db.StringValue(d))}); err != nil {
			m.log.Error("pdt_add: database and cache are inconsistent", "err", err)
		}
		return nil, &api.MIError{Code: 500, Msg: "could not add to cache"}
	}
	return "OK", nil
}

func (m *Module) miDelete(ctx context.Context, p api.MIParams) (any, error) {
	a, err := miArgs(p, "sdomain", "domain")
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.dbh.Conn.Delete(ctx, m.Table, []db.Cond{db.Eq(m.SDomainCol, db.StringValue(a[0])),
		db.Eq(m.DomainCol, db.StringValue(a[1]))}); err != nil {
		m.log.Error("pdt_delete failed", "err", err)
		return nil, &api.MIError{Code: 500, Msg: "database/cache are inconsistent"}
	}
	if err := m.reload(ctx); err != nil {
		m.log.Error("pdt_delete: reload failed", "err", err)
		return nil, &api.MIError{Code: 500, Msg: "cannot reload"}
	}
	return "OK", nil
}

// miList lists the entries whose source domain, prefix and domain start
// with the given values ("." or absent: any).
func (m *Module) miList(_ context.Context, p api.MIParams) (any, error) {
	get := func(n string) string {
		s, _ := p.Str(n)
		if strings.HasPrefix(s, ".") {
			return ""
		}
		return s
	}
	sd, pr, d := get("sdomain"), get("prefix"), get("domain")
	t := m.tree.Load()
	if pr != "" && !t.valid(pr) {
		return nil, &api.MIError{Code: 400, Msg: "bad prefix"}
	}
	out := []map[string]string{}
	for _, e := range t.entries() {
		if strings.HasPrefix(e.SDomain, sd) && strings.HasPrefix(e.Prefix, pr) &&
			(d == "" || len(e.Domain) >= len(d) && strings.EqualFold(e.Domain[:len(d)], d)) {
			out = append(out, map[string]string{"SDOMAIN": e.SDomain, "PREFIX": e.Prefix, "DOMAIN": e.Domain})
		}
	}
	return map[string]any{"PDT": out}, nil
}

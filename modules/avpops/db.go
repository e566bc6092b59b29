package avpops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/pv"
	"gosips/sip"
)

// Init opens every db_url (or db_default_url) and parses db_scheme.
func (m *AVPOps) Init(ic *api.InitCtx) error {
	urls := m.DBURLs
	if len(urls) == 0 && ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() && v.S != "" {
			urls = []DBURL{{URL: v.S}}
		}
	}
	for _, s := range m.DBSchemes {
		sc, err := parseScheme(s)
		if err != nil {
			return fmt.Errorf("avpops: %w", err)
		}
		if m.schemes == nil {
			m.schemes = map[string]scheme{}
		}
		m.schemes[sc.name] = sc
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range urls {
		c, err := db.Open(ctx, u.URL, db.WithBaseDir(ic.ConfigDir), db.WithLogger(ic.Log))
		if err != nil {
			m.Close()
			return fmt.Errorf("avpops: db_url %d: %w", u.ID, err)
		}
		m.Use(u.ID, c)
	}
	return nil
}

// Use binds an open database to a db_url id (tests and tools; Init does
// it from db_url).
func (m *AVPOps) Use(id int, c db.Conn) {
	if m.conns == nil {
		m.conns = map[int]db.Conn{}
	}
	m.conns[id] = c
}

// Close closes the databases.
func (m *AVPOps) Close() error {
	var errs []error
	for id, c := range m.conns {
		errs = append(errs, c.Close())
		delete(m.conns, id)
	}
	return errors.Join(errs...)
}

func (m *AVPOps) conn(arg any) (db.Conn, error) {
	id, _ := arg.(int64)
	c, ok := m.conns[int(id)]
	if !ok {
		return nil, fmt.Errorf("no database open for db_url id %d", id)
	}
	return c, nil
}

// scheme is a db_scheme: "name:uuid_col=..;username_col=..;domain_col=..;
// value_col=..;value_type=string|integer;table=..".
type scheme struct {
	name, uuid, user, domain, value, table string
	isInt                                  bool
}

func parseScheme(s string) (scheme, error) {
	name, body, ok := strings.Cut(s, ":")
	sc := scheme{name: strings.TrimSpace(name)}
	if !ok || sc.name == "" {
		return sc, fmt.Errorf("db_scheme %q: expected \"name:key=value;...\"", s)
	}
	for _, kv := range strings.Split(body, ";") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(strings.ToLower(k)), strings.TrimSpace(v)
		switch k {
		case "uuid_col":
			sc.uuid = v
		case "username_col":
			sc.user = v
		case "domain_col":
			sc.domain = v
		case "value_col":
			sc.value = v
		case "table":
			sc.table = v
		case "value_type":
			switch strings.ToLower(v) {
			case "integer":
				sc.isInt = true
			case "string":
			default:
				return sc, fmt.Errorf("db_scheme %s: value_type %q (expected string or integer)", sc.name, v)
			}
		default:
			return sc, unknown("db_scheme key", k, []string{"uuid_col", "username_col", "domain_col", "value_col", "value_type", "table"})
		}
	}
	if sc.value == "" {
		return sc, fmt.Errorf("db_scheme %s: value_col is required", sc.name)
	}
	return sc, nil
}

// keys are the where conditions of the user a source names.
func (m *AVPOps) keys(c *api.Ctx, source string, sc *scheme) ([]db.Cond, error) {
	col := func(def, over string) string {
		if over != "" {
			return over
		}
		return def
	}
	uuidCol, userCol, domCol := m.UUIDColumn, m.UsernameColumn, m.DomainColumn
	if sc != nil {
		uuidCol, userCol, domCol = col(uuidCol, sc.uuid), col(userCol, sc.user), col(domCol, sc.domain)
	}
	if !strings.HasPrefix(source, "$") {
		return []db.Cond{db.Eq(uuidCol, db.StringValue(source))}, nil
	}
	base, part := source, ""
	if i := strings.LastIndex(source, "/"); i >= 0 {
		base, part = source[:i], source[i+1:]
	}
	v, err := m.pvs.get(c, base)
	if err != nil {
		return nil, err
	}
	val := pv.Str(v)
	if part == "" {
		switch base {
		case "$fu", "$tu", "$ru", "$ou":
			part = "uri"
		default:
			part = "uuid"
		}
	}
	if part == "uuid" {
		return []db.Cond{db.Eq(uuidCol, db.StringValue(val))}, nil
	}
	u, err := sip.ParseURI(val)
	if err != nil {
		return nil, fmt.Errorf("source %s: bad URI %q: %w", source, val, err)
	}
	switch part {
	case "username":
		return []db.Cond{db.Eq(userCol, db.StringValue(u.User))}, nil
	case "domain":
		return []db.Cond{db.Eq(domCol, db.StringValue(u.Host))}, nil
	}
	w := []db.Cond{db.Eq(userCol, db.StringValue(u.User))}
	if m.UseDomain != 0 {
		w = append(w, db.Eq(domCol, db.StringValue(u.Host)))
	}
	return w, nil
}

// target of an avp_db_* name: the table, the attribute ("" for all) and
// the scheme.
func (m *AVPOps) dbTarget(sp AVPSpec) (table, attr string, sc *scheme, err error) {
	table, attr = m.AVPTable, sp.Name
	if attr == "*" {
		attr = ""
	}
	if f := sp.Flags; f != "" {
		if name, ok := strings.CutPrefix(f, "$"); ok {
			s, ok := m.schemes[name]
			if !ok {
				return "", "", nil, fmt.Errorf("unknown db_scheme %q", name)
			}
			sc = &s
			if s.table != "" {
				table = s.table
			}
		} else {
			table = f
		}
	}
	return table, attr, sc, nil
}

func dbCtx(c *api.Ctx) context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}

// avpDBLoad is avp_db_load(source, name[, db_id[, prefix]]).
func (m *AVPOps) avpDBLoad(c *api.Ctx, args []any) api.Ret {
	source, _ := args[0].(string)
	sp, _ := args[1].(AVPSpec)
	prefix, _ := args[3].(string)
	st := store(c)
	if st == nil {
		return api.RetFalse
	}
	n, err := m.load(c, st, source, sp, args[2], prefix)
	if err != nil {
		c.Log.Error("avp_db_load failed", "source", source, "err", err)
		return api.RetFalse
	}
	return ret(n > 0)
}

func (m *AVPOps) load(c *api.Ctx, st *pv.AVPStore, source string, sp AVPSpec, id any, prefix string) (int, error) {
	conn, err := m.conn(id)
	if err != nil {
		return 0, err
	}
	table, attr, sc, err := m.dbTarget(sp)
	if err != nil {
		return 0, err
	}
	where, err := m.keys(c, source, sc)
	if err != nil {
		return 0, err
	}
	if sc != nil {
		// A scheme reads one value column into the named AVP.
		res, err := conn.Query(dbCtx(c), table, []string{sc.value}, where, "", 0)
		if err != nil {
			return 0, err
		}
		for _, r := range res.Rows {
			st.Push(prefix+sp.Name, avpValue(r[0], sc.isInt))
		}
		return len(res.Rows), nil
	}
	if attr != "" {
		where = append(where, db.Eq(m.AttributeColumn, db.StringValue(attr)))
	}
	res, err := conn.Query(dbCtx(c), table, []string{m.AttributeColumn, m.ValueColumn, m.TypeColumn}, where, "", 0)
	if err != nil {
		return 0, err
	}
	for _, r := range res.Rows {
		st.Push(prefix+r[0].Str(), avpValue(r[1], r[2].Int64()&1 != 0))
	}
	return len(res.Rows), nil
}

// avpValue converts a column to an AVP value; type bit 1 marks integers.
func avpValue(v db.Value, isInt bool) api.Value {
	switch {
	case v.Null:
		return api.Null
	case isInt || v.Type.IsInteger():
		if n, ok := parseInt(v.Str()); ok {
			return api.IntValue(n)
		}
	}
	return api.StrValue(v.Str())
}

// avpDBStore is avp_db_store(source, name[, db_id]): one row per value.
func (m *AVPOps) avpDBStore(c *api.Ctx, args []any) api.Ret {
	source, _ := args[0].(string)
	sp, _ := args[1].(AVPSpec)
	st := store(c)
	if st == nil || sp.Name == "" || sp.Name == "*" {
		return api.RetFalse
	}
	if err := m.store(c, st, source, sp, args[2]); err != nil {
		c.Log.Error("avp_db_store failed", "source", source, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

func (m *AVPOps) store(c *api.Ctx, st *pv.AVPStore, source string, sp AVPSpec, id any) error {
	conn, err := m.conn(id)
	if err != nil {
		return err
	}
	table, attr, sc, err := m.dbTarget(sp)
	if err != nil {
		return err
	}
	where, err := m.keys(c, source, sc)
	if err != nil {
		return err
	}
	var cols []string
	var base []db.Value
	for _, w := range where {
		cols, base = append(cols, w.Col), append(base, w.Val)
	}
	// Values are written oldest first, as they were added.
	vals := st.All(sp.Name)
	for i := len(vals) - 1; i >= 0; i-- {
		v := vals[i]
		rowCols := append([]string(nil), cols...)
		row := append([]db.Value(nil), base...)
		if sc != nil {
			rowCols, row = append(rowCols, sc.value), append(row, db.StringValue(pv.Str(v)))
		} else {
			typ := int64(0)
			if v.IsInt() {
				typ = 1
			}
			rowCols = append(rowCols, m.AttributeColumn, m.ValueColumn, m.TypeColumn)
			row = append(row, db.StringValue(attr), db.StringValue(pv.Str(v)), db.IntValue(typ))
		}
		if _, err := conn.Insert(dbCtx(c), table, rowCols, row); err != nil {
			return err
		}
	}
	return nil
}

// avpDBDelete is avp_db_delete(source, name[, db_id]).
func (m *AVPOps) avpDBDelete(c *api.Ctx, args []any) api.Ret {
	source, _ := args[0].(string)
	sp, _ := args[1].(AVPSpec)
	conn, err := m.conn(args[2])
	if err == nil {
		var table, attr string
		var sc *scheme
		var where []db.Cond
		if table, attr, sc, err = m.dbTarget(sp); err == nil {
			if where, err = m.keys(c, source, sc); err == nil {
				if attr != "" && sc == nil {
					where = append(where, db.Eq(m.AttributeColumn, db.StringValue(attr)))
				}
				_, err = conn.Delete(dbCtx(c), table, where)
			}
		}
	}
	if err != nil {
		c.Log.Error("avp_db_delete failed", "source", source, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// avpDBQuery is avp_db_query(query[, dest[, db_id]]): column i of every
// row goes to the i-th AVP of dest (the column names without dest).
func (m *AVPOps) avpDBQuery(c *api.Ctx, args []any) api.Ret {
	q, _ := args[0].(string)
	dest, _ := args[1].([]AVPSpec)
	conn, err := m.conn(args[2])
	if err != nil {
		c.Log.Error("avp_db_query failed", "err", err)
		return api.RetFalse
	}
	rq, ok := conn.(db.RawQuerier)
	if !ok {
		c.Log.Error("avp_db_query: the database does not run raw queries", "driver", fmt.Sprintf("%T", conn))
		return api.RetFalse
	}
	res, err := rq.RawQuery(dbCtx(c), q)
	if err != nil {
		c.Log.Error("avp_db_query failed", "query", q, "err", err)
		return api.RetFalse
	}
	if res == nil || len(res.Rows) == 0 {
		return -2
	}
	st := store(c)
	if st == nil {
		return api.RetFalse
	}
	for _, r := range res.Rows {
		for i, v := range r {
			name := ""
			switch {
			case dest == nil && i < len(res.Cols):
				name = res.Cols[i]
			case i < len(dest):
				name = dest[i].Name
			}
			if name != "" {
				st.Push(name, avpValue(v, false))
			}
		}
	}
	return api.RetTrue
}

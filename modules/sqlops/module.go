// Package sqlops runs SQL from the script: raw queries (sql_query),
// structured ones built from JSON (sql_select/update/insert/delete/
// replace) whose values are always bound as parameters, and the user
// preferences table (sql_avp_load/store/delete).
package sqlops

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/modules/internal/usrprefs"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "sqlops", Doc: "SQL operations from the script", New: func() api.Module { return New() }})
}

// SQLOps is one instance of the sqlops module.
type SQLOps struct {
	Prefs *usrprefs.Prefs
	// BigintToStr is bigint_to_str: BIGINT columns read as strings.
	BigintToStr int

	pvs usrprefs.PVCache
}

// New returns an instance with OpenSIPS 3.6 defaults.
func New() *SQLOps { return &SQLOps{Prefs: usrprefs.New()} }

// Params lists sqlops' parameters.
func (m *SQLOps) Params() []api.Param {
	psMax := api.IgnoredParam(api.FuncParam("ps_id_max_buf_len", api.ParamInt, false, func(api.ParamValue) error { return nil }),
		"prepared statements are cached per statement text, with no id buffer to size")
	return append(m.Prefs.Params("usr_table"), api.IntParam("bigint_to_str", &m.BigintToStr), psMax)
}

// Validate checks the db_url schemes against the loaded db modules.
func (m *SQLOps) Validate(vc *api.ValidateCtx) error { return m.Prefs.Validate(vc) }

// Init opens the databases.
func (m *SQLOps) Init(ic *api.InitCtx) error { return m.Prefs.Open(ic) }

// Close closes them.
func (m *SQLOps) Close() error { return m.Prefs.Close() }

// Funcs lists sqlops' functions (OpenSIPS 3.6 sqlops.c).
func (m *SQLOps) Funcs() []api.Func {
	dbID := api.Arg{Name: "db_id", Type: api.ArgInt, Optional: true, Fixup: m.Prefs.DBIDFixup}
	raw := func(name string, fx func(*api.FixupCtx, *api.FixArg) error, opt bool) api.Arg {
		return api.Arg{Name: name, Type: api.ArgStr, NoExpand: true, Optional: opt, Fixup: fx}
	}
	str := func(name string, opt bool) api.Arg { return api.Arg{Name: name, Type: api.ArgStr, Optional: opt} }
	js := func(name string, opt bool) api.Arg {
		return api.Arg{Name: name, Type: api.ArgStr, NoExpand: true, Optional: opt, Fixup: jsonFixup}
	}
	const queryRet = "1 rows returned, -2 empty result, -1 error"
	return []api.Func{
		{Name: "sql_avp_load", Routes: api.AllRoutes, Returns: "1 loaded, -1 none or error",
			Args: []api.Arg{raw("source", SourceFixup, false), raw("name", nameFixup(true), false), dbID, str("prefix", true)},
			Call: func(c *api.Ctx, a []any) api.Ret {
				st := avps(c)
				n := a[1].(name)
				prefix, _ := a[3].(string)
				if st == nil {
					return api.RetFalse
				}
				got, err := m.Prefs.Load(c, st, a[0].(string), n.avp, n.flags, a[2], prefix)
				if err != nil {
					c.Log.Error("sql_avp_load failed", "source", a[0], "err", err)
					return api.RetFalse
				}
				return ret(got > 0)
			}},
		{Name: "sql_avp_delete", Routes: api.AllRoutes, Returns: "1 deleted, -1 error",
			Args: []api.Arg{raw("source", SourceFixup, false), raw("name", nameFixup(false), false), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				n := a[1].(name)
				if err := m.Prefs.Delete(c, a[0].(string), n.avp, n.flags, a[2]); err != nil {
					c.Log.Error("sql_avp_delete failed", "source", a[0], "err", err)
					return api.RetFalse
				}
				return api.RetTrue
			}},
		{Name: "sql_avp_store", Routes: api.AllRoutes, Returns: "1 stored, -1 error",
			Args: []api.Arg{raw("source", SourceFixup, false), raw("name", nameFixup(false), false), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				n := a[1].(name)
				st := avps(c)
				if st == nil || n.avp == "" || n.avp == "*" {
					return api.RetFalse
				}
				if err := m.Prefs.Store(c, st, a[0].(string), n.avp, n.flags, a[2]); err != nil {
					c.Log.Error("sql_avp_store failed", "source", a[0], "err", err)
					return api.RetFalse
				}
				return api.RetTrue
			}},
		{Name: "sql_query", Routes: api.AllRoutes, Async: true, Returns: queryRet,
			Args: []api.Arg{str("query", false), raw("dest", avpListFixup, true), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				res, err := m.Prefs.Query(c, a[0].(string), a[2])
				return m.toAVPs(c, "sql_query", res, err, a[1])
			}},
		{Name: "sql_query_one", Routes: api.AllRoutes, Async: true, Returns: queryRet,
			Args: []api.Arg{str("query", false), raw("dest", varListFixup, true), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				res, err := m.Prefs.Query(c, a[0].(string), a[2])
				return m.toVars(c, "sql_query_one", res, err, a[1])
			}},
		{Name: "sql_select", Routes: api.AllRoutes, Returns: queryRet,
			Args: []api.Arg{js("columns", true), str("table", false), js("filter", true), str("order", true),
				raw("res_col_avps", avpListFixup, true), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				res, err := m.selectRows(c, a, 0)
				return m.toAVPs(c, "sql_select", res, err, a[4])
			}},
		{Name: "sql_select_one", Routes: api.AllRoutes, Returns: queryRet,
			Args: []api.Arg{js("columns", true), str("table", true), js("filter", false), str("order", true),
				raw("res_col_vars", varListFixup, false), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				res, err := m.selectRows(c, a, 1)
				return m.toVars(c, "sql_select_one", res, err, a[4])
			}},
		{Name: "sql_update", Routes: api.AllRoutes, Returns: "1 ok, -1 error",
			Args: []api.Arg{js("columns", false), str("table", false), js("filter", true), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				return m.write(c, "sql_update", a[3], func(conn db.Conn) error {
					cols, vals, err := parseColumnValues(c, a[0])
					if err != nil {
						return err
					}
					where, err := parseFilter(c, a[2])
					if err != nil {
						return err
					}
					_, err = conn.Update(usrprefs.Ctx(c), a[1].(string), where, cols, vals)
					return err
				})
			}},
		{Name: "sql_insert", Routes: api.AllRoutes, Returns: "1 ok, -1 error",
			Args: []api.Arg{str("table", false), js("columns", false), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				return m.write(c, "sql_insert", a[2], func(conn db.Conn) error {
					cols, vals, err := parseColumnValues(c, a[1])
					if err != nil {
						return err
					}
					_, err = conn.Insert(usrprefs.Ctx(c), a[0].(string), cols, vals)
					return err
				})
			}},
		{Name: "sql_delete", Routes: api.AllRoutes, Returns: "1 ok, -1 error",
			Args: []api.Arg{str("table", false), js("filter", true), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				return m.write(c, "sql_delete", a[2], func(conn db.Conn) error {
					where, err := parseFilter(c, a[1])
					if err != nil {
						return err
					}
					_, err = conn.Delete(usrprefs.Ctx(c), a[0].(string), where)
					return err
				})
			}},
		{Name: "sql_replace", Routes: api.AllRoutes, Returns: "1 ok, -1 error",
			Args: []api.Arg{str("table", false), js("columns", false), dbID},
			Call: func(c *api.Ctx, a []any) api.Ret {
				return m.write(c, "sql_replace", a[2], func(conn db.Conn) error {
					cols, vals, err := parseColumnValues(c, a[1])
					if err != nil {
						return err
					}
					// The first column is the key the row is replaced by.
					_, err = conn.Upsert(usrprefs.Ctx(c), a[0].(string), cols[:1], cols, vals)
					return err
				})
			}},
	}
}

func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}

func avps(c *api.Ctx) *pv.AVPStore {
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		return h.AVPs()
	}
	return nil
}

// selectRows runs sql_select / sql_select_one (limit 1).
func (m *SQLOps) selectRows(c *api.Ctx, a []any, limit int) (*db.Result, error) {
	conn, err := m.Prefs.Conn(a[5])
	if err != nil {
		return nil, err
	}
	var cols []string
	s, err := jsonText(c, a[0])
	if err != nil {
		return nil, err
	}
	if s != "" {
		if err := json.Unmarshal([]byte(s), &cols); err != nil {
			return nil, fmt.Errorf("columns %q: expected a JSON array of names: %w", s, err)
		}
	}
	table, _ := a[1].(string)
	if table == "" {
		return nil, errors.New("no table given")
	}
	where, err := parseFilter(c, a[2])
	if err != nil {
		return nil, err
	}
	order, _ := a[3].(string)
	return conn.Query(usrprefs.Ctx(c), table, cols, where, order, limit)
}

// write runs a statement that returns no rows.
func (m *SQLOps) write(c *api.Ctx, fn string, id any, do func(db.Conn) error) api.Ret {
	conn, err := m.Prefs.Conn(id)
	if err == nil {
		err = do(conn)
	}
	if err != nil {
		c.Log.Error(fn+" failed", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// toAVPs stores every row in the dest AVPs ($avp(1), $avp(2)... without
// dest).
func (m *SQLOps) toAVPs(c *api.Ctx, fn string, res *db.Result, err error, dest any) api.Ret {
	if err != nil {
		c.Log.Error(fn+" failed", "err", err)
		return api.RetFalse
	}
	if res == nil || len(res.Rows) == 0 {
		return -2
	}
	st := avps(c)
	if st == nil {
		return api.RetFalse
	}
	names, _ := dest.([]string)
	m.convert(res)
	usrprefs.PushRows(st, res, names)
	return api.RetTrue
}

// toVars stores the first row in the dest variables, one per column; a
// NULL column makes its variable NULL.
func (m *SQLOps) toVars(c *api.Ctx, fn string, res *db.Result, err error, dest any) api.Ret {
	if err != nil {
		c.Log.Error(fn+" failed", "err", err)
		return api.RetFalse
	}
	if res == nil || len(res.Rows) == 0 {
		return -2
	}
	vars, _ := dest.([]string)
	row := res.Rows[0]
	if len(vars) < len(row) {
		c.Log.Error(fn+": fewer variables than returned columns", "vars", len(vars), "columns", len(row))
		return api.RetFalse
	}
	m.convert(res)
	for i, v := range row {
		sp, err := m.pvs.Spec(c, vars[i])
		if err == nil {
			val := api.Null
			if !v.Null {
				val = usrprefs.Value(v, false)
			}
			err = sp.Set(c, val)
		}
		if err != nil {
			c.Log.Error(fn+": cannot set variable", "var", vars[i], "err", err)
			return api.RetFalse
		}
	}
	return api.RetTrue
}

// convert applies bigint_to_str: integers beyond 32 bits become text.
func (m *SQLOps) convert(res *db.Result) {
	if m.BigintToStr == 0 {
		return
	}
	for _, r := range res.Rows {
		for i, v := range r {
			if !v.Null && v.Type.IsInteger() {
				if n := v.Int64(); n > 1<<31-1 || n < -1<<31 {
					r[i] = db.StringValue(v.Str())
				}
			}
		}
	}
}

// parseColumnValues reads [{"col": value}, ...] into columns and bound
// values (string, integer or null).
func parseColumnValues(c *api.Ctx, arg any) ([]string, []db.Value, error) {
	s, err := jsonText(c, arg)
	if err != nil {
		return nil, nil, err
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return nil, nil, fmt.Errorf("columns %q: expected a JSON array of {\"column\": value}: %w", s, err)
	}
	var cols []string
	var vals []db.Value
	for _, it := range items {
		for col, raw := range it {
			v, err := jsonValue(raw)
			if err != nil {
				return nil, nil, fmt.Errorf("column %s: %w", col, err)
			}
			for _, x := range cols {
				if x == col {
					return nil, nil, fmt.Errorf("column %s given twice", col)
				}
			}
			cols, vals = append(cols, col), append(vals, v)
		}
	}
	if len(cols) == 0 {
		return nil, nil, errors.New("no columns given")
	}
	return cols, vals, nil
}

// parseFilter reads [{"col": value} | {"col": {"op": value}}, ...] into
// where conditions; values are bound, never spliced into SQL.
func parseFilter(c *api.Ctx, arg any) ([]db.Cond, error) {
	s, err := jsonText(c, arg)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return nil, fmt.Errorf("filter %q: expected a JSON array of {\"column\": value}: %w", s, err)
	}
	var where []db.Cond
	for _, it := range items {
		for col, raw := range it {
			cond := db.Cond{Col: col, Op: db.OpEq}
			var opv map[string]json.RawMessage
			if json.Unmarshal(raw, &opv) == nil && opv != nil {
				if len(opv) != 1 {
					return nil, fmt.Errorf("filter on %s: one operator per column", col)
				}
				for op, r := range opv {
					cond.Op, raw = db.Op(op), r
				}
			}
			v, err := jsonValue(raw)
			if err != nil {
				return nil, fmt.Errorf("filter on %s: %w", col, err)
			}
			cond.Val = v
			if _, err := cond.CheckOp(); err != nil {
				return nil, fmt.Errorf("filter on %s: %w", col, err)
			}
			where = append(where, cond)
		}
	}
	return where, nil
}

func jsonValue(raw json.RawMessage) (db.Value, error) {
	var x any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return db.Value{}, err
	}
	switch v := x.(type) {
	case nil:
		return db.NullValue(db.String), nil
	case string:
		return db.StringValue(v), nil
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return db.StringValue(v.String()), nil
		}
		return db.IntValue(n), nil
	}
	return db.Value{}, fmt.Errorf("value %s is not a string, an integer or null", raw)
}

// name is a parsed sql_avp_* name: "$avp(x)[/table]", "*[/table]" or
// "/$scheme".
type name struct{ avp, flags string }

func nameFixup(allowAll bool) func(*api.FixupCtx, *api.FixArg) error {
	return func(_ *api.FixupCtx, a *api.FixArg) error {
		s := strings.TrimSpace(a.Str)
		switch {
		case strings.HasPrefix(s, "/"):
			a.Fixed = name{flags: s[1:]}
			return nil
		case strings.HasPrefix(s, "*") && (len(s) == 1 || s[1] == '/'):
			if !allowAll {
				return errors.New(`"*" is only valid for sql_avp_load`)
			}
			a.Fixed = name{avp: "*", flags: strings.TrimPrefix(s[1:], "/")}
			return nil
		}
		n, err := avpName(s)
		a.Fixed = n
		return err
	}
}

func avpName(s string) (name, error) {
	body, flags := s, ""
	if i := strings.Index(s, ")"); i >= 0 {
		body, flags = s[:i+1], strings.TrimPrefix(s[i+1:], "/")
	}
	n, ok := strings.CutPrefix(body, "$avp(")
	if !ok || !strings.HasSuffix(n, ")") || len(n) == 1 {
		return name{}, fmt.Errorf("expected an AVP ($avp(name)), got %q", s)
	}
	return name{avp: strings.TrimSuffix(n, ")"), flags: flags}, nil
}

// SourceFixup checks a source: a variable, optionally "/username",
// "/domain", "/uri" or "/uuid"; or a literal uuid.
func SourceFixup(_ *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if s == "" {
		return errors.New("empty source")
	}
	if i := strings.LastIndex(s, "/"); i >= 0 && strings.HasPrefix(s, "$") {
		switch s[i+1:] {
		case "username", "domain", "uri", "uuid":
		default:
			return fmt.Errorf("unknown source part %q (expected username, domain, uri or uuid)", s[i+1:])
		}
	}
	a.Fixed = s
	return nil
}

// avpListFixup reads "$avp(a);$avp(b)" into the AVP names.
func avpListFixup(_ *api.FixupCtx, a *api.FixArg) error {
	var out []string
	for _, p := range strings.Split(a.Str, ";") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := avpName(p)
		if err != nil {
			return err
		}
		if n.flags != "" {
			return fmt.Errorf("unexpected %q after %s", "/"+n.flags, p)
		}
		out = append(out, n.avp)
	}
	a.Fixed = out
	return nil
}

// varListFixup reads "$var(a);$avp(b)" into writable variables.
func varListFixup(_ *api.FixupCtx, a *api.FixArg) error {
	var out []string
	for _, p := range strings.Split(a.Str, ";") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		sp, err := pv.Parse(p)
		if err != nil || sp.Raw != p {
			return fmt.Errorf("bad variable %q", p)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return errors.New("no variables given")
	}
	a.Fixed = out
	return nil
}

var (
	_ api.Module    = (*SQLOps)(nil)
	_ api.Validator = (*SQLOps)(nil)
	_ api.Initer    = (*SQLOps)(nil)
	_ api.Closer    = (*SQLOps)(nil)
)

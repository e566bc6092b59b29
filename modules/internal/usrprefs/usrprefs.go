// Package usrprefs keeps script values (AVPs) in a database table of user
// preferences, OpenSIPS' usr_preferences: the engine behind sqlops'
// sql_avp_load/store/delete and sql_query, and avpops' older avp_db_*
// names of the same functions.
package usrprefs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/lang/diag"
	"gosips/pv"
	"gosips/sip"
)

// DBURL is one db_url value: "url" is id 0, "N url" is id N.
type DBURL struct {
	ID  int
	URL string
}

// Prefs is the configuration and the open databases of one module
// instance. Its exported fields are bound to the module's parameters.
type Prefs struct {
	URLs            []DBURL
	Table           string
	UseDomain       int
	UUIDColumn      string
	AttributeColumn string
	ValueColumn     string
	TypeColumn      string
	UsernameColumn  string
	DomainColumn    string
	Schemes         []string

	conns   map[int]db.Conn // by db_url id, opened by Open
	schemes map[string]Scheme
	pvs     PVCache
}

// New returns the OpenSIPS defaults: table usr_preferences with its
// standard columns.
func New() *Prefs {
	return &Prefs{Table: "usr_preferences", UUIDColumn: "uuid", AttributeColumn: "attribute",
		ValueColumn: "value", TypeColumn: "type", UsernameColumn: "username", DomainColumn: "domain"}
}

// Params are the parameters sqlops and avpops share; table is the name
// of the table parameter (usr_table in sqlops, avp_table in avpops).
func (p *Prefs) Params(table string) []api.Param {
	s := func(name string, dst *string, def string) api.Param {
		prm := api.StrParam(name, dst)
		prm.Default = def
		return prm
	}
	useDomain := api.IntParam("use_domain", &p.UseDomain)
	useDomain.Default = "0"
	return []api.Param{
		api.FuncParam("db_url", api.ParamStr, true, func(v api.ParamValue) error { return p.AddURL(v.Str) }),
		s(table, &p.Table, "usr_preferences"),
		useDomain,
		s("uuid_column", &p.UUIDColumn, "uuid"),
		s("attribute_column", &p.AttributeColumn, "attribute"),
		s("value_column", &p.ValueColumn, "value"),
		s("type_column", &p.TypeColumn, "type"),
		s("username_column", &p.UsernameColumn, "username"),
		s("domain_column", &p.DomainColumn, "domain"),
		api.FuncParam("db_scheme", api.ParamStr, true, func(v api.ParamValue) error {
			if _, err := ParseScheme(v.Str); err != nil {
				return err
			}
			p.Schemes = append(p.Schemes, v.Str)
			return nil
		}),
	}
}

// AddURL adds one db_url value ("url" or "N url"); ids must be unique.
func (p *Prefs) AddURL(s string) error {
	u, err := ParseDBURL(s)
	if err != nil {
		return err
	}
	for _, x := range p.URLs {
		if x.ID == u.ID {
			return fmt.Errorf("db_url id %d given twice", u.ID)
		}
	}
	p.URLs = append(p.URLs, u)
	return nil
}

// ParseDBURL parses "url" or "N url".
func ParseDBURL(s string) (DBURL, error) {
	s = strings.TrimSpace(s)
	u := DBURL{URL: s}
	if id, rest, ok := strings.Cut(s, " "); ok {
		if n, err := strconv.Atoi(id); err == nil {
			if n < 0 {
				return DBURL{}, fmt.Errorf("negative db_url id %d", n)
			}
			u = DBURL{ID: n, URL: strings.TrimSpace(rest)}
		}
	}
	if !strings.Contains(u.URL, "://") {
		return DBURL{}, fmt.Errorf("bad db_url %q (expected scheme://...)", u.URL)
	}
	return u, nil
}

// effectiveURLs are the db_urls, or db_default_url as id 0 when none is
// set.
func (p *Prefs) effectiveURLs(global func(string) (api.Value, bool)) []DBURL {
	if len(p.URLs) > 0 || global == nil {
		return p.URLs
	}
	if v, ok := global("db_default_url"); ok && v.IsStr() && v.S != "" {
		return []DBURL{{URL: v.S}}
	}
	return nil
}

// Validate checks that every db_url is served by a loaded db module.
func (p *Prefs) Validate(vc *api.ValidateCtx) error {
	for _, u := range p.effectiveURLs(vc.Global) {
		if _, err := api.CheckDBURL(vc, "db_url", u.URL, true); err != nil {
			return err
		}
	}
	return nil
}

// HasID reports whether a db_url has that id (the check of db_id
// arguments at load time).
func (p *Prefs) HasID(id int64) bool {
	for _, u := range p.URLs {
		if int64(u.ID) == id {
			return true
		}
	}
	return len(p.URLs) == 0 && id == 0
}

// DBIDFixup is the fixup of db_id arguments.
func (p *Prefs) DBIDFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if !p.HasID(a.Int) {
		return fmt.Errorf("no db_url with id %d", a.Int)
	}
	return nil
}

// Open parses the schemes and opens every database.
func (p *Prefs) Open(ic *api.InitCtx) error {
	for _, s := range p.Schemes {
		sc, err := ParseScheme(s)
		if err != nil {
			return err
		}
		if p.schemes == nil {
			p.schemes = map[string]Scheme{}
		}
		p.schemes[sc.Name] = sc
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range p.effectiveURLs(ic.Global) {
		c, err := db.Open(ctx, u.URL, db.WithBaseDir(ic.ConfigDir), db.WithLogger(ic.Log))
		if err != nil {
			p.Close()
			return fmt.Errorf("db_url %d: %w", u.ID, err)
		}
		p.Use(u.ID, c)
	}
	return nil
}

// Use binds an open database to a db_url id (tests; Open does it from
// db_url).
func (p *Prefs) Use(id int, c db.Conn) {
	if p.conns == nil {
		p.conns = map[int]db.Conn{}
	}
	p.conns[id] = c
}

// AddScheme registers a parsed db_scheme (tests; Open does it).
func (p *Prefs) AddScheme(sc Scheme) {
	if p.schemes == nil {
		p.schemes = map[string]Scheme{}
	}
	p.schemes[sc.Name] = sc
}

// Close closes the databases.
func (p *Prefs) Close() error {
	var errs []error
	for id, c := range p.conns {
		errs = append(errs, c.Close())
		delete(p.conns, id)
	}
	return errors.Join(errs...)
}

// Conn returns the database of a db_id argument (nil: id 0).
func (p *Prefs) Conn(arg any) (db.Conn, error) {
	id, _ := arg.(int64)
	c, ok := p.conns[int(id)]
	if !ok {
		return nil, fmt.Errorf("no database open for db_url id %d", id)
	}
	return c, nil
}

// Scheme is a db_scheme: "name:uuid_col=..;username_col=..;domain_col=..;
// value_col=..;value_type=string|integer;table=..".
type Scheme struct {
	Name, UUID, User, Domain, Value, Table string
	IsInt                                  bool
}

// ParseScheme parses a db_scheme value.
func ParseScheme(s string) (Scheme, error) {
	name, body, ok := strings.Cut(s, ":")
	sc := Scheme{Name: strings.TrimSpace(name)}
	if !ok || sc.Name == "" || !strings.Contains(body, "=") {
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
			sc.UUID = v
		case "username_col":
			sc.User = v
		case "domain_col":
			sc.Domain = v
		case "value_col":
			sc.Value = v
		case "table":
			sc.Table = v
		case "value_type":
			switch strings.ToLower(v) {
			case "integer":
				sc.IsInt = true
			case "string":
			default:
				return sc, fmt.Errorf("db_scheme %s: value_type %q (expected string or integer)", sc.Name, v)
			}
		default:
			keys := []string{"uuid_col", "username_col", "domain_col", "value_col", "value_type", "table"}
			if h := diag.DidYouMean(k, keys); h != "" {
				return sc, fmt.Errorf("unknown db_scheme key %q (%s)", k, h)
			}
			return sc, fmt.Errorf("unknown db_scheme key %q", k)
		}
	}
	if sc.Value == "" {
		return sc, fmt.Errorf("db_scheme %s: value_col is required", sc.Name)
	}
	return sc, nil
}

// keys are the where conditions of the user a source names: a literal
// uuid, or a variable ("$fu", "$avp(x)/username"...).
func (p *Prefs) keys(c *api.Ctx, source string, sc *Scheme) ([]db.Cond, error) {
	col := func(def, over string) string {
		if over != "" {
			return over
		}
		return def
	}
	uuidCol, userCol, domCol := p.UUIDColumn, p.UsernameColumn, p.DomainColumn
	if sc != nil {
		uuidCol, userCol, domCol = col(uuidCol, sc.UUID), col(userCol, sc.User), col(domCol, sc.Domain)
	}
	if !strings.HasPrefix(source, "$") {
		return []db.Cond{db.Eq(uuidCol, db.StringValue(source))}, nil
	}
	base, part := source, ""
	if i := strings.LastIndex(source, "/"); i >= 0 {
		base, part = source[:i], source[i+1:]
	}
	v, err := p.pvs.Get(c, base)
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
	if p.UseDomain != 0 {
		w = append(w, db.Eq(domCol, db.StringValue(u.Host)))
	}
	return w, nil
}

// target of a name argument: the table, the attribute ("" for all) and
// the scheme. flags is the text after "/" in the name: a table, or
// "$scheme".
func (p *Prefs) target(name, flags string) (table, attr string, sc *Scheme, err error) {
	table, attr = p.Table, name
	if attr == "*" {
		attr = ""
	}
	if flags != "" {
		if sname, ok := strings.CutPrefix(flags, "$"); ok {
			s, ok := p.schemes[sname]
			if !ok {
				return "", "", nil, fmt.Errorf("unknown db_scheme %q", sname)
			}
			sc = &s
			if s.Table != "" {
				table = s.Table
			}
		} else {
			table = flags
		}
	}
	return table, attr, sc, nil
}

// Ctx is the context database calls run under.
func Ctx(c *api.Ctx) context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}

// Load reads the preferences of source into AVPs (prefix + attribute, or
// the name itself with a scheme) and returns how many it loaded.
func (p *Prefs) Load(c *api.Ctx, st *pv.AVPStore, source, name, flags string, id any, prefix string) (int, error) {
	conn, err := p.Conn(id)
	if err != nil {
		return 0, err
	}
	table, attr, sc, err := p.target(name, flags)
	if err != nil {
		return 0, err
	}
	where, err := p.keys(c, source, sc)
	if err != nil {
		return 0, err
	}
	if sc != nil {
		// A scheme reads one value column into the named AVP.
		res, err := conn.Query(Ctx(c), table, []string{sc.Value}, where, "", 0)
		if err != nil {
			return 0, err
		}
		for _, r := range res.Rows {
			st.Push(prefix+name, Value(r[0], sc.IsInt))
		}
		return len(res.Rows), nil
	}
	if attr != "" {
		where = append(where, db.Eq(p.AttributeColumn, db.StringValue(attr)))
	}
	res, err := conn.Query(Ctx(c), table, []string{p.AttributeColumn, p.ValueColumn, p.TypeColumn}, where, "", 0)
	if err != nil {
		return 0, err
	}
	for _, r := range res.Rows {
		st.Push(prefix+r[0].Str(), Value(r[1], r[2].Int64()&1 != 0))
	}
	return len(res.Rows), nil
}

// Value converts a column to an AVP value; isInt (type bit 1, or an
// integer scheme) makes numeric text an integer.
func Value(v db.Value, isInt bool) api.Value {
	switch {
	case v.Null:
		return api.Null
	case isInt || v.Type.IsInteger():
		if n, err := strconv.ParseInt(strings.TrimSpace(v.Str()), 10, 64); err == nil {
			return api.IntValue(n)
		}
	}
	return api.StrValue(v.Str())
}

// Store writes every value of the AVP name as a row of source's
// preferences, oldest first.
func (p *Prefs) Store(c *api.Ctx, st *pv.AVPStore, source, name, flags string, id any) error {
	conn, err := p.Conn(id)
	if err != nil {
		return err
	}
	table, attr, sc, err := p.target(name, flags)
	if err != nil {
		return err
	}
	where, err := p.keys(c, source, sc)
	if err != nil {
		return err
	}
	var cols []string
	var base []db.Value
	for _, w := range where {
		cols, base = append(cols, w.Col), append(base, w.Val)
	}
	vals := st.All(name)
	for i := len(vals) - 1; i >= 0; i-- {
		v := vals[i]
		rowCols := append([]string(nil), cols...)
		row := append([]db.Value(nil), base...)
		if sc != nil {
			rowCols, row = append(rowCols, sc.Value), append(row, db.StringValue(pv.Str(v)))
		} else {
			typ := int64(0)
			if v.IsInt() {
				typ = 1
			}
			rowCols = append(rowCols, p.AttributeColumn, p.ValueColumn, p.TypeColumn)
			row = append(row, db.StringValue(attr), db.StringValue(pv.Str(v)), db.IntValue(typ))
		}
		if _, err := conn.Insert(Ctx(c), table, rowCols, row); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes source's preferences named name ("*": all).
func (p *Prefs) Delete(c *api.Ctx, source, name, flags string, id any) error {
	conn, err := p.Conn(id)
	if err != nil {
		return err
	}
	table, attr, sc, err := p.target(name, flags)
	if err != nil {
		return err
	}
	where, err := p.keys(c, source, sc)
	if err != nil {
		return err
	}
	if attr != "" && sc == nil {
		where = append(where, db.Eq(p.AttributeColumn, db.StringValue(attr)))
	}
	_, err = conn.Delete(Ctx(c), table, where)
	return err
}

// Query runs a raw SQL statement (the script's own text) on the db_url
// of id.
func (p *Prefs) Query(c *api.Ctx, q string, id any) (*db.Result, error) {
	conn, err := p.Conn(id)
	if err != nil {
		return nil, err
	}
	rq, ok := conn.(db.RawQuerier)
	if !ok {
		return nil, fmt.Errorf("the %T database does not run raw queries", conn)
	}
	return rq.RawQuery(Ctx(c), q)
}

// PVCache holds variables named in raw (not expanded) arguments
// ("$fu/username"), parsed and resolved against the script's table on
// first use.
type PVCache struct {
	mu    sync.Mutex
	specs map[string]*pv.Spec
}

// Get evaluates the variable written as raw.
func (p *PVCache) Get(c *api.Ctx, raw string) (api.Value, error) {
	sp, err := p.Spec(c, raw)
	if err != nil {
		return api.Null, err
	}
	return sp.Get(c)
}

// Spec returns the resolved variable written as raw.
func (p *PVCache) Spec(c *api.Ctx, raw string) (*pv.Spec, error) {
	p.mu.Lock()
	sp, ok := p.specs[raw]
	p.mu.Unlock()
	if !ok {
		s, err := pv.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("bad variable %q: %w", raw, err)
		}
		h, ok := c.Priv.(pv.TableHolder)
		if !ok {
			return nil, fmt.Errorf("variable %q: no variable table", raw)
		}
		if err := h.PVTable().Resolve(s); err != nil {
			return nil, fmt.Errorf("variable %q: %w", raw, err)
		}
		p.mu.Lock()
		if p.specs == nil {
			p.specs = map[string]*pv.Spec{}
		}
		p.specs[raw] = s
		p.mu.Unlock()
		sp = s
	}
	return sp, nil
}

// PushRows stores a query result in AVPs as OpenSIPS does: column i of
// every row goes to names[i] (to $avp(i+1) when names is nil; columns past
// the end of names are dropped), the first row ending on top of each AVP,
// and a NULL becomes the string "<null>".
func PushRows(st *pv.AVPStore, res *db.Result, names []string) {
	for r := len(res.Rows) - 1; r >= 0; r-- {
		for i, v := range res.Rows[r] {
			name := strconv.Itoa(i + 1)
			if names != nil {
				if i >= len(names) {
					break
				}
				name = names[i]
			}
			if v.Null {
				st.Push(name, api.StrValue("<null>"))
				continue
			}
			st.Push(name, Value(v, false))
		}
	}
}

// Package dialplan is OpenSIPS' dialplan module: string translation by
// rules (equality or regular expression match, substitution or fixed
// replacement, attributes, time recurrences) loaded from dialplan tables,
// one per partition.
package dialplan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/partdef"
	"gosips/internal/timerec"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "dialplan", New: func() api.Module { return New() },
		Doc: "rule-based string translation"})
}

// TableVersion is the dialplan table version OpenSIPS 3.6 expects.
const TableVersion = 5

// Columns are the dialplan table column names.
type Columns struct {
	DPID, Pr, MatchOp, MatchExp, MatchFlags, SubstExp, ReplExp, Attrs, Timerec, Disabled string
}

// Partition is one dialplan table.
type Partition struct {
	Name, DBURL, Table string
	conn               db.Conn
	cur                atomic.Pointer[rules]
}

// Module is one dialplan instance.
type Module struct {
	Default    Partition
	Partitions []*Partition
	Cols       Columns

	log  *slog.Logger
	fmts pv.FormatCache
}

// New returns a dialplan instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Default: Partition{Name: "default", Table: "dialplan"},
		Cols: Columns{DPID: "dpid", Pr: "pr", MatchOp: "match_op", MatchExp: "match_exp", MatchFlags: "match_flags",
			SubstExp: "subst_exp", ReplExp: "repl_exp", Attrs: "attrs", Timerec: "timerec", Disabled: "disabled"},
		log: slog.New(slog.DiscardHandler)}
}

var partitionKeys = []string{"db_url", "table_name"}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	c := &m.Cols
	return []api.Param{
		api.FuncParam("partition", api.ParamStr, true, func(v api.ParamValue) error {
			name, kv, err := partdef.Parse(v.Str, partitionKeys)
			if err != nil {
				return err
			}
			p := m.partition(name)
			if p == nil {
				p = &Partition{Name: name}
				m.Partitions = append(m.Partitions, p)
			}
			if u, ok := kv["db_url"]; ok {
				p.DBURL = u
			}
			if t, ok := kv["table_name"]; ok {
				p.Table = t
			}
			return nil
		}),
		api.StrParam("db_url", &m.Default.DBURL),
		api.StrParam("table_name", &m.Default.Table),
		api.StrParam("dpid_col", &c.DPID),
		api.StrParam("pr_col", &c.Pr),
		api.StrParam("match_op_col", &c.MatchOp),
		api.StrParam("match_exp_col", &c.MatchExp),
		api.StrParam("match_flags_col", &c.MatchFlags),
		api.StrParam("subst_exp_col", &c.SubstExp),
		api.StrParam("repl_exp_col", &c.ReplExp),
		api.StrParam("attrs_col", &c.Attrs),
		api.StrParam("timerec_col", &c.Timerec),
		api.StrParam("disabled_col", &c.Disabled),
		{Name: "dp_table_name", Type: api.ParamStr, Legacy: `modparam("dialplan", "table_name", ...)`,
			Set: func(v api.ParamValue) error { m.Default.Table = v.Str; return nil }},
		{Name: "attrs_pvar", Type: api.ParamStr, Legacy: "pass the variable to dp_translate(id, input, $var(out), $var(attrs))",
			Set: func(api.ParamValue) error { return nil }},
	}
}

func (m *Module) partition(name string) *Partition {
	if name == "default" {
		if p := m.find("default"); p != nil {
			return p
		}
		return &m.Default
	}
	return m.find(name)
}

func (m *Module) find(name string) *Partition {
	for _, p := range m.Partitions {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// all lists the partitions with a database: "default" first.
func (m *Module) all() []*Partition {
	var out []*Partition
	if m.find("default") == nil && m.Default.DBURL != "" {
		out = append(out, &m.Default)
	}
	return append(out, m.Partitions...)
}

// rule is one dialplan row.
type rule struct {
	id      int64
	pr      int64
	regex   bool
	exact   string
	fold    bool
	match   *regexp.Regexp
	subst   *regexp.Regexp
	repl    string
	hasRepl bool
	attrs   string
	tr      *timerec.Expr
	replMax int
}

// rules is a partition's loaded rules by dpid, each list by priority.
type rules struct {
	byID map[int64][]*rule
}

var backref = regexp.MustCompile(`\\([0-9])`)

// load reads a partition's table; a bad row is an error naming it.
func (m *Module) load(ctx context.Context, p *Partition) (*rules, error) {
	c := m.Cols
	res, err := p.conn.Query(ctx, p.Table, []string{c.DPID, c.Pr, c.MatchOp, c.MatchExp, c.MatchFlags, c.SubstExp,
		c.ReplExp, c.Attrs, c.Timerec, c.Disabled, "id"}, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", p.Table, err)
	}
	out := &rules{byID: map[int64][]*rule{}}
	var errs []error
	for _, r := range res.Rows {
		if r[9].Int64() != 0 {
			continue
		}
		id := r[10].Int64()
		ru, err := parseRule(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("table %s, id %d: %w", p.Table, id, err))
			continue
		}
		dpid := r[0].Int64()
		out.byID[dpid] = append(out.byID[dpid], ru)
	}
	for _, l := range out.byID {
		sort.SliceStable(l, func(i, j int) bool {
			if l[i].pr != l[j].pr {
				return l[i].pr < l[j].pr
			}
			return l[i].id < l[j].id
		})
	}
	return out, errors.Join(errs...)
}

func parseRule(r db.Row) (*rule, error) {
	ru := &rule{id: r[10].Int64(), pr: r[1].Int64(), fold: r[4].Int64()&1 != 0}
	flags := ""
	if ru.fold {
		flags = "(?i)"
	}
	exp := r[3].Str()
	switch op := r[2].Int64(); op {
	case 0:
		ru.exact = exp
	case 1:
		re, err := regexp.Compile(flags + exp)
		if err != nil {
			return nil, fmt.Errorf("bad match_exp %q: %v", exp, err)
		}
		ru.regex, ru.match = true, re
	default:
		return nil, fmt.Errorf("invalid match_op %d (0 equal, 1 regex)", op)
	}
	if s := r[5].Str(); !r[5].Null && s != "" {
		re, err := regexp.Compile(flags + s)
		if err != nil {
			return nil, fmt.Errorf("bad subst_exp %q: %v", s, err)
		}
		ru.subst = re
	}
	if s := r[6].Str(); !r[6].Null && s != "" {
		ru.repl, ru.hasRepl = s, true
		for _, m := range backref.FindAllStringSubmatch(s, -1) {
			n, _ := strconv.Atoi(m[1])
			ru.replMax = max(ru.replMax, n)
		}
		groups := 0
		if ru.subst != nil {
			groups = ru.subst.NumSubexp()
		}
		if ru.replMax > groups {
			return nil, fmt.Errorf("repl_exp %q uses a non existing subexpression", s)
		}
	}
	if !r[7].Null {
		ru.attrs = r[7].Str()
	}
	if s := strings.TrimSpace(r[8].Str()); !r[8].Null && s != "" {
		tr, err := timerec.ParseExpr(s)
		if err != nil {
			return nil, fmt.Errorf("bad timerec %q: %v", s, err)
		}
		ru.tr = tr
	}
	return ru, nil
}

// translate finds the rule of input (the first string rule and the
// first regex rule, the lower priority then the lower id winning) and
// builds the output ("" when the rule has no replacement).
func (m *Module) translate(c *api.Ctx, l []*rule, input string) (string, *rule, error) {
	now := time.Now()
	var str, re *rule
	for _, r := range l {
		if (str != nil && !r.regex) || (re != nil && r.regex) {
			continue
		}
		if r.tr != nil && !r.tr.Match(now) {
			continue
		}
		switch {
		case r.regex && r.match.MatchString(input):
			re = r
		case !r.regex && (r.exact == input || (r.fold && strings.EqualFold(r.exact, input))):
			str = r
		}
	}
	best := str
	if re != nil && (best == nil || re.pr < best.pr || (re.pr == best.pr && re.id < best.id)) {
		best = re
	}
	if best == nil {
		return "", nil, errNoMatch
	}
	if !best.hasRepl {
		return "", best, nil
	}
	var groups []string
	if best.subst != nil {
		groups = best.subst.FindStringSubmatch(input)
		if groups == nil {
			return "", nil, fmt.Errorf("%q matched the match_exp but not the subst_exp of rule %d", input, best.id)
		}
	}
	out, err := m.expand(c, best.repl, groups)
	return out, best, err
}

var errNoMatch = errors.New("no matching rule")

// expand builds a replacement: \N are subexpressions of the subst_exp
// (without one the text is used as written), variables are evaluated.
func (m *Module) expand(c *api.Ctx, repl string, groups []string) (string, error) {
	if groups == nil && !strings.Contains(repl, "$") {
		return repl, nil
	}
	var b strings.Builder
	text := func(s string) error {
		if !strings.Contains(s, "$") || c == nil {
			b.WriteString(s)
			return nil
		}
		v, err := m.fmts.Eval(c, s)
		if err != nil {
			return err
		}
		b.WriteString(v)
		return nil
	}
	last := 0
	if groups != nil {
		for _, loc := range backref.FindAllStringSubmatchIndex(repl, -1) {
			if err := text(repl[last:loc[0]]); err != nil {
				return "", err
			}
			n, _ := strconv.Atoi(repl[loc[2]:loc[3]])
			b.WriteString(groups[n])
			last = loc[1]
		}
	}
	if err := text(repl[last:]); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Funcs lists dp_translate.
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "dp_translate",
		Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute | api.BranchRoute | api.StartupRoute | api.TimerRoute | api.EventRoute,
		Args: []api.Arg{{Name: "id", Type: api.ArgInt}, {Name: "input", Type: api.ArgStr},
			{Name: "out_var", Type: api.ArgVar, Optional: true, Writable: true},
			{Name: "attrs_var", Type: api.ArgVar, Optional: true, Writable: true},
			{Name: "partition", Type: api.ArgStr, Optional: true, Fixup: func(fc *api.FixupCtx, a *api.FixArg) error {
				if m.partition(a.Str) == nil || (a.Str != "default" && m.find(a.Str) == nil) {
					return fmt.Errorf("unknown partition %q", a.Str)
				}
				return nil
			}}},
		Returns: "1 translated, -1 no rule or error",
		Call: func(c *api.Ctx, a []any) api.Ret {
			name, _ := a[4].(string)
			if name == "" {
				name = "default"
			}
			p := m.partition(name)
			if p == nil {
				c.Log.Error("dp_translate: unknown partition", "partition", name)
				return api.RetFalse
			}
			rs := p.cur.Load()
			if rs == nil {
				return api.RetFalse
			}
			in, _ := a[1].(string)
			l := rs.byID[a[0].(int64)]
			if in == "" || l == nil {
				return api.RetFalse
			}
			out, r, err := m.translate(c, l, in)
			if err != nil {
				if err != errNoMatch {
					c.Log.Error("dp_translate: cannot build the output", "err", err)
				}
				return api.RetFalse
			}
			if ref, ok := a[2].(api.PVRef); ok && out != "" {
				if err := ref.Set(c, api.StrValue(out)); err != nil {
					c.Log.Error("dp_translate: cannot set the output", "err", err)
					return api.RetFalse
				}
			}
			if ref, ok := a[3].(api.PVRef); ok {
				if err := ref.Set(c, api.StrValue(r.attrs)); err != nil {
					c.Log.Error("dp_translate: cannot set the attributes", "err", err)
					return api.RetFalse
				}
			}
			return api.RetTrue
		}}}
}

// Validate checks the partitions' databases.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	def := ""
	if vc.Global != nil {
		if v, ok := vc.Global("db_default_url"); ok && v.IsStr() {
			def = v.S
		}
	}
	m.inherit(def)
	if len(m.all()) == 0 {
		return errors.New("no partition: set db_url (or db_default_url) or define a partition")
	}
	for _, p := range m.all() {
		if _, err := api.CheckDBURL(vc, fmt.Sprintf("partition %q db_url", p.Name), p.DBURL, true); err != nil {
			return err
		}
	}
	return nil
}

func (m *Module) inherit(def string) {
	if m.Default.DBURL == "" {
		m.Default.DBURL = def
	}
	for _, p := range m.Partitions {
		if p.DBURL == "" {
			p.DBURL = m.Default.DBURL
		}
		if p.Table == "" {
			p.Table = m.Default.Table
		}
	}
}

// Init opens the databases and loads the rules.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	def := ""
	if ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			def = v.S
		}
	}
	m.inherit(def)
	ctx := context.Background()
	for _, p := range m.all() {
		conn, err := db.Open(ctx, p.DBURL, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
		if err != nil {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		p.conn = conn
		if err := db.CheckVersion(ctx, conn, p.Table, TableVersion); err != nil && !errors.Is(err, db.ErrNoVersion) {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		rs, err := m.load(ctx, p)
		if rs == nil {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		if err != nil {
			m.log.Error("dialplan rows skipped", "partition", p.Name, "err", err)
		}
		p.cur.Store(rs)
	}
	return nil
}

// reload reads a partition again; a bad row keeps the old rules.
func (m *Module) reload(ctx context.Context, p *Partition) error {
	if p.conn == nil {
		return errors.New("no database")
	}
	if r, ok := p.conn.(db.Reloader); ok {
		if err := r.Reload(ctx, p.Table); err != nil {
			return err
		}
	}
	rs, err := m.load(ctx, p)
	if err != nil {
		return err
	}
	p.cur.Store(rs)
	return nil
}

// Close closes the databases.
func (m *Module) Close() error {
	var errs []error
	for _, p := range m.all() {
		if p.conn != nil {
			errs = append(errs, p.conn.Close())
			p.conn = nil
		}
	}
	return errors.Join(errs...)
}

// MICommands lists dp_reload, dp_translate and dp_show_partition.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "dp_reload", Aliases: []string{"dialplan:reload"}, Recipes: [][]string{{}, {"partition"}},
			Handler: func(ctx context.Context, p api.MIParams) (any, error) {
				parts := m.all()
				if _, ok := p["partition"]; ok {
					name, _ := p.Str("partition")
					part := m.partition(name)
					if part == nil || part.conn == nil {
						return nil, &api.MIError{Code: 400, Msg: "Partition not found"}
					}
					parts = []*Partition{part}
				}
				for _, part := range parts {
					if err := m.reload(ctx, part); err != nil {
						m.log.Error("dp_reload failed, old rules kept", "partition", part.Name, "err", err)
						return nil, &api.MIError{Code: 500, Msg: "Failed to reload: " + err.Error()}
					}
				}
				return "OK", nil
			}},
		{Name: "dp_translate", Aliases: []string{"dialplan:translate"},
			Recipes: [][]string{{"dpid", "input"}, {"dpid", "input", "partition"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				name := "default"
				if _, ok := p["partition"]; ok {
					name, _ = p.Str("partition")
				}
				part := m.partition(name)
				if part == nil || part.conn == nil {
					if name == "default" {
						return nil, &api.MIError{Code: 404, Msg: "'default' partition not found"}
					}
					return nil, &api.MIError{Code: 400, Msg: "Partition not found"}
				}
				ids, ok := p.Str("dpid")
				if !ok || ids == "" {
					return nil, &api.MIError{Code: 404, Msg: "Empty id parameter"}
				}
				id, err := strconv.ParseInt(strings.TrimSpace(ids), 10, 64)
				if err != nil {
					return nil, &api.MIError{Code: 404, Msg: "Wrong id parameter"}
				}
				in, _ := p.Str("input")
				if in == "" {
					return nil, &api.MIError{Code: 404, Msg: "Empty input parameter"}
				}
				rs := part.cur.Load()
				if rs == nil || rs.byID[id] == nil {
					return nil, &api.MIError{Code: 404, Msg: "No information available for dpid"}
				}
				out, r, err := m.translate(nil, rs.byID[id], in)
				if err != nil {
					return nil, &api.MIError{Code: 404, Msg: "No translation"}
				}
				return struct {
					Output string `json:"Output"`
					Attrs  string `json:"ATTRIBUTES"`
				}{out, r.attrs}, nil
			}},
		{Name: "dp_show_partition", Aliases: []string{"dialplan:show_partition"}, Recipes: [][]string{{}, {"partition"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				if _, ok := p["partition"]; ok {
					name, _ := p.Str("partition")
					part := m.partition(name)
					if part == nil || part.conn == nil {
						return nil, &api.MIError{Code: 404, Msg: "Partition Not Found"}
					}
					return struct {
						Partition string `json:"Partition"`
						Table     string `json:"Table"`
						DBURL     string `json:"db_url"`
					}{part.Name, part.Table, hidePassword(part.DBURL)}, nil
				}
				type item struct {
					Name  string `json:"name"`
					Table string `json:"table"`
					DBURL string `json:"db_url"`
				}
				out := []item{}
				for _, part := range m.all() {
					out = append(out, item{part.Name, part.Table, hidePassword(part.DBURL)})
				}
				return map[string]any{"Partitions": out}, nil
			}},
	}
}

// hidePassword drops the password of a database URL, as OpenSIPS shows it.
func hidePassword(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return url
	}
	cred := rest[:at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		cred = user
	}
	return scheme + "://" + cred + "@" + rest[at+1:]
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)

package pi_http

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gosips/db"
	"gosips/db/schema"
	"gosips/sip"
)

// queryTimeout bounds one page's database work.
const queryTimeout = 10 * time.Second

// ServeHTTP answers /<root>[/<mod>[/<cmd>]]: the module menu, a module's
// commands, a command's form, or (with cmd=on) the command's result.
// Every answer is 200 with an HTML page, errors included, as OpenSIPS
// answers.
func (m *Module) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Write([]byte(pageBadMethod))
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p := &page{root: "/", method: "GET", fw: m.fw}
	if m.Root != "" {
		p.root = "/" + m.Root + "/"
	}
	if m.Method == 1 {
		p.method = "POST"
	}
	rest := strings.TrimPrefix(r.URL.Path, "/"+m.Root)
	modName, cmdName, cmdGiven := m.splitURL(rest)
	var cmd *command
	if modName != "" {
		for _, md := range m.fw.mods {
			if md.name == modName {
				p.mod = md
			}
		}
		if p.mod == nil {
			m.log.Error("pi_http: unknown mod in url", "url", r.URL.Path)
			w.Write([]byte(pageBadURL))
			return
		}
		if cmdGiven {
			for _, c := range p.mod.cmds {
				if c.name == cmdName {
					cmd = c
				}
			}
			if cmd == nil {
				m.log.Error("pi_http: unknown cmd in url", "url", r.URL.Path)
				w.Write([]byte(pageBadURL))
				return
			}
		}
	}
	var args url.Values
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			args = r.PostForm
		}
	} else {
		args = r.URL.Query()
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	p.header()
	m.run(ctx, p, cmd, args)
	w.Write([]byte(p.String()))
}

// splitURL splits "/mod/cmd/extra" (the part after the root).
func (m *Module) splitURL(rest string) (mod, cmd string, cmdGiven bool) {
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		return "", "", false
	}
	mod, rest, _ = strings.Cut(rest, "/")
	if rest == "" {
		return mod, "", false
	}
	cmd, _, _ = strings.Cut(rest, "/")
	return mod, cmd, cmd != ""
}

func arg(args url.Values, name string) (string, bool) {
	v, ok := args[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// run builds the body of the page after its header.
func (m *Module) run(ctx context.Context, p *page, cmd *command, args url.Values) {
	if cmd == nil {
		p.content(nil, nil, nil)
		return
	}
	mode, ok := arg(args, "cmd")
	if !ok {
		p.content(cmd, nil, nil)
		return
	}
	if mode == "pre" {
		m.prefill(ctx, p, cmd, args)
		return
	}
	var where []db.Cond
	for i, c := range cmd.clause {
		v, ok := arg(args, strconv.Itoa(i))
		if !ok {
			p.message(cmd, "No argument for clause field #%d: %s.", i, c.field)
			return
		}
		if v == "" {
			p.message(cmd, "Empty argument for clause field #%d: %s.", i, c.field)
			return
		}
		val, msg := value(c, v)
		if msg != "" {
			p.message(cmd, "%s", msg)
			return
		}
		where = append(where, db.Cond{Col: c.field, Op: c.op, Val: val})
	}
	var cols []string
	var vals []db.Value
	for i, c := range cmd.query {
		cols = append(cols, c.field)
		if cmd.typ == cQuery {
			continue
		}
		name := string(rune('a' + i))
		v, ok := arg(args, name)
		if !ok {
			p.message(cmd, "No argument for query field #%d: %s.", i, c.field)
			return
		}
		if v == "" && !c.typ.isString() {
			p.message(cmd, "Empty argument for query field #%d: %s.", i, c.field)
			return
		}
		val, msg := value(c, v)
		if msg != "" {
			p.message(cmd, "%s", msg)
			return
		}
		vals = append(vals, val)
	}
	conn := cmd.table.url.conn
	switch cmd.typ {
	case cQuery:
		order := ""
		if len(cmd.orderBy) > 0 {
			order = cmd.orderBy[0].field
		}
		res, err := conn.Query(ctx, cmd.table.name, cols, where, order, 0)
		if err != nil {
			m.log.Error("pi_http: query failed", "table", cmd.table.name, "err", err)
			p.message(cmd, "Error while querying database.")
			return
		}
		p.rows(cmd, res)
	case cInsert:
		if _, err := conn.Insert(ctx, cmd.table.name, cols, vals); err != nil {
			m.log.Error("pi_http: insert failed", "table", cmd.table.name, "err", err)
			p.message(cmd, "Unable to add record to db.")
			return
		}
		p.message(cmd, "Record successfully added to db.")
	case cDelete:
		if _, err := conn.Delete(ctx, cmd.table.name, where); err != nil {
			m.log.Error("pi_http: delete failed", "table", cmd.table.name, "err", err)
			p.message(cmd, "Unable to delete record.")
			return
		}
		p.message(cmd, "Record successfully deleted from db.")
	case cUpdate:
		if _, err := conn.Update(ctx, cmd.table.name, where, cols, vals); err != nil {
			m.log.Error("pi_http: update failed", "table", cmd.table.name, "err", err)
			p.message(cmd, "Unable to update record.")
			return
		}
		p.message(cmd, "Record successfully updated.")
	case cReplace:
		keys := replaceKeys(cmd.table.name, cols)
		if len(keys) == 0 {
			m.log.Error("pi_http: replace needs the table's primary or unique key among the values", "table", cmd.table.name)
			p.message(cmd, "Unable to replace record.")
			return
		}
		if _, err := conn.Upsert(ctx, cmd.table.name, keys, cols, vals); err != nil {
			m.log.Error("pi_http: replace failed", "table", cmd.table.name, "err", err)
			p.message(cmd, "Unable to replace record.")
			return
		}
		p.message(cmd, "Record successfully replaced.")
	}
}

// replaceKeys picks the columns a replace matches rows on: a unique index
// of the table whose columns are all written, else its primary key.
func replaceKeys(tbl string, cols []string) []string {
	t, ok := schema.Lookup(tbl)
	if !ok {
		return nil
	}
	has := func(c string) bool {
		for _, x := range cols {
			if x == c {
				return true
			}
		}
		return false
	}
	for _, ix := range t.Indexes {
		if !ix.Unique {
			continue
		}
		all := true
		for _, c := range ix.Cols {
			all = all && has(c)
		}
		if all {
			return ix.Cols
		}
	}
	for _, c := range t.Columns {
		if (c.Auto || c.PK) && has(c.Name) {
			return []string{c.Name}
		}
	}
	return nil
}

// rows shows a query's result: a header row of column names, then one
// row per record; a column with a link_cmd links each value to that
// command's form, prefilled (cmd=pre).
func (p *page) rows(cmd *command, res *db.Result) {
	p.replyHead(cmd)
	for j, c := range cmd.query {
		if j > 0 {
			p.WriteString(tdPlain)
		}
		p.WriteString(c.field + tdEnd)
	}
	for _, row := range res.Rows {
		p.WriteString(trOpen)
		for j, c := range cmd.query {
			p.WriteString(tdPlain)
			var v db.Value
			if j < len(row) {
				v = row[j]
			}
			text := nbsp
			if c.typ.isString() {
				if s := v.Str(); !v.Null && s != "" {
					text = escape(s)
				}
			} else {
				text = formatValue(c.typ, v)
			}
			if c.link != "" {
				p.WriteString("<a href='" + p.root + p.mod.name + "/" + c.link + "?cmd=pre&" + c.field + "=" + text + "'>")
			}
			p.WriteString(text)
			if c.link != "" {
				p.WriteString("</a>")
			}
			p.WriteString(tdEnd)
		}
		p.WriteString(trClose)
	}
	p.replyFoot()
}

// prefill is cmd=pre: the form of an update command with one clause
// column, filled from the record the clause value selects.
func (m *Module) prefill(ctx context.Context, p *page, cmd *command, args url.Values) {
	if cmd.typ != cUpdate || len(cmd.clause) != 1 {
		m.log.Error("pi_http: cmd=pre needs an update command with one clause column", "cmd", cmd.name)
		p.content(cmd, nil, nil)
		return
	}
	c := cmd.clause[0]
	v, ok := arg(args, c.field)
	if !ok {
		m.log.Error("pi_http: cmd=pre without the clause column", "cmd", cmd.name, "column", c.field)
		p.content(cmd, nil, nil)
		return
	}
	val, msg := value(c, v)
	if msg != "" {
		p.replyFoot()
		return
	}
	cols := make([]string, len(cmd.query))
	for i, q := range cmd.query {
		cols[i] = q.field
	}
	res, err := cmd.table.url.conn.Query(ctx, cmd.table.name, cols, []db.Cond{{Col: c.field, Op: c.op, Val: val}}, "", 0)
	if err != nil {
		m.log.Error("pi_http: query failed", "table", cmd.table.name, "err", err)
		p.message(cmd, "Error while querying database.")
		return
	}
	if len(res.Rows) != 1 {
		m.log.Error("pi_http: cmd=pre needs exactly one record", "cmd", cmd.name, "records", len(res.Rows))
		p.replyFoot()
		return
	}
	p.content(cmd, &v, res.Rows[0])
}

// value checks and converts one form input for column c; msg is the
// answer when the input is refused.
func value(c colSpec, s string) (db.Value, string) {
	if msg := validate(c, s); msg != "" {
		return db.Value{}, msg
	}
	bogus := "Bogus field " + c.field + " [" + s + "]."
	switch c.typ {
	case tString, tStr:
		return db.StringValue(s), ""
	case tBlob:
		return db.BlobValue([]byte(s)), ""
	case tInt, tBitmap:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < -1<<31 || n > 1<<32-1 {
			return db.Value{}, bogus
		}
		return db.IntValue(int64(int32(n))), ""
	case tBigInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return db.Value{}, bogus
		}
		return db.BigIntValue(n), ""
	case tDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return db.Value{}, bogus
		}
		return db.DoubleValue(f), ""
	case tDateTime:
		t, ok := parseTime(s)
		if !ok {
			return db.Value{}, bogus
		}
		return db.TimeValue(t), ""
	}
	return db.Value{}, "Unexpected type for field [" + c.field + "]"
}

// validate applies the column's validation; the messages are OpenSIPS'.
func validate(c colSpec, s string) string {
	switch c.validation {
	case vPHostPort:
		if _, ok := parsePHostPort(s); !ok {
			return "Invalid [proto:]host[:port] for" + c.field + " [" + s + "]."
		}
	case vPIPv4Port:
		host, ok := parsePHostPort(s)
		if !ok {
			return "Invalid [proto:]IPv4[:port] for " + c.field + " [" + s + "]."
		}
		if !isIPv4(host) {
			return "Invalid IPv4 in [proto:]IPv4[:port] " + c.field + " [" + host + "][" + s + "]."
		}
	case vIPv4:
		if !isIPv4(s) {
			return "Invalid IPv4 for " + c.field + " [" + s + "]."
		}
	case vURI, vURIIPv4Host:
		u, err := sip.ParseURI(s)
		if err != nil {
			return "Invalid SIP URI for " + c.field + " [" + s + "]."
		}
		if c.validation == vURIIPv4Host && !isIPv4(u.Host) {
			return "Invalid IPv4 host in SIP URI for " + c.field + " [" + u.Host + "][" + s + "]."
		}
	}
	return ""
}

func isIPv4(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() != nil && !strings.Contains(s, ":")
}

// parsePHostPort checks [proto:]host[:port] and returns the host.
func parsePHostPort(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	rest := s
	if proto, after, ok := strings.Cut(s, ":"); ok {
		switch strings.ToLower(proto) {
		case "udp", "tcp", "tls", "sctp", "ws", "wss", "bin", "hep_udp", "hep_tcp", "smpp", "msrp", "msrps":
			rest = after
		}
	}
	host := rest
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return "", false
		}
		host = rest[:end+1]
		rest = rest[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", false
			}
			if _, err := strconv.ParseUint(rest[1:], 10, 16); err != nil {
				return "", false
			}
		}
		return host, true
	}
	if h, port, ok := strings.Cut(rest, ":"); ok {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", false
		}
		host = h
	}
	if host == "" || strings.ContainsAny(host, " /;@") {
		return "", false
	}
	return host, true
}

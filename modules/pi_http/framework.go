package pi_http

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gosips/db"
)

// colType is a framework column type (DB_INT ... DB_BITMAP).
type colType uint8

const (
	tInt colType = iota + 1
	tBigInt
	tDouble
	tString
	tStr
	tDateTime
	tBlob
	tBitmap
)

var colTypes = map[string]colType{
	"DB_INT": tInt, "DB_BIGINT": tBigInt, "DB_DOUBLE": tDouble, "DB_STRING": tString,
	"DB_STR": tStr, "DB_DATETIME": tDateTime, "DB_BLOB": tBlob, "DB_BITMAP": tBitmap,
}

func (t colType) isString() bool { return t == tString || t == tStr || t == tBlob }

// validation is a column's input check.
type validation uint8

const (
	vNone validation = iota
	vPHostPort
	vPIPv4Port
	vIPv4
	vURI
	vURIIPv4Host
)

var validations = map[string]validation{
	"P_HOST_PORT": vPHostPort, "P_IPV4_PORT": vPIPv4Port, "IPV4": vIPv4,
	"URI": vURI, "URI_IPV4HOST": vURIIPv4Host,
}

// cmdType is a provisioning command's database operation.
type cmdType uint8

const (
	cQuery cmdType = iota + 1
	cInsert
	cDelete
	cUpdate
	cReplace
)

var cmdTypes = map[string]cmdType{
	"DB_QUERY": cQuery, "DB_INSERT": cInsert, "DB_DELETE": cDelete, "DB_UPDATE": cUpdate, "DB_REPLACE": cReplace,
}

type dbURL struct {
	id, url string
	conn    db.Conn
}

type column struct {
	field    string
	typ      colType
	validate validation
}

type table struct {
	id, name string
	url      *dbURL
	cols     []column
}

func (t *table) col(field string) (column, bool) {
	for _, c := range t.cols {
		if c.field == field {
			return c, true
		}
	}
	return column{}, false
}

// colSpec is one column of a command: its field, type, operator (clause
// columns), imposed values (ids shown, vals used) and link command
// (query columns).
type colSpec struct {
	field      string
	typ        colType
	op         db.Op
	ids, vals  []string
	link       string
	validation validation
}

type command struct {
	name                   string
	typ                    cmdType
	table                  *table
	clause, query, orderBy []colSpec
}

type provMod struct {
	name string
	cmds []*command
}

// framework is the parsed XML framework file.
type framework struct {
	urls   []*dbURL
	tables []*table
	mods   []*provMod
}

// node is an XML element: its name, attributes, child elements and text
// content (the text of it and every descendant, as libxml2's
// xmlNodeGetContent).
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	text     strings.Builder
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value, true
		}
	}
	return "", false
}

// child returns the first child element called name (case-insensitive).
func (n *node) child(name string) *node {
	for _, c := range n.children {
		if strings.EqualFold(c.name, name) {
			return c
		}
	}
	return nil
}

func (n *node) all(name string) []*node {
	var out []*node
	for _, c := range n.children {
		if strings.EqualFold(c.name, name) {
			out = append(out, c)
		}
	}
	return out
}

// childText returns the content of the first child called name.
func (n *node) childText(name string) (string, bool) {
	c := n.child(name)
	if c == nil {
		return "", false
	}
	return c.text.String(), true
}

func parseXML(r io.Reader) (*node, error) {
	d := xml.NewDecoder(r)
	root := &node{}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, attrs: t.Attr}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, n := range stack[1:] {
				n.text.Write(t)
			}
		}
	}
	return root, nil
}

// loadFramework reads the framework file. With urls set (a reload), the
// db_url nodes are not read again: tables refer to the connections of
// the first load, as OpenSIPS does.
func loadFramework(path string, urls []*dbURL) (*framework, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := parseXML(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	top := doc.child("framework")
	if top == nil {
		return nil, fmt.Errorf("%s: no <framework> element", path)
	}
	fw := &framework{urls: urls}
	if urls == nil {
		if err := fw.readURLs(top); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := fw.readTables(top); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := fw.readMods(top); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fw, nil
}

func (fw *framework) readURLs(top *node) error {
	for _, n := range top.all("db_url") {
		id, _ := n.attr("id")
		if id == "" {
			return fmt.Errorf("db_url #%d has no id attribute", len(fw.urls)+1)
		}
		u := n.text.String()
		if u == "" {
			return fmt.Errorf("db_url %q is empty", id)
		}
		for _, o := range fw.urls {
			if o.id == id {
				return fmt.Errorf("duplicated db_url id %q", id)
			}
			if o.url == u {
				return fmt.Errorf("duplicated db_url %q", db.MaskURL(u))
			}
		}
		fw.urls = append(fw.urls, &dbURL{id: id, url: u})
	}
	if len(fw.urls) == 0 {
		return errors.New("no <db_url> element")
	}
	return nil
}

func (fw *framework) readTables(top *node) error {
	for _, n := range top.all("db_table") {
		id, _ := n.attr("id")
		if id == "" {
			return fmt.Errorf("db_table #%d has no id attribute", len(fw.tables)+1)
		}
		name, _ := n.childText("table_name")
		if name == "" {
			return fmt.Errorf("db_table %q has no table_name", id)
		}
		if err := db.CheckIdent(name); err != nil {
			return fmt.Errorf("db_table %q: %w", id, err)
		}
		for _, o := range fw.tables {
			if o.id == id {
				return fmt.Errorf("duplicated db_table id %q", id)
			}
		}
		t := &table{id: id, name: name}
		urlID, _ := n.childText("db_url_id")
		if urlID == "" {
			return fmt.Errorf("db_table %q has no db_url_id", id)
		}
		for _, u := range fw.urls {
			if u.id == urlID {
				t.url = u
			}
		}
		if t.url == nil {
			return fmt.Errorf("db_table %q: db_url_id %q names no db_url", id, urlID)
		}
		for _, cn := range n.all("column") {
			field, _ := cn.childText("field")
			if field == "" {
				return fmt.Errorf("db_table %q: a column has no field", id)
			}
			if err := db.CheckIdent(field); err != nil {
				return fmt.Errorf("db_table %q: %w", id, err)
			}
			if _, dup := t.col(field); dup {
				return fmt.Errorf("db_table %q: duplicated column %q", id, field)
			}
			c := column{field: field}
			if v, ok := cn.childText("validate"); ok && v != "" {
				if c.validate, ok = validations[v]; !ok {
					return fmt.Errorf("db_table %q column %q: unknown validate %q (expected P_HOST_PORT, P_IPV4_PORT, IPV4, URI or URI_IPV4HOST)", id, field, v)
				}
			}
			ty, _ := cn.childText("type")
			var ok bool
			if c.typ, ok = colTypes[ty]; !ok {
				return fmt.Errorf("db_table %q column %q: unknown type %q (expected DB_INT, DB_BIGINT, DB_DOUBLE, DB_STRING, DB_STR, DB_DATETIME, DB_BLOB or DB_BITMAP)", id, field, ty)
			}
			t.cols = append(t.cols, c)
		}
		if len(t.cols) == 0 {
			return fmt.Errorf("db_table %q has no column", id)
		}
		fw.tables = append(fw.tables, t)
	}
	if len(fw.tables) == 0 {
		return errors.New("no <db_table> element")
	}
	return nil
}

// which column lists a command type takes: required, optional or refused.
type colsRule struct{ clause, query, order int8 } // 1 required, 0 optional, -1 ignored

var cmdRules = map[cmdType]colsRule{
	cQuery:   {clause: 0, query: 1, order: 0},
	cInsert:  {clause: -1, query: 1, order: -1},
	cDelete:  {clause: 1, query: -1, order: -1},
	cUpdate:  {clause: 0, query: 1, order: -1},
	cReplace: {clause: -1, query: 1, order: -1},
}

func (fw *framework) readMods(top *node) error {
	for _, n := range top.all("mod") {
		name, _ := n.childText("mod_name")
		if name == "" {
			return errors.New("a mod has no mod_name")
		}
		for _, o := range fw.mods {
			if o.name == name {
				return fmt.Errorf("duplicated mod %q", name)
			}
		}
		m := &provMod{name: name}
		for _, cn := range n.all("cmd") {
			c, err := fw.readCmd(m, cn)
			if err != nil {
				return err
			}
			m.cmds = append(m.cmds, c)
		}
		if len(m.cmds) == 0 {
			return fmt.Errorf("mod %q has no cmd", name)
		}
		fw.mods = append(fw.mods, m)
	}
	if len(fw.mods) == 0 {
		return errors.New("no <mod> element")
	}
	return nil
}

func (fw *framework) readCmd(m *provMod, n *node) (*command, error) {
	name, _ := n.childText("cmd_name")
	if name == "" {
		return nil, fmt.Errorf("mod %q: a cmd has no cmd_name", m.name)
	}
	for _, o := range m.cmds {
		if o.name == name {
			return nil, fmt.Errorf("mod %q: duplicated cmd %q", m.name, name)
		}
	}
	c := &command{name: name}
	where := fmt.Sprintf("mod %q cmd %q", m.name, name)
	tid, _ := n.childText("db_table_id")
	if tid == "" {
		return nil, fmt.Errorf("%s has no db_table_id", where)
	}
	for _, t := range fw.tables {
		if t.id == tid {
			c.table = t
		}
	}
	if c.table == nil {
		return nil, fmt.Errorf("%s: db_table_id %q names no db_table", where, tid)
	}
	ty, _ := n.childText("cmd_type")
	var ok bool
	if c.typ, ok = cmdTypes[ty]; !ok {
		return nil, fmt.Errorf("%s: unknown cmd_type %q (expected DB_QUERY, DB_INSERT, DB_DELETE, DB_UPDATE or DB_REPLACE)", where, ty)
	}
	rule := cmdRules[c.typ]
	read := func(elem string, need int8, withOp, withVals, withLink bool) ([]colSpec, error) {
		if need < 0 {
			return nil, nil
		}
		cn := n.child(elem)
		if cn == nil {
			if need > 0 {
				return nil, fmt.Errorf("%s (%s) needs %s", where, ty, elem)
			}
			return nil, nil
		}
		var out []colSpec
		for _, col := range cn.all("col") {
			field, _ := col.childText("field")
			if field == "" {
				return nil, fmt.Errorf("%s %s: a col has no field", where, elem)
			}
			tc, ok := c.table.col(field)
			if !ok {
				return nil, fmt.Errorf("%s %s: field %q is not a column of db_table %q", where, elem, field, c.table.id)
			}
			s := colSpec{field: field, typ: tc.typ, validation: tc.validate}
			if withOp {
				op, _ := col.childText("operator")
				switch db.Op(op) {
				case db.OpLt, db.OpGt, db.OpEq, db.OpLe, db.OpGe, db.OpNe:
					s.op = db.Op(op)
				default:
					return nil, fmt.Errorf("%s %s field %q: operator %q (expected <, >, =, <=, >= or !=)", where, elem, field, op)
				}
			}
			if withVals {
				for _, v := range col.all("value") {
					id, _ := v.attr("id")
					val := v.text.String()
					if id == "" || val == "" {
						return nil, fmt.Errorf("%s %s field %q: a value needs an id attribute and a content", where, elem, field)
					}
					s.ids = append(s.ids, id)
					s.vals = append(s.vals, val)
				}
			}
			if withLink {
				s.link, _ = col.childText("link_cmd")
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: %s has no col", where, elem)
		}
		return out, nil
	}
	var err error
	if c.clause, err = read("clause_cols", rule.clause, true, true, false); err != nil {
		return nil, err
	}
	withVals := c.typ != cQuery
	if c.query, err = read("query_cols", rule.query, false, withVals, c.typ == cQuery); err != nil {
		return nil, err
	}
	if len(c.query) > 25 {
		return nil, fmt.Errorf("%s: %d query_cols, at most 25", where, len(c.query))
	}
	if c.orderBy, err = read("order_by_cols", rule.order, false, false, false); err != nil {
		return nil, err
	}
	return c, nil
}

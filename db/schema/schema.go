// Package schema holds the OpenSIPS 3.x definitions of the tables gosips
// uses (names, columns, types, defaults, indexes and the versions the
// modules expect), and renders them as SQLite, MySQL and PostgreSQL DDL and
// db_text headers so that databases made by OpenSIPS' tools and by gosips
// are interchangeable.
package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Type is a column type as in OpenSIPS' XML schema (db/schema/*.xml).
type Type uint8

// The column types.
const (
	Int       Type = iota + 1 // "int" / "unsigned int"
	Long                      // "unsigned long": the 64-bit auto ids
	Float                     // "float", e.g. location.q
	String                    // "string": CHAR(size)
	Text                      // "text": TEXT or TEXT(size)
	Blob                      // "binary"
	DateTime                  // "datetime"
	Short                     // "short": SMALLINT, e.g. address.port
	LargeBlob                 // "largebinary": MEDIUMBLOB in MySQL, else as Blob
)

// Column is one column definition.
type Column struct {
	Name string
	Type Type
	// Size is the SQL length: "64" for CHAR(64), "10,2" for FLOAT(10,2),
	// "512" for TEXT(512); empty for none.
	Size string
	Null bool
	// Default is the SQL literal of the default exactly as in OpenSIPS'
	// DDL ("''", "0", "1.0", "NULL"); empty means no DEFAULT clause.
	Default string
	// Auto marks the auto-increment primary key.
	Auto bool
	// PK marks a primary key the application numbers itself (dialog's
	// dlg_id): PRIMARY KEY without auto-increment.
	PK bool
	// MySQLType, when set, replaces the MySQL type derived from Type
	// (xcap.doc is a LONGBLOB there, a BLOB elsewhere).
	MySQLType string
	// SQLiteType, when set, replaces the SQLite type derived from Type
	// (userblacklist's whitelist is TINYINT(1) there).
	SQLiteType string
	// Unsigned marks OpenSIPS' "unsigned int" / "unsigned long" columns;
	// only the MySQL DDL shows it (INT(10) UNSIGNED). Size on an integer
	// column is MySQL's display width.
	Unsigned bool
}

// Index is a unique constraint or a plain index.
type Index struct {
	Name   string
	Cols   []string
	Unique bool
	// SQLiteName, when set, is the constraint's name in SQLite where
	// upstream's script differs (active_watchers).
	SQLiteName string
}

// Table is one table definition.
type Table struct {
	Name string
	// Version is the table_version the 3.x modules expect (0 for the
	// version table itself, which has no row).
	Version int
	// Module is the OpenSIPS module that owns the table.
	Module  string
	Columns []Column
	Indexes []Index
}

// VersionTable is the name of OpenSIPS' version table.
const VersionTable = "version"

// Column returns the definition of column name.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ColumnNames lists the column names in table order.
func (t *Table) ColumnNames() []string {
	n := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		n[i] = c.Name
	}
	return n
}

// Names lists the known tables in creation order: version first.
func Names() []string {
	n := make([]string, len(tables))
	for i, t := range tables {
		n[i] = t.Name
	}
	return n
}

// Lookup returns the definition of a known table.
func Lookup(name string) (*Table, bool) {
	for _, t := range tables {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Resolve returns the definitions of names (all tables when empty), in
// creation order, with the version table always first. Unknown names are an
// error listing the known ones.
func Resolve(names ...string) ([]*Table, error) {
	if len(names) == 0 {
		return slices.Clone(tables), nil
	}
	want := map[string]bool{VersionTable: true}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if _, ok := Lookup(n); !ok {
			return nil, fmt.Errorf("unknown table %q (known: %s)", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var out []*Table
	for _, t := range tables {
		if want[t.Name] {
			out = append(out, t)
		}
	}
	return out, nil
}

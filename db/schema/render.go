package schema

import "strings"

// SQLiteDDL returns the statements that create t in SQLite, shaped like
// OpenSIPS' scripts/sqlite: unique keys as table constraints, other indexes
// as CREATE INDEX.
func (t *Table) SQLiteDDL() []string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(t.Name)
	b.WriteString(" (\n")
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("    ")
		b.WriteString(c.Name)
		b.WriteByte(' ')
		b.WriteString(c.sqliteType())
		if c.Auto {
			b.WriteString(" PRIMARY KEY AUTOINCREMENT NOT NULL")
			continue
		}
		if c.PK {
			b.WriteString(" PRIMARY KEY NOT NULL")
			continue
		}
		if c.Default != "" {
			b.WriteString(" DEFAULT ")
			b.WriteString(c.Default)
		}
		if !c.Null {
			b.WriteString(" NOT NULL")
		}
	}
	for _, ix := range t.Indexes {
		if ix.Unique {
			b.WriteString(",\n    CONSTRAINT ")
			if ix.SQLiteName != "" {
				b.WriteString(ix.SQLiteName)
			} else {
				b.WriteString(ix.Name)
			}
			b.WriteString(" UNIQUE (")
			b.WriteString(strings.Join(ix.Cols, ", "))
			b.WriteString(")")
		}
	}
	b.WriteString("\n)")
	stmts := []string{b.String()}
	for _, ix := range t.Indexes {
		if !ix.Unique {
			name := ix.Name
			if ix.SQLiteName != "" {
				name = ix.SQLiteName
			}
			stmts = append(stmts, "CREATE INDEX "+name+" ON "+t.Name+" ("+strings.Join(ix.Cols, ", ")+")")
		}
	}
	return stmts
}

func (c Column) sqliteType() string {
	if c.SQLiteType != "" {
		return c.SQLiteType
	}
	switch c.Type {
	case Int:
		return "INTEGER"
	case Long:
		// OpenSIPS' scripts give the auto ids INTEGER (SQLite's rowid
		// alias) and the other 64-bit columns BIGINT(size).
		if c.Auto {
			return "INTEGER"
		}
		return sized("BIGINT", c.Size)
	case Short:
		return sized("SMALLINT", c.Size)
	case Float:
		return sized("FLOAT", c.Size)
	case String:
		return sized("CHAR", c.Size)
	case Text:
		return sized("TEXT", c.Size)
	case Blob, LargeBlob:
		return sized("BLOB", c.Size)
	case DateTime:
		return "DATETIME"
	}
	return "TEXT"
}

func sized(t, size string) string {
	if size == "" {
		return t
	}
	return t + "(" + size + ")"
}

// TextType is the db_text header type of a column: datetimes are stored as
// Unix-time ints, as in OpenSIPS' generated dbtext files.
func (c Column) TextType() string {
	switch c.Type {
	case Int, DateTime, Short:
		return "int"
	case Long:
		return "long"
	case Float:
		return "double"
	case Blob, LargeBlob:
		return "blob"
	}
	return "string"
}

// TextHeader returns the db_text header line of t (without the newline),
// e.g. "id(int,auto) username(string) domain(string,null)".
func (t *Table) TextHeader() string {
	var b strings.Builder
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.Name)
		b.WriteByte('(')
		b.WriteString(c.TextType())
		switch {
		case c.Auto:
			b.WriteString(",auto")
		case c.Null:
			b.WriteString(",null")
		}
		b.WriteByte(')')
	}
	return b.String()
}

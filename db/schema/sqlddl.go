package schema

import "strings"

// MySQLDDL returns the statements that create t in MySQL/MariaDB, shaped
// like OpenSIPS' scripts/mysql: CHAR and sized, unsigned integers, an
// InnoDB table, unique keys as constraints and other indexes as CREATE
// INDEX. Index names drop the "table_" prefix, as upstream's do (MySQL
// scopes them to the table).
func (t *Table) MySQLDDL() []string {
	return t.ddl(Column.mysqlType, " AUTO_INCREMENT PRIMARY KEY NOT NULL", " ENGINE=InnoDB", t.mysqlIndexName, nil)
}

// PostgresDDL returns the statements that create t in PostgreSQL, shaped
// like OpenSIPS' scripts/postgres: VARCHAR, SERIAL/BIGSERIAL keys whose
// sequences cycle at 2^31-1, TIMESTAMP WITHOUT TIME ZONE and BYTEA.
func (t *Table) PostgresDDL() []string {
	var seqs []string
	for _, c := range t.Columns {
		if c.Auto {
			seqs = append(seqs, "ALTER SEQUENCE "+t.Name+"_"+strings.ToLower(c.Name)+"_seq MAXVALUE 2147483647 CYCLE")
		}
	}
	return t.ddl(Column.postgresType, " PRIMARY KEY NOT NULL", "", func(n string) string { return n }, seqs)
}

// ddl renders the CREATE TABLE statement, then extra, then the CREATE
// INDEX statements, in upstream's order.
func (t *Table) ddl(typ func(Column) string, auto, suffix string, ixName func(string) string, extra []string) []string {
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
		b.WriteString(typ(c))
		if c.Auto {
			b.WriteString(auto)
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
			b.WriteString(ixName(ix.Name))
			b.WriteString(" UNIQUE (")
			b.WriteString(strings.Join(ix.Cols, ", "))
			b.WriteString(")")
		}
	}
	b.WriteString("\n)")
	b.WriteString(suffix)
	stmts := append([]string{b.String()}, extra...)
	for _, ix := range t.Indexes {
		if !ix.Unique {
			stmts = append(stmts, "CREATE INDEX "+ixName(ix.Name)+" ON "+t.Name+" ("+strings.Join(ix.Cols, ", ")+")")
		}
	}
	return stmts
}

func (t *Table) mysqlIndexName(name string) string {
	if s, ok := strings.CutPrefix(name, t.Name+"_"); ok && s != "" {
		return s
	}
	return name
}

func (c Column) mysqlType() string {
	if c.MySQLType != "" {
		return c.MySQLType
	}
	var s string
	switch c.Type {
	case Int:
		s = sized("INT", c.Size)
	case Long:
		s = sized("BIGINT", c.Size)
	case Short:
		s = sized("SMALLINT", c.Size)
	case Float:
		return sized("FLOAT", c.Size)
	case String:
		return sized("CHAR", c.Size)
	case Text:
		return sized("TEXT", c.Size)
	case Blob:
		return sized("BLOB", c.Size)
	case LargeBlob:
		return "MEDIUMBLOB"
	case DateTime:
		return "DATETIME"
	default:
		return "TEXT"
	}
	if c.Unsigned {
		s += " UNSIGNED"
	}
	return s
}

func (c Column) postgresType() string {
	switch c.Type {
	case Int:
		if c.Auto {
			return "SERIAL"
		}
		return "INTEGER"
	case Long:
		if c.Auto {
			return "BIGSERIAL"
		}
		return "BIGINT"
	case Short:
		return "SMALLINT"
	case Float:
		return "REAL"
	case String:
		return sized("VARCHAR", c.Size)
	case Blob, LargeBlob:
		return "BYTEA"
	case DateTime:
		return "TIMESTAMP WITHOUT TIME ZONE"
	}
	return "TEXT"
}

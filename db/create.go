package db

import (
	"context"
	"errors"
	"fmt"

	"gosips/db/schema"
)

// TableStatus reports what CreateTables did with one table.
type TableStatus struct {
	Name    string
	Created bool
	// Version is the table's version row after the call (0 for the
	// version table and for an existing table without a row).
	Version int
}

// CreateTables creates the named OpenSIPS tables (all known ones when none
// is named; the version table always) unless they exist, and writes the
// version rows of the tables it created. Existing tables and their version
// rows are left alone: an old table must be migrated, not relabelled.
func CreateTables(ctx context.Context, c Conn, tables ...string) ([]TableStatus, error) {
	tc, ok := c.(TableCreator)
	if !ok {
		return nil, fmt.Errorf("create tables: driver %T cannot create tables", c)
	}
	defs, err := schema.Resolve(tables...)
	if err != nil {
		return nil, fmt.Errorf("create tables: %w", err)
	}
	var out []TableStatus
	for _, t := range defs {
		created, err := tc.CreateTable(ctx, t)
		if err != nil {
			return out, fmt.Errorf("create table %s: %w", t.Name, err)
		}
		st := TableStatus{Name: t.Name, Created: created}
		switch {
		case t.Name == schema.VersionTable:
		case created:
			if _, err := c.Upsert(ctx, schema.VersionTable, []string{"table_name"},
				[]string{"table_name", "table_version"},
				[]Value{StringValue(t.Name), IntValue(int64(t.Version))}); err != nil {
				return out, fmt.Errorf("create table %s: version row: %w", t.Name, err)
			}
			st.Version = t.Version
		default:
			v, err := c.TableVersion(ctx, t.Name)
			if err != nil && !errors.Is(err, ErrNoVersion) {
				return out, fmt.Errorf("table %s: %w", t.Name, err)
			}
			st.Version = v
		}
		out = append(out, st)
	}
	return out, nil
}

// ColumnType maps a schema column type to the value type drivers use for
// it: datetimes are Time, the 64-bit ids BigInt, text columns String.
func ColumnType(c schema.Column) Type {
	switch c.Type {
	case schema.Int, schema.Short:
		return Int
	case schema.Long:
		return BigInt
	case schema.Float:
		return Double
	case schema.Blob:
		return Blob
	case schema.DateTime:
		return Time
	}
	return String
}

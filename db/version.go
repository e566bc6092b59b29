package db

import (
	"context"
	"fmt"
)

// QueryVersion reads table's version from the version table vt through c; the
// drivers' TableVersion use it.
func QueryVersion(ctx context.Context, c Conn, vt, table string) (int, error) {
	res, err := c.Query(ctx, vt, []string{"table_version"}, []Cond{Eq("table_name", StringValue(table))}, "", 1)
	if err != nil {
		return 0, fmt.Errorf("version of table %s: %w", table, err)
	}
	if len(res.Rows) == 0 || res.Rows[0][0].Null {
		return 0, fmt.Errorf("table %s: %w in %s", table, ErrNoVersion, vt)
	}
	return int(res.Rows[0][0].Int64()), nil
}

// CheckVersion returns an error unless table's version is want, as OpenSIPS
// modules check at start-up.
func CheckVersion(ctx context.Context, c Conn, table string, want int) error {
	got, err := c.TableVersion(ctx, table)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("table %s has version %d, gosips needs %d (migrate the table and its version row)", table, got, want)
	}
	return nil
}

package sqldb

import (
	"database/sql"
	"strings"

	"gosips/db"
	"gosips/db/schema"
)

// scanAll reads every row of rs into a Result. names, when set, replace
// the column names the server reported (it may have folded their case).
func (d *Dialect) scanAll(rs *sql.Rows, t *schema.Table, names []string) (*db.Result, error) {
	defer rs.Close()
	cts, err := rs.ColumnTypes()
	if err != nil {
		return nil, err
	}
	n := len(cts)
	res := &db.Result{Cols: make([]string, n)}
	info := make([]colInfo, n)
	for i, ct := range cts {
		res.Cols[i] = ct.Name()
		if len(names) == n {
			res.Cols[i] = names[i]
		} else if d.FoldsNames && t != nil {
			res.Cols[i] = schemaName(t, ct.Name())
		}
		dt := ct.DatabaseTypeName()
		info[i] = colInfo{
			t:      d.ColType(dt),
			single: d.Single != nil && d.Single(dt),
			wall:   d.WallClock != nil && d.WallClock(dt),
		}
	}
	raw := make([]any, n)
	ptrs := make([]any, n)
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(db.Row, n)
		for i, src := range raw {
			row[i] = convert(src, info[i])
		}
		clear(raw)
		res.Rows = append(res.Rows, row)
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

func schemaName(t *schema.Table, name string) string {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c.Name
		}
	}
	return name
}

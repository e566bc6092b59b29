package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/go-sql-driver/mysql"

	"gosips/db"
	"gosips/db/internal/sqldb"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want sqldb.Kind
	}{
		{&mysql.MySQLError{Number: 1146}, sqldb.NoTable},
		{fmt.Errorf("x: %w", &mysql.MySQLError{Number: 1054}), sqldb.NoColumn},
		{&mysql.MySQLError{Number: 1062}, sqldb.Duplicate},
		{&mysql.MySQLError{Number: 1927}, sqldb.Broken},
		{&mysql.MySQLError{Number: 1064}, sqldb.Other},
		{driver.ErrBadConn, sqldb.Broken},
		{mysql.ErrInvalidConn, sqldb.Broken},
		{io.EOF, sqldb.Broken},
		{context.DeadlineExceeded, sqldb.Other},
		{errors.New("syntax"), sqldb.Other},
	}
	for _, tc := range tests {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestConfig(t *testing.T) {
	u, _ := db.ParseURL("mysql://opensips:p@ss:w@db.example.com/opensips")
	c, err := Config(u, sqldb.DefaultTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "db.example.com:3306" || c.User != "opensips" || c.Passwd != "p@ss:w" || c.DBName != "opensips" ||
		!c.ParseTime || !c.ClientFoundRows || c.Timeout != sqldb.DefaultTimeout {
		t.Errorf("config %+v", c)
	}
	for _, bad := range []string{"mysql:///x", "mysql://u:p@host"} {
		u, _ := db.ParseURL(bad)
		if _, err := Config(u, 0); err == nil {
			t.Errorf("Config(%q) accepted", bad)
		}
	}
}

package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"

	"gosips/db"
	"gosips/db/internal/sqldb"
	"gosips/db/schema"
)

var dialect = sqldb.Dialect{
	Name: "mysql",
	Quote: func(b []byte, name string) []byte {
		b = append(b, '`')
		b = append(b, name...)
		return append(b, '`')
	},
	Placeholder: func(b []byte, _ int) []byte { return append(b, '?') },
	Prepare:     true,
	Classify:    classify,
	ColType:     colType,
	Single:      func(t string) bool { return t == "FLOAT" || t == "UNSIGNED FLOAT" },
	TableExists: "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?",
	DDL:         (*schema.Table).MySQLDDL,
}

func classify(err error) sqldb.Kind {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case errNoTable:
			return sqldb.NoTable
		case errNoColumn:
			return sqldb.NoColumn
		case errDupEntry:
			return sqldb.Duplicate
		case errShutdown, errConnKilled, errQueryKilled, errClientTimeout:
			return sqldb.Broken
		}
		return sqldb.Other
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return sqldb.Other
	}
	var ne net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, mysql.ErrPktSync),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne):
		return sqldb.Broken
	}
	return sqldb.Other
}

func colType(t string) db.Type {
	t = strings.TrimPrefix(t, "UNSIGNED ")
	switch t {
	case "BIGINT":
		return db.BigInt
	case "INT", "TINYINT", "SMALLINT", "MEDIUMINT", "YEAR", "BIT":
		return db.Int
	case "FLOAT", "DOUBLE", "DECIMAL":
		return db.Double
	case "DATETIME", "TIMESTAMP", "DATE":
		return db.Time
	case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "GEOMETRY":
		return db.Blob
	case "":
		return db.Invalid
	}
	return db.String
}

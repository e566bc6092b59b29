package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"gosips/db"
	"gosips/db/internal/sqldb"
	"gosips/db/schema"
)

var dialect = sqldb.Dialect{
	Name: "postgres",
	// Lower-cased and quoted: the same name as upstream's unquoted DDL
	// gives (binding_URI is binding_uri), and safe for reserved words.
	Quote: func(b []byte, name string) []byte {
		b = append(b, '"')
		for i := 0; i < len(name); i++ {
			c := name[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
		return append(b, '"')
	},
	Placeholder: func(b []byte, n int) []byte {
		b = append(b, '$')
		return strconv.AppendInt(b, int64(n), 10)
	},
	Rebind:      Rebind,
	NullsLow:    true,
	Returning:   true,
	FoldsNames:  true,
	Classify:    classify,
	ColType:     colType,
	Single:      func(t string) bool { return t == "FLOAT4" },
	WallClock:   func(t string) bool { return t == "TIMESTAMP" || t == "DATE" },
	TableExists: "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
	DDL:         (*schema.Table).PostgresDDL,
	TxDDL:       true,
}

// Rebind turns "?" markers into $1, $2, ... outside quoted strings,
// quoted identifiers and comments.
func Rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(q))
			b.WriteString(q[i:end])
			i = end - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func classify(err error) sqldb.Kind {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == codeNoTable:
			return sqldb.NoTable
		case pe.Code == codeNoColumn:
			return sqldb.NoColumn
		case pe.Code == codeUnique:
			return sqldb.Duplicate
		// 57P01-03: the server is shutting down or starting; 08: the
		// connection failed.
		case strings.HasPrefix(pe.Code, "57P"), strings.HasPrefix(pe.Code, "08"):
			return sqldb.Broken
		}
		return sqldb.Other
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return sqldb.Other
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.As(err, &ne), pgconn.SafeToRetry(err), strings.Contains(err.Error(), "conn closed"):
		return sqldb.Broken
	}
	return sqldb.Other
}

func colType(t string) db.Type {
	switch t {
	case "INT8":
		return db.BigInt
	case "INT2", "INT4", "OID", "BOOL":
		return db.Int
	case "FLOAT4", "FLOAT8", "NUMERIC":
		return db.Double
	case "TIMESTAMP", "TIMESTAMPTZ", "DATE":
		return db.Time
	case "BYTEA":
		return db.Blob
	case "":
		return db.Invalid
	}
	return db.String
}

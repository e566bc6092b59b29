package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"gosips/db/internal/sqldb"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a=? AND b>?", "SELECT * FROM t WHERE a=$1 AND b>$2"},
		{"SELECT '?', \"a?\" FROM t WHERE x=?", "SELECT '?', \"a?\" FROM t WHERE x=$1"},
		{"SELECT 'it''s ?' WHERE y=?", "SELECT 'it''s ?' WHERE y=$1"},
		{"SELECT 1 -- why?\nWHERE z=?", "SELECT 1 -- why?\nWHERE z=$1"},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?"},
	}
	for _, tc := range tests {
		if got := Rebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want sqldb.Kind
	}{
		{&pgconn.PgError{Code: "42P01"}, sqldb.NoTable},
		{fmt.Errorf("x: %w", &pgconn.PgError{Code: "42703"}), sqldb.NoColumn},
		{&pgconn.PgError{Code: "23505"}, sqldb.Duplicate},
		{&pgconn.PgError{Code: "57P01"}, sqldb.Broken},
		{&pgconn.PgError{Code: "08006"}, sqldb.Broken},
		{&pgconn.PgError{Code: "22P02"}, sqldb.Other},
		{io.ErrUnexpectedEOF, sqldb.Broken},
		{syscall.ECONNREFUSED, sqldb.Broken},
		{context.DeadlineExceeded, sqldb.Other},
		{errors.New("syntax"), sqldb.Other},
	}
	for _, tc := range tests {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

package db

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw                                     string
		scheme, rest, user, pass, host, port, d string
		err                                     bool
	}{
		{raw: "sqlite:///etc/opensips/opensips.db", scheme: "sqlite", rest: "///etc/opensips/opensips.db"},
		{raw: "text:///tmp/opensipsdb", scheme: "text", rest: "///tmp/opensipsdb"},
		{raw: "text://db", scheme: "text", rest: "//db", host: "db"},
		{raw: "mysql://opensips:opensipsrw@localhost/opensips", scheme: "mysql", rest: "//opensips:opensipsrw@localhost/opensips",
			user: "opensips", pass: "opensipsrw", host: "localhost", d: "opensips"},
		{raw: "MySQL://u:p@[::1]:3306/db", scheme: "mysql", rest: "//u:p@[::1]:3306/db", user: "u", pass: "p", host: "[::1]", port: "3306", d: "db"},
		{raw: "postgres://u@h:5432/x", scheme: "postgres", rest: "//u@h:5432/x", user: "u", host: "h", port: "5432", d: "x"},
		{raw: "/tmp/x.db", err: true},
		{raw: "no-scheme", err: true},
		{raw: "", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			u, err := ParseURL(tc.raw)
			if tc.err {
				if err == nil {
					t.Fatalf("ParseURL(%q) = %+v, want an error", tc.raw, u)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{u.Scheme, u.Rest, u.User, u.Password, u.Host, u.Port, u.Database}
			want := []string{tc.scheme, tc.rest, tc.user, tc.pass, tc.host, tc.port, tc.d}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestMaskURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mysql://opensips:opensipsrw@localhost/opensips", "mysql://opensips:***@localhost/opensips"},
		{"mysql://u:p@ss:w@rd@host/db", "mysql://u:***@host/db"},
		{"mysql://user@host/db", "mysql://user@host/db"},
		{"sqlite:///tmp/a:b@c.db", "sqlite:///tmp/a:b@c.db"},
		{"text:///tmp/db", "text:///tmp/db"},
		{"garbage", "garbage"},
	}
	for _, tc := range tests {
		if got := MaskURL(tc.in); got != tc.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if u, err := ParseURL(tc.in); err == nil && u.String() != tc.want {
			t.Errorf("URL.String(%q) = %q, want %q", tc.in, u.String(), tc.want)
		}
	}
}

func TestOpenUnknownSchemeMasksPassword(t *testing.T) {
	_, err := Open(context.Background(), "mysql://opensips:secret@localhost/opensips")
	if !errors.Is(err, ErrUnknownScheme) {
		t.Fatalf("err = %v, want ErrUnknownScheme", err)
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "opensips:***@localhost") {
		t.Errorf("error does not name the masked URL: %v", err)
	}
	if _, err := Open(context.Background(), "nourl"); err == nil {
		t.Error("Open without scheme succeeded")
	}
}

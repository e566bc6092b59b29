package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"gosips/db"
	_ "gosips/db/all"
	"gosips/db/schema"
)

// dbCommand is "gosips db": database schema tools.
func dbCommand() *cli.Command {
	urlFlag := &cli.StringFlag{Name: "url", Aliases: []string{"u"}, Usage: "database `URL` (sqlite:///path.db or text:///dir)", Required: true}
	tablesFlag := &cli.StringSliceFlag{Name: "tables", Aliases: []string{"t"}, Usage: "comma-separated `TABLES` (default: all known)"}
	return &cli.Command{
		Name:  "db",
		Usage: "create and inspect the OpenSIPS tables gosips uses",
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "create the tables (and their version rows) that do not exist yet",
				ArgsUsage: " ",
				Flags:     []cli.Flag{urlFlag, tablesFlag},
				Action: func(c *cli.Context) error {
					return dbCreate(c.Context, c.App.Writer, c.String("url"), splitTables(c.StringSlice("tables")))
				},
			},
			{
				Name:  "version",
				Usage: "show the version rows of the tables against what gosips expects",
				Flags: []cli.Flag{urlFlag, tablesFlag},
				Action: func(c *cli.Context) error {
					return dbVersions(c.Context, c.App.Writer, c.String("url"), splitTables(c.StringSlice("tables")))
				},
			},
			{
				Name:  "tables",
				Usage: "list the known tables and their versions",
				Action: func(c *cli.Context) error {
					for _, n := range schema.Names() {
						t, _ := schema.Lookup(n)
						fmt.Fprintf(c.App.Writer, "%-12s %5d  %s\n", t.Name, t.Version, t.Module)
					}
					return nil
				},
			},
		},
	}
}

func splitTables(in []string) []string {
	var out []string
	for _, s := range in {
		for _, t := range strings.Split(s, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// dbError makes an exit-1 error that names the URL, password masked.
func dbError(op, rawURL string, err error) error {
	msg := err.Error()
	if m := db.MaskURL(rawURL); !strings.Contains(msg, m) {
		msg = m + ": " + msg
	}
	return &exitError{code: 1, msg: "db " + op + ": " + msg}
}

func dbCreate(ctx context.Context, w io.Writer, rawURL string, tables []string) error {
	if _, err := schema.Resolve(tables...); err != nil {
		return dbError("create", rawURL, err)
	}
	wd, _ := os.Getwd()
	conn, err := db.Open(ctx, rawURL, db.WithCreate(), db.WithBaseDir(wd))
	if err != nil {
		return dbError("create", rawURL, err)
	}
	defer conn.Close()
	sts, err := db.CreateTables(ctx, conn, tables...)
	for _, st := range sts {
		switch {
		case st.Created && st.Version > 0:
			fmt.Fprintf(w, "created table %s (version %d)\n", st.Name, st.Version)
		case st.Created:
			fmt.Fprintf(w, "created table %s\n", st.Name)
		case st.Version > 0:
			fmt.Fprintf(w, "table %s exists (version %d)\n", st.Name, st.Version)
		case st.Name == schema.VersionTable:
			fmt.Fprintf(w, "table %s exists\n", st.Name)
		default:
			fmt.Fprintf(w, "table %s exists (no version row)\n", st.Name)
		}
	}
	if err != nil {
		return dbError("create", rawURL, err)
	}
	return nil
}

func dbVersions(ctx context.Context, w io.Writer, rawURL string, tables []string) error {
	defs, err := schema.Resolve(tables...)
	if err != nil {
		return dbError("version", rawURL, err)
	}
	base, _ := filepath.Abs(".")
	conn, err := db.Open(ctx, rawURL, db.WithBaseDir(base))
	if err != nil {
		return dbError("version", rawURL, err)
	}
	defer conn.Close()
	bad := 0
	for _, t := range defs {
		if t.Name == schema.VersionTable {
			continue
		}
		got, err := conn.TableVersion(ctx, t.Name)
		switch {
		case err != nil:
			bad++
			fmt.Fprintf(w, "%-12s want %4d  error: %v\n", t.Name, t.Version, err)
		case got != t.Version:
			bad++
			fmt.Fprintf(w, "%-12s want %4d  have %d (migrate)\n", t.Name, t.Version, got)
		default:
			fmt.Fprintf(w, "%-12s want %4d  ok\n", t.Name, t.Version)
		}
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("db version: %d table(s) missing or at another version in %s", bad, db.MaskURL(rawURL))}
	}
	return nil
}

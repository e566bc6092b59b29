package main

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gosips/db"
)

// userCommand is "gosips user": subscriber rows as opensips-cli's user
// module writes them (username, domain, ha1, ha1_sha256, ha1_sha512t256;
// the clear-text password only with --plain-text).
func userCommand() *cli.Command {
	urlFlag := &cli.StringFlag{Name: "url", Aliases: []string{"u"}, Usage: "database `URL` holding the subscriber table", Required: true}
	domainFlag := &cli.StringFlag{Name: "domain", Aliases: []string{"d"}, Usage: "`DOMAIN` for a user given without @domain", Value: "localhost"}
	plainFlag := &cli.BoolFlag{Name: "plain-text", Usage: "also store the clear-text password (opensips-cli plain_text_passwords)"}
	tableFlag := &cli.StringFlag{Name: "table", Usage: "subscriber `TABLE`", Value: "subscriber"}
	return &cli.Command{
		Name:  "user",
		Usage: "add, change or remove SIP users (subscriber rows, as opensips-cli user)",
		Subcommands: []*cli.Command{
			{
				Name: "add", Usage: "add a user", ArgsUsage: "USER[@DOMAIN] [PASSWORD]",
				Flags:  []cli.Flag{urlFlag, domainFlag, plainFlag, tableFlag},
				Action: func(c *cli.Context) error { return userAction(c, "add") },
			},
			{
				Name: "passwd", Usage: "change a user's password", ArgsUsage: "USER[@DOMAIN] [PASSWORD]",
				Flags:  []cli.Flag{urlFlag, domainFlag, plainFlag, tableFlag},
				Action: func(c *cli.Context) error { return userAction(c, "passwd") },
			},
			{
				Name: "rm", Usage: "remove a user", ArgsUsage: "USER[@DOMAIN]",
				Flags:  []cli.Flag{urlFlag, domainFlag, tableFlag},
				Action: func(c *cli.Context) error { return userAction(c, "rm") },
			},
		},
	}
}

// userCreds are the subscriber columns derived from a password.
func userCreds(user, domain, password string) (ha1, ha1sha256, ha1sha512t256 string) {
	in := []byte(user + ":" + domain + ":" + password)
	m := md5.Sum(in)
	s := sha256.Sum256(in)
	t := sha512.Sum512_256(in)
	return hex.EncodeToString(m[:]), hex.EncodeToString(s[:]), hex.EncodeToString(t[:])
}

func userAction(c *cli.Context, op string) error {
	args := c.Args().Slice()
	want := 1
	if op != "rm" {
		want = 2
	}
	if len(args) < 1 || len(args) > want {
		return &exitError{code: 2, msg: fmt.Sprintf("user %s: want %s", op, c.Command.ArgsUsage)}
	}
	user, domain, ok := strings.Cut(args[0], "@")
	if !ok {
		domain = c.String("domain")
	}
	if user == "" || domain == "" {
		return &exitError{code: 2, msg: fmt.Sprintf("user %s: bad user %q", op, args[0])}
	}
	password := ""
	if op != "rm" {
		if len(args) == 2 {
			password = args[1]
		} else {
			p, err := readPassword(c.App.Reader, c.App.ErrWriter)
			if err != nil {
				return &exitError{code: 2, msg: err.Error()}
			}
			password = p
		}
		if password == "" {
			return &exitError{code: 2, msg: "empty password"}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, c.String("url"))
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	defer conn.Close()
	table := c.String("table")
	where := []db.Cond{db.Eq("username", db.StringValue(user)), db.Eq("domain", db.StringValue(domain))}
	res, err := conn.Query(ctx, table, []string{"username"}, where, "", 1)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("user %s: %v", op, err)}
	}
	exists := len(res.Rows) > 0
	ha1, s256, s512 := userCreds(user, domain, password)
	plain := ""
	if c.Bool("plain-text") {
		plain = password
	}
	cols := []string{"password", "ha1", "ha1_sha256", "ha1_sha512t256"}
	vals := []db.Value{db.StringValue(plain), db.StringValue(ha1), db.StringValue(s256), db.StringValue(s512)}
	switch op {
	case "add":
		if exists {
			return &exitError{code: 1, msg: fmt.Sprintf("user %s@%s already exists", user, domain)}
		}
		_, err = conn.Insert(ctx, table, append([]string{"username", "domain"}, cols...),
			append([]db.Value{db.StringValue(user), db.StringValue(domain)}, vals...))
	case "passwd":
		if !exists {
			return &exitError{code: 1, msg: fmt.Sprintf("user %s@%s does not exist", user, domain)}
		}
		_, err = conn.Update(ctx, table, where, cols, vals)
	case "rm":
		if !exists {
			return &exitError{code: 1, msg: fmt.Sprintf("user %s@%s does not exist", user, domain)}
		}
		_, err = conn.Delete(ctx, table, where)
	}
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("user %s: %v", op, err)}
	}
	return nil
}

// readPassword reads the password from the first line of r (a terminal
// or a pipe).
func readPassword(r io.Reader, w io.Writer) (string, error) {
	fmt.Fprint(w, "Password: ")
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no password given")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

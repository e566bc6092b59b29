// Command gosips is an OpenSIPS-compatible SIP server driven by an
// opensips.cfg script.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	_ "gosips/modules/all"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// exitError carries a process exit status.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func newApp() *cli.App {
	return &cli.App{
		Name:            "gosips",
		Usage:           "an OpenSIPS-compatible SIP server scripted by opensips.cfg",
		Version:         version,
		HideHelpCommand: true,
		Commands: []*cli.Command{
			runCommand(),
			checkCommand(),
			dbCommand(),
			miCommand(),
			userCommand(),
			portCommand(),
			fmtCommand(),
			traceCommand(),
			lspCommand(),
			versionCommand(),
		},
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return &exitError{code: 2, msg: err.Error()}
		},
	}
}

func main() {
	if err := newApp().Run(os.Args); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "gosips:", ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "gosips:", err)
		os.Exit(2)
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "gosips %s\n", version)
			return nil
		},
	}
}

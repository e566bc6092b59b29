package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"gosips/port"
)

// portCommand rewrites a legacy config in OpenSIPS 3.x syntax.
func portCommand() *cli.Command {
	return &cli.Command{
		Name:      "port",
		Usage:     "rewrite an OpenSER/OpenSIPS 1.x-2.x config in OpenSIPS 3.x syntax",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the result to `OUT` (default: standard output)"},
			&cli.StringFlag{Name: "to", Value: "3.x", Usage: "target `RELEASE`: 3.x (what gosips runs) or 3.0 to 3.6"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return &exitError{code: 2, msg: "port: give exactly one config FILE"}
			}
			target, err := port.ParseTarget(c.String("to"))
			if err != nil {
				return &exitError{code: 2, msg: "port: " + err.Error()}
			}
			res, err := port.File(c.Args().First(), port.Options{Target: target})
			if err != nil {
				return &exitError{code: 2, msg: "port: " + err.Error()}
			}
			if out := c.String("output"); out != "" {
				if err := os.WriteFile(out, res.Output, 0o644); err != nil {
					return &exitError{code: 2, msg: fmt.Sprintf("port: writing %s: %v", out, err)}
				}
			} else if _, err := c.App.Writer.Write(res.Output); err != nil {
				return &exitError{code: 2, msg: fmt.Sprintf("port: %v", err)}
			}
			for _, f := range res.Findings {
				fmt.Fprintln(c.App.ErrWriter, f)
			}
			if res.Manual() {
				return &exitError{code: 1}
			}
			return nil
		},
	}
}

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"gosips/trace"
)

func traceCommand() *cli.Command {
	return &cli.Command{
		Name:      "trace",
		Usage:     "run SIP messages through a config with no sockets opened, printing every step",
		ArgsUsage: "MSGFILE|TEMPLATE... (templates: " + strings.Join(trace.Templates, ", ") + ", each with an optional :user)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "config `FILE`", Required: true},
			&cli.StringSliceFlag{Name: "msg", Usage: "a message `TEMPLATE` to trace after the files (repeatable)"},
			&cli.StringFlag{Name: "route", Usage: "run route[`NAME`] instead of the main route"},
			&cli.StringFlag{Name: "from", Usage: "the messages come from `[PROTO:]IP:PORT`", Value: "udp:127.0.0.1:5080"},
			&cli.StringSliceFlag{Name: "set", Usage: "set `PV=VALUE` before the route runs (repeatable)"},
			&cli.StringFlag{Name: "db", Usage: "use database `URL` for every db_url modparam"},
			&cli.IntFlag{Name: "reply", Usage: "answer each relayed request with `CODE` (runs onreply/failure routes)"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON lines"},
			&cli.StringSliceFlag{Name: "listen", Aliases: []string{"l"}, Usage: "use `proto:ip:port` instead of the script's sockets (as run -l)"},
		},
		Action: func(c *cli.Context) error {
			var inputs []trace.Input
			for _, a := range c.Args().Slice() {
				if _, err := os.Stat(a); err != nil && trace.IsTemplate(a) {
					inputs = append(inputs, trace.Input{Name: a})
					continue
				}
				raw, err := os.ReadFile(a)
				if err != nil {
					return &exitError{code: 2, msg: err.Error()}
				}
				inputs = append(inputs, trace.Input{Name: a, Raw: raw})
			}
			for _, m := range c.StringSlice("msg") {
				if !trace.IsTemplate(m) {
					return &exitError{code: 2, msg: fmt.Sprintf("--msg %q: want one of %s", m, strings.Join(trace.Templates, ", "))}
				}
				inputs = append(inputs, trace.Input{Name: m})
			}
			if len(inputs) == 0 {
				return &exitError{code: 2, msg: "trace needs a message file or --msg TEMPLATE"}
			}
			_, err := trace.Run(trace.Options{
				Config: c.String("file"), Listen: c.StringSlice("listen"), Route: c.String("route"),
				From: c.String("from"), Set: c.StringSlice("set"), DB: c.String("db"), Reply: c.Int("reply"),
				JSON: c.Bool("json"), Out: c.App.Writer, Version: version,
			}, inputs)
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return nil
		},
	}
}

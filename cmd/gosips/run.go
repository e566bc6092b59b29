package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"gosips/lang"
	"gosips/lang/diag"
	"gosips/runtime"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run the SIP server with a config file (foreground)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "config `FILE`", Value: "opensips.cfg"},
			&cli.StringSliceFlag{Name: "listen", Aliases: []string{"l"}, Usage: "extra socket `proto:ip:port` (repeatable)"},
		},
		Action: func(c *cli.Context) error {
			path := c.String("file")
			f, diags := lang.ParseFile(path, lang.Options{})
			if !diags.HasErrors() {
				var cd diag.List
				var s *runtime.Script
				s, cd = runtime.Compile(f, runtime.Options{ConfigDir: filepath.Dir(path)})
				diags = append(diags, cd...)
				if s != nil {
					defer s.Close()
				}
			}
			diags.Sort()
			if diags.HasErrors() {
				writeText(c.App.ErrWriter, f, capErrors(diags.Errors(), maxErrors))
				return &exitError{code: 1, msg: fmt.Sprintf("%s: the script does not check; not starting", path)}
			}
			return &exitError{code: 1, msg: "the SIP runtime is not implemented yet"}
		},
	}
}

package main

import (
	"github.com/urfave/cli/v2"

	"gosips/api"
	"gosips/lsp"
)

func lspCommand() *cli.Command {
	return &cli.Command{
		Name:  "lsp",
		Usage: "run the opensips.cfg language server on standard input and output (for editors)",
		Action: func(c *cli.Context) error {
			if err := lsp.New(api.Default(), version).RunStdio(); err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return nil
		},
	}
}

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"gosips/lang/format"
)

func fmtCommand() *cli.Command {
	return &cli.Command{
		Name:      "fmt",
		Usage:     "lay out config files canonically (prints to stdout unless -w or --check)",
		ArgsUsage: "[FILE...] (standard input when none)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "w", Usage: "rewrite the files in place (atomically)"},
			&cli.BoolFlag{Name: "check", Usage: "list the files that would change and exit 1 if any"},
		},
		Action: func(c *cli.Context) error {
			write, check := c.Bool("w"), c.Bool("check")
			if c.NArg() == 0 {
				if write {
					return &exitError{code: 2, msg: "fmt -w needs file names"}
				}
				src, err := io.ReadAll(os.Stdin)
				if err != nil {
					return &exitError{code: 2, msg: err.Error()}
				}
				out, err := format.Source("<stdin>", src)
				if err != nil {
					return &exitError{code: 2, msg: err.Error()}
				}
				if check {
					if !bytes.Equal(out, src) {
						fmt.Fprintln(c.App.Writer, "<stdin>")
						return &exitError{code: 1}
					}
					return nil
				}
				_, err = c.App.Writer.Write(out)
				return err
			}
			changed, failed := 0, 0
			for _, path := range c.Args().Slice() {
				src, err := os.ReadFile(path)
				if err != nil {
					fmt.Fprintln(c.App.ErrWriter, "gosips fmt:", err)
					failed++
					continue
				}
				out, err := format.Source(path, src)
				if err != nil {
					fmt.Fprintln(c.App.ErrWriter, "gosips fmt:", err)
					failed++
					continue
				}
				same := bytes.Equal(out, src)
				if !same {
					changed++
				}
				switch {
				case write:
					if !same {
						if err := format.WriteFile(path, out); err != nil {
							fmt.Fprintln(c.App.ErrWriter, "gosips fmt:", err)
							failed++
						}
					}
					if check && !same {
						fmt.Fprintln(c.App.Writer, path)
					}
				case check:
					if !same {
						fmt.Fprintln(c.App.Writer, path)
					}
				default:
					if _, err := c.App.Writer.Write(out); err != nil {
						return err
					}
				}
			}
			switch {
			case failed > 0:
				return &exitError{code: 2}
			case check && changed > 0:
				return &exitError{code: 1}
			}
			return nil
		},
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"gosips/mi"
)

// miTarget says where "gosips mi" sends its request.
type miTarget struct {
	url      string
	fifo     string
	replyDir string
	timeout  time.Duration
}

func miCommand() *cli.Command {
	return &cli.Command{
		Name:      "mi",
		Usage:     "run a management command on a running server",
		ArgsUsage: "CMD [ARG ... | name=value ...]",
		// "help" is the server's MI command, not this tool's help.
		HideHelpCommand: true,
		Description: "Sends CMD as a JSON-RPC request over mi_http (--url, the default) or mi_fifo\n" +
			"(--fifo) and prints the result as JSON. Arguments are positional unless all\n" +
			"are name=value; values are sent as strings, as opensips-cli does.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Usage: "mi_http `URL`", Value: fmt.Sprintf("http://%s:%d/%s", mi.DefaultHTTPIP, mi.DefaultHTTPPort, mi.DefaultRoot)},
			&cli.StringFlag{Name: "fifo", Usage: "mi_fifo `PATH` (instead of --url), e.g. " + mi.DefaultFIFO},
			&cli.StringFlag{Name: "reply-dir", Usage: "`DIR` for the reply fifo", Value: mi.DefaultReplyDir},
			&cli.DurationFlag{Name: "timeout", Usage: "give up after `DURATION`", Value: 30 * time.Second},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return &exitError{code: 2, msg: "mi: missing command (try \"gosips mi which\")"}
			}
			t := miTarget{url: c.String("url"), fifo: c.String("fifo"),
				replyDir: c.String("reply-dir"), timeout: c.Duration("timeout")}
			args := c.Args().Slice()
			return runMI(c.Context, c.App.Writer, t, args[0], args[1:])
		},
	}
}

// runMI sends one command and prints its result, indented. A JSON-RPC error
// is exit status 1 with "code: message (data)".
func runMI(ctx context.Context, w io.Writer, t miTarget, cmd string, args []string) error {
	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	params := mi.CLIParams(cmd, args)
	var res json.RawMessage
	var err error
	if t.fifo != "" {
		res, err = mi.CallFIFO(ctx, t.fifo, t.replyDir, cmd, params)
	} else {
		res, err = mi.CallHTTP(ctx, nil, t.url, cmd, params)
	}
	if err != nil {
		var me *mi.Error
		if errors.As(err, &me) {
			return &exitError{code: 1, msg: me.Error()}
		}
		return &exitError{code: 1, msg: err.Error()}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, res, "", "    "); err != nil {
		out.Reset()
		out.Write(res)
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

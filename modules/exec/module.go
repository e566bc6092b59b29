// Package exec runs external commands from the script through /bin/sh,
// with the message's data on stdin or in the environment, and their output
// in variables.
package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	osexec "os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// maxOutput is how much of a command's stdout or stderr is kept (OpenSIPS
// reads up to 32 KB).
const maxOutput = 32 * 1024

func init() {
	api.Register(api.ModuleInfo{Name: "exec", Doc: "external commands", New: func() api.Module { return &Exec{} }})
}

// Exec is one instance of the exec module.
type Exec struct {
	// TimeToKill is time_to_kill in seconds: the longest a command may
	// run before its process group gets SIGTERM (0: no limit).
	TimeToKill int
	// SetVars is setvars: pass the SIP_* environment variables.
	SetVars int

	log     *slog.Logger
	running sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// Params lists exec's parameters.
func (e *Exec) Params() []api.Param {
	return []api.Param{api.IntParam("time_to_kill", &e.TimeToKill), api.IntParam("setvars", &e.SetVars)}
}

// Init keeps the logger and makes the context that ends running commands
// at shutdown.
func (e *Exec) Init(ic *api.InitCtx) error {
	if e.TimeToKill < 0 {
		return fmt.Errorf("time_to_kill must not be negative")
	}
	e.log = ic.Log
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return nil
}

// Close stops the commands still running and waits for them.
func (e *Exec) Close() error {
	if e.cancel != nil {
		e.cancel()
	}
	e.running.Wait()
	return nil
}

// Funcs lists exec's functions (OpenSIPS 3.6 exec_mod.c) and the 2.x
// names, kept working as legacy forms.
func (e *Exec) Funcs() []api.Func {
	routes := api.RequestRoute | api.FailureRoute | api.LocalRoute | api.StartupRoute | api.TimerRoute | api.EventRoute | api.OnReplyRoute
	optVar := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgVar, Optional: true, Writable: true} }
	return []api.Func{
		{Name: "exec", Routes: routes, Async: true, Returns: "1 command started (and its output read), -1 error",
			Args: []api.Arg{{Name: "command", Type: api.ArgStr}, {Name: "stdin", Type: api.ArgStr, Optional: true},
				optVar("stdout"), optVar("stderr"), {Name: "envavp", Type: api.ArgVar, Optional: true}},
			Call: e.exec},
		{Name: "exec_msg", Routes: routes &^ api.StartupRoute, Legacy: `exec("command", "$mb")`,
			Args: []api.Arg{{Name: "command", Type: api.ArgStr}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				in := ""
				if c.Msg != nil {
					in = c.Msg.String()
				}
				return e.run(c, a[0].(string), in, nil, nil, nil)
			}},
		{Name: "exec_dset", Routes: api.RequestRoute | api.FailureRoute, Legacy: `exec("command '$ru'", , $var(out)) and set $ru from the output`,
			Args: []api.Arg{{Name: "command", Type: api.ArgStr}},
			Call: e.execDset},
		{Name: "exec_avp", Routes: routes, Legacy: `exec("command", , $avp(out))`,
			Args: []api.Arg{{Name: "command", Type: api.ArgStr}, {Name: "avplist", Type: api.ArgStr, Optional: true, NoExpand: true}},
			Call: e.execAVP},
	}
}

func (e *Exec) exec(c *api.Ctx, a []any) api.Ret {
	in := ""
	if a[1] != nil {
		in = a[1].(string)
	}
	var out, errv api.PVRef
	if a[2] != nil {
		out = a[2].(api.PVRef)
	}
	if a[3] != nil {
		errv = a[3].(api.PVRef)
	}
	var env []string
	if a[4] != nil {
		vals, ok := pv.AVPValues(c, a[4].(api.PVRef))
		if !ok {
			c.Log.Error("exec: envavp must be an $avp", "var", a[4].(api.PVRef).Name())
			return api.RetFalse
		}
		for i, v := range vals {
			env = append(env, fmt.Sprintf("OSIPS_EXEC_%d=%s", i, valueString(v)))
		}
	}
	return e.run(c, a[0].(string), in, out, errv, env)
}

// run starts "/bin/sh -c cmd". With no output variable it does not wait
// (the command is reaped in the background); otherwise it returns once
// the command closed its output streams, or time_to_kill expired.
func (e *Exec) run(c *api.Ctx, cmd, stdin string, out, errv api.PVRef, env []string) api.Ret {
	res, err := e.start(c, cmd, stdin, out != nil || errv != nil, env)
	if err != nil {
		c.Log.Error("exec: cannot run command", "cmd", cmd, "err", err)
		return api.RetFalse
	}
	if res == nil {
		return api.RetTrue
	}
	if out != nil && res.stdout.Len() > 0 {
		if err := out.Set(c, api.StrValue(res.stdout.String())); err != nil {
			c.Log.Error("exec: cannot set stdout variable", "var", out.Name(), "err", err)
			return api.RetFalse
		}
	}
	if errv != nil && res.stderr.Len() > 0 {
		if err := errv.Set(c, api.StrValue(res.stderr.String())); err != nil {
			c.Log.Error("exec: cannot set stderr variable", "var", errv.Name(), "err", err)
			return api.RetFalse
		}
	}
	if res.killed {
		c.Log.Warn("exec: command killed after time_to_kill", "cmd", cmd, "seconds", e.TimeToKill)
	}
	return api.RetTrue
}

type result struct {
	stdout, stderr limitedBuffer
	killed         bool
}

// start runs the command; when wait is false it returns a nil result as
// soon as the process started.
func (e *Exec) start(c *api.Ctx, cmdline, stdin string, wait bool, extraEnv []string) (*result, error) {
	parent := e.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := parent, context.CancelFunc(func() {})
	if e.TimeToKill > 0 {
		ctx, cancel = context.WithTimeout(parent, time.Duration(e.TimeToKill)*time.Second)
	}
	cmd := osexec.CommandContext(ctx, "/bin/sh", "-c", cmdline)
	// Own process group, so that time_to_kill ends the whole job and not
	// only the shell (dash forks its children).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = time.Second
	if e.SetVars != 0 || len(extraEnv) > 0 {
		cmd.Env = os.Environ()
		if e.SetVars != 0 && c.Msg != nil {
			cmd.Env = append(cmd.Env, sipEnv(c)...)
		}
		cmd.Env = append(cmd.Env, extraEnv...)
	}
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	res := &result{}
	if wait {
		cmd.Stdout, cmd.Stderr = &res.stdout, &res.stderr
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	finish := func() error {
		defer cancel()
		err := cmd.Wait()
		res.killed = errors.Is(ctx.Err(), context.DeadlineExceeded)
		return err
	}
	if !wait {
		e.running.Add(1)
		go func() {
			defer e.running.Done()
			if err := finish(); err != nil && res.killed && e.log != nil {
				e.log.Warn("exec: command killed after time_to_kill", "cmd", cmdline)
			}
		}()
		return nil, nil
	}
	var exitErr *osexec.ExitError
	if err := finish(); err != nil && !errors.As(err, &exitErr) && !errors.Is(err, osexec.ErrWaitDelay) {
		return nil, err
	}
	return res, nil
}

// execDset is the 2.x exec_dset(): the R-URI is appended to the command
// line and each output line becomes a branch (the first one the R-URI).
func (e *Exec) execDset(c *api.Ctx, a []any) api.Ret {
	ruri := c.RURI()
	res, err := e.start(c, a[0].(string)+" "+ruri, "", true, nil)
	if err != nil {
		c.Log.Error("exec: cannot run command", "cmd", a[0], "err", err)
		return api.RetFalse
	}
	lines := outputLines(res.stdout.String())
	if len(lines) == 0 {
		return api.RetFalse
	}
	c.Msg.SetRURI(lines[0])
	for _, l := range lines[1:] {
		c.Branches = append(c.Branches, api.Branch{URI: l, Q: -1})
	}
	return api.RetTrue
}

// execAVP is the 2.x exec_avp(): output line N goes to the Nth AVP of the
// list, or to $avp(N) past its end.
func (e *Exec) execAVP(c *api.Ctx, a []any) api.Ret {
	res, err := e.start(c, a[0].(string), "", true, nil)
	if err != nil {
		c.Log.Error("exec: cannot run command", "cmd", a[0], "err", err)
		return api.RetFalse
	}
	var names []string
	if a[1] != nil {
		for _, f := range strings.FieldsFunc(a[1].(string), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
			f = strings.TrimSuffix(strings.TrimPrefix(f, "$avp("), ")")
			names = append(names, f)
		}
	}
	h, _ := c.Priv.(pv.AVPHolder)
	if h == nil || h.AVPs() == nil {
		return api.RetFalse
	}
	for i, l := range outputLines(res.stdout.String()) {
		name := fmt.Sprint(i + 1)
		if i < len(names) {
			name = names[i]
		}
		h.AVPs().Push(name, api.StrValue(l))
	}
	return api.RetTrue
}

func outputLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// sipEnv builds the SIP_* variables setvars passes: every header as
// SIP_HF_<NAME> (values of repeated headers comma-joined, compact names
// expanded), the transaction and dialog ids, source IP and R-URIs.
func sipEnv(c *api.Ctx) []string {
	m := c.Msg
	var env []string
	var order []string
	vals := map[string][]string{}
	for _, h := range m.Fields() {
		name := strings.ToUpper(sip.CanonicalName(h.Name))
		name = strings.ReplaceAll(name, "-", "_")
		if _, ok := vals[name]; !ok {
			order = append(order, name)
		}
		vals[name] = append(vals[name], h.Value)
	}
	for _, n := range order {
		env = append(env, "SIP_HF_"+n+"="+strings.Join(vals[n], ","))
	}
	tid := ""
	if v, ok := m.HeaderOf(sip.HdrVia, "Via"); ok {
		if i := strings.Index(v, "branch="); i >= 0 {
			tid = v[i+7:]
			if j := strings.IndexAny(tid, ";, "); j >= 0 {
				tid = tid[:j]
			}
		}
	}
	did := ""
	if to, ok := m.HeaderOf(sip.HdrTo, "To"); ok {
		if i := strings.Index(to, "tag="); i >= 0 {
			did = to[i+4:]
			if j := strings.IndexAny(did, ";, >"); j >= 0 {
				did = did[:j]
			}
		}
	}
	src := ""
	if r := m.Recv(); r != nil {
		src = r.Src.Addr().String()
	}
	user := func(uri string) string {
		u, err := sip.ParseURI(uri)
		if err != nil {
			return ""
		}
		return u.User
	}
	return append(env,
		"SIP_TID="+tid, "SIP_DID="+did, "SIP_SRCIP="+src,
		"SIP_ORURI="+m.OrigRURI(), "SIP_RURI="+m.RURI(),
		"SIP_USER="+user(m.RURI()), "SIP_OUSER="+user(m.OrigRURI()))
}

func valueString(v api.Value) string {
	if v.IsStr() {
		return v.S
	}
	if v.IsInt() {
		return fmt.Sprint(v.I)
	}
	return ""
}

// limitedBuffer keeps the first maxOutput bytes written and drops the
// rest, so a chatty command cannot exhaust memory.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

var (
	_ api.Module = (*Exec)(nil)
	_ api.Initer = (*Exec)(nil)
	_ api.Closer = (*Exec)(nil)
	_ io.Writer  = (*limitedBuffer)(nil)
)

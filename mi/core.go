package mi

import (
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"time"

	"gosips/api"
)

// ServerString is the "Server" value of the version command, shaped as
// OpenSIPS's "OpenSIPS (3.6.2 (x86_64/linux))".
func ServerString(version string) string {
	return fmt.Sprintf("gosips (%s (%s/%s))", version, goruntime.GOARCH, goruntime.GOOS)
}

// ctimeLayout is C's ctime() without the newline, which OpenSIPS prints.
const ctimeLayout = "Mon Jan _2 15:04:05 2006"

// Version is "version": {"Server": server}; with the "revision" parameter
// the build's revision is added under "git" when known.
func Version(server, revision string) api.MICommand {
	return api.MICommand{
		Name: "version", Aliases: []string{"core:version"},
		Help:    "the version of the running server",
		Recipes: [][]string{{}, {"revision"}},
		Handler: func(_ context.Context, p api.MIParams) (any, error) {
			o := Object{{"Server", server}}
			if _, ok := p["revision"]; ok && revision != "" {
				o.Add("git", revision)
			}
			return o, nil
		},
	}
}

// Uptime is "uptime": {"Now": ctime, "Up since": ctime, "Up time": "N [sec]"}.
// now may be nil (time.Now).
func Uptime(start time.Time, now func() time.Time) api.MICommand {
	if now == nil {
		now = time.Now
	}
	return api.MICommand{
		Name: "uptime", Aliases: []string{"core:uptime"},
		Help:    "when the server started and how long it has run",
		Recipes: [][]string{{}},
		Handler: func(context.Context, api.MIParams) (any, error) {
			t := now()
			return Object{
				{"Now", t.Format(ctimeLayout)},
				{"Up since", start.Format(ctimeLayout)},
				{"Up time", fmt.Sprintf("%d [sec]", int64(t.Sub(start)/time.Second))},
			}, nil
		},
	}
}

// Which is "which": without parameters the list of command names; with
// "command" that command's recipes, as arrays of parameter names.
func Which(d *Dispatcher) api.MICommand {
	return api.MICommand{
		Name: "which", Aliases: []string{"core:which"},
		Help:    "the MI commands, or the parameter sets of one",
		Recipes: [][]string{{}, {"command"}},
		Handler: func(_ context.Context, p api.MIParams) (any, error) {
			if _, ok := p["command"]; !ok {
				return d.Names(), nil
			}
			name, err := Str(p, "command")
			if err != nil {
				return nil, err
			}
			recipes, ok := d.Recipes(name)
			if !ok {
				return nil, &api.MIError{Code: 404, Msg: "unknown MI command"}
			}
			out := make([][]string, len(recipes))
			for i, r := range recipes {
				out[i] = append([]string{}, r...)
			}
			return out, nil
		},
	}
}

// proc is one "ps" entry.
type proc struct {
	ID   int    `json:"ID"`
	PID  int    `json:"PID"`
	Type string `json:"Type"`
}

// PS is "ps": {"Processes":[{"ID":0,"PID":...,"Type":"..."}]}. gosips is
// one process, so procs lists its worker pools (e.g. "SIP receiver udp:...",
// "MI FIFO", "HTTPD 127.0.0.1:8888", "timer"); all share the process id.
func PS(procs func() []string) api.MICommand {
	return api.MICommand{
		Name: "ps", Aliases: []string{"core:ps"},
		Help:    "the worker pools of the process",
		Recipes: [][]string{{}},
		Handler: func(context.Context, api.MIParams) (any, error) {
			pid := os.Getpid()
			list := []proc{}
			for i, t := range procs() {
				list = append(list, proc{ID: i, PID: pid, Type: t})
			}
			return struct {
				Processes []proc `json:"Processes"`
			}{list}, nil
		},
	}
}

// LogLevels gets and sets the log level on OpenSIPS's scale (-3 alert,
// -2 critical, -1 error, 1 warning, 2 notice, 3 info, 4 debug).
type LogLevels struct {
	Get   func() int
	Set   func(level int) error
	Procs func() []string // as for PS
}

// levelProc is one entry of "log_level" without parameters.
type levelProc struct {
	PID   int    `json:"PID"`
	Level int    `json:"Log level"`
	Type  string `json:"Type"`
}

// LogLevel is "log_level": without parameters every process's level; with
// "level" sets the global level ({"New global log level": N}); with
// "level" and "pid" sets it for a process, which in gosips is the one
// process ({"Log level": N}).
func LogLevel(l LogLevels) api.MICommand {
	return api.MICommand{
		Name: "log_level", Aliases: []string{"core:log_level"},
		Help:    "reads or changes the log level",
		Recipes: [][]string{{}, {"level"}, {"level", "pid"}},
		Handler: func(_ context.Context, p api.MIParams) (any, error) {
			if _, ok := p["level"]; !ok {
				list := []levelProc{}
				pid, lvl := os.Getpid(), l.Get()
				for _, t := range l.Procs() {
					list = append(list, levelProc{PID: pid, Level: lvl, Type: t})
				}
				return struct {
					Processes []levelProc `json:"Processes"`
				}{list}, nil
			}
			level, err := Int(p, "level")
			if err != nil {
				return nil, err
			}
			key := "New global log level"
			if _, ok := p["pid"]; ok {
				pid, err := Int(p, "pid")
				if err != nil {
					return nil, err
				}
				if pid != os.Getpid() {
					return nil, invalidParams("Bad PID")
				}
				key = "Log level"
			}
			if err := l.Set(level); err != nil {
				return nil, &Error{Code: 500, Message: err.Error()}
			}
			return Object{{key, level}}, nil
		},
	}
}

// PWD is "pwd": {"WD": working directory}.
func PWD() api.MICommand {
	return api.MICommand{
		Name: "pwd", Aliases: []string{"core:pwd"},
		Help:    "the working directory",
		Recipes: [][]string{{}},
		Handler: func(context.Context, api.MIParams) (any, error) {
			wd, err := os.Getwd()
			if err != nil {
				return nil, fmt.Errorf("getcwd: %w", err)
			}
			return Object{{"WD", wd}}, nil
		},
	}
}

// Arg is "arg": the command line the server was started with.
func Arg(args []string) api.MICommand {
	args = append([]string{}, args...)
	return api.MICommand{
		Name: "arg", Aliases: []string{"core:arg"},
		Help:    "the command line the server was started with",
		Recipes: [][]string{{}},
		Handler: func(context.Context, api.MIParams) (any, error) {
			return args, nil
		},
	}
}

// Kill is "kill": it asks the server to stop and answers "OK".
func Kill(stop func()) api.MICommand {
	return api.MICommand{
		Name: "kill", Aliases: []string{"core:kill"},
		Help:    "stops the server cleanly",
		Recipes: [][]string{{}},
		Handler: func(context.Context, api.MIParams) (any, error) {
			stop()
			return nil, nil
		},
	}
}

// Core is what the core commands need from the running server; a nil
// function leaves its command out.
type Core struct {
	Version  string // gosips version, for "version"
	Revision string // VCS revision, shown by "version revision"
	Start    time.Time
	Args     []string        // os.Args, for "arg"
	Procs    func() []string // worker pools, for "ps" and "log_level"
	Log      LogLevels       // "log_level" needs Get and Set
	Stop     func()          // "kill"
	Stats    *api.Stats      // get/list/reset_statistics
	// Owner names the module exporting a command, for "help".
	Owner func(cmd string) string
	// TCPConns lists the stream connections (list_tcp_conns).
	TCPConns func() []TCPConn
	// MemDump logs a memory summary (mem_pkg_dump, mem_shm_dump).
	MemDump func(kind string, level int)
	// Reload re-reads the script and swaps its routes (reload_routes).
	Reload func(ctx context.Context) error
	// Status is the status-report registry (sr_*).
	Status *StatusReports
	// Blacklists lists the dst_blacklist definitions (list_blacklists).
	Blacklists func() []Blacklist
}

// CoreCommands lists the core commands for c: version, uptime, which, ps,
// log_level, pwd, arg, kill and the statistics commands.
func CoreCommands(d *Dispatcher, c Core) []api.MICommand {
	procs := c.Procs
	if procs == nil {
		procs = func() []string { return []string{"main"} }
	}
	cmds := []api.MICommand{
		Version(ServerString(c.Version), c.Revision),
		Uptime(c.Start, nil),
		Which(d),
		PS(procs),
		PWD(),
		Arg(c.Args),
	}
	if c.Log.Get != nil && c.Log.Set != nil {
		l := c.Log
		if l.Procs == nil {
			l.Procs = procs
		}
		cmds = append(cmds, LogLevel(l))
	}
	if c.Stop != nil {
		cmds = append(cmds, Kill(c.Stop))
	}
	if c.Stats != nil {
		cmds = append(cmds, StatsCommands(c.Stats)...)
	}
	cmds = append(cmds, Help(d, c.Owner))
	if c.TCPConns != nil {
		cmds = append(cmds, ListTCPConns(c.TCPConns))
	}
	if c.MemDump != nil {
		cmds = append(cmds, MemDump(c.MemDump)...)
	}
	if c.Reload != nil {
		cmds = append(cmds, ReloadRoutes(c.Reload))
	}
	if c.Status != nil {
		cmds = append(cmds, c.Status.Commands()...)
	}
	if c.Blacklists != nil {
		cmds = append(cmds, ListBlacklists(c.Blacklists))
	}
	return cmds
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/urfave/cli/v2"

	"gosips/api"
	"gosips/lang"
	"gosips/lang/diag"
	"gosips/mi"
	"gosips/runtime"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run the SIP server with a config file (foreground)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "config `FILE`", Value: "opensips.cfg"},
			&cli.StringSliceFlag{Name: "listen", Aliases: []string{"l"}, Usage: "listen on `proto:ip:port` instead of the script's sockets (repeatable)"},
			&cli.StringFlag{Name: "pid-file", Aliases: []string{"P"}, Usage: "write the process id to `FILE` (removed at exit)"},
			&cli.StringFlag{Name: "log-file", Usage: "log to `FILE` instead of stderr; SIGHUP reopens it"},
			&cli.StringFlag{Name: "syslog-socket", Usage: "local syslog `SOCKET` for syslog_enabled", Value: defaultSyslogSocket},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile to `FILE` until shutdown", Hidden: true},
		},
		Action: func(c *cli.Context) error {
			if p := c.String("cpuprofile"); p != "" {
				f, err := os.Create(p)
				if err != nil {
					return &exitError{code: 2, msg: err.Error()}
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return &exitError{code: 2, msg: err.Error()}
				}
				defer pprof.StopCPUProfile()
			}
			return runServer(runOptions{
				path: c.String("file"), listen: c.StringSlice("listen"), errw: c.App.ErrWriter,
				pidFile: c.String("pid-file"), logFile: c.String("log-file"), syslogSocket: c.String("syslog-socket"),
			})
		},
	}
}

// OpenSIPS log levels mapped onto slog levels.
const (
	levelAlert  = slog.Level(12)
	levelCrit   = slog.Level(10)
	levelNotice = slog.Level(2)
)

// slogLevel maps an OpenSIPS log_level (-3..4) to the lowest slog level printed.
func slogLevel(l int64) slog.Level {
	switch {
	case l <= -3:
		return levelAlert
	case l == -2:
		return levelCrit
	case l == -1:
		return slog.LevelError
	case l <= 1:
		return slog.LevelWarn
	case l == 2:
		return levelNotice
	case l == 3:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// levelControl is the process log level, changeable over MI (log_level).
type levelControl struct {
	v     slog.LevelVar
	level atomic.Int64
}

func (l *levelControl) get() int { return int(l.level.Load()) }

func (l *levelControl) set(n int) error {
	if n < -3 || n > 4 {
		return fmt.Errorf("log level %d out of range -3..4", n)
	}
	l.level.Store(int64(n))
	l.v.Set(slogLevel(int64(n)))
	return nil
}

// logConfig is what newLogger needs besides the script.
type logConfig struct {
	w            io.Writer // stderr or the --log-file
	syslogSocket string    // the local syslog socket (default /dev/log)
}

func globalInt(s *runtime.Script, name string, def int64) int64 {
	if v, ok := s.Globals[name]; ok && v.IsInt() {
		return v.I
	}
	return def
}

func globalStr(s *runtime.Script, name, def string) string {
	if v, ok := s.Globals[name]; ok && v.IsStr() && v.S != "" {
		return v.S
	}
	return def
}

// newLogger builds the process logger from the logging globals, as
// OpenSIPS' log consumers: stderr (stderror_enabled, stderror_log_format,
// stderror_level_filter) and syslog (syslog_enabled, syslog_facility,
// syslog_name, syslog_log_format, syslog_level_filter). debug_mode forces
// stderr and level 4, as in OpenSIPS.
func newLogger(s *runtime.Script, lc logConfig) (*slog.Logger, *levelControl, error) {
	level := globalInt(s, "log_level", 2)
	stderrOn, syslogOn := globalInt(s, "stderror_enabled", 1) != 0, globalInt(s, "syslog_enabled", 0) != 0
	if globalInt(s, "debug_mode", 0) != 0 {
		level, stderrOn, syslogOn = 4, true, false
	}
	name := globalStr(s, "syslog_name", "gosips")
	host, _ := os.Hostname()
	h := &osipsHandler{pid: os.Getpid(), name: name, host: host, prefix: globalStr(s, "log_prefix", "")}
	if stderrOn {
		f, err := parseLogFormat(globalStr(s, "stderror_log_format", ""))
		if err != nil {
			return nil, nil, fmt.Errorf("stderror_log_format: %w", err)
		}
		h.dests = append(h.dests, &logDest{w: lc.w, format: f, filter: int(globalInt(s, "stderror_level_filter", noFilter))})
	}
	if syslogOn {
		f, err := parseLogFormat(globalStr(s, "syslog_log_format", ""))
		if err != nil {
			return nil, nil, fmt.Errorf("syslog_log_format: %w", err)
		}
		fac, ok := syslogFacilityCodes[strings.ToUpper(globalStr(s, "syslog_facility", "LOG_DAEMON"))]
		if !ok {
			fac = syslogFacilityCodes["LOG_DAEMON"]
		}
		sock := lc.syslogSocket
		if sock == "" {
			sock = defaultSyslogSocket
		}
		h.dests = append(h.dests, &logDest{syslog: newSyslogWriter(sock, fac, name), format: f,
			filter: int(globalInt(s, "syslog_level_filter", noFilter))})
	}
	lctl := &levelControl{}
	lctl.set(int(level))
	h.level = &lctl.v
	return slog.New(h), lctl, nil
}

// runOptions are the "gosips run" settings.
type runOptions struct {
	path    string
	listen  []string
	errw    io.Writer
	pidFile string
	logFile string
	// syslogSocket replaces /dev/log (tests, chroots).
	syslogSocket string
}

func runServer(o runOptions) error {
	path, listen, errw := o.path, o.listen, o.errw
	f, diags := lang.ParseFile(path, lang.Options{})
	var s *runtime.Script
	modLog := newLateHandler(slog.NewTextHandler(errw, nil))
	if !diags.HasErrors() {
		var cd diag.List
		s, cd = runtime.Compile(f, runtime.Options{ConfigDir: filepath.Dir(path), Log: slog.New(modLog)})
		diags = append(diags, cd...)
	}
	diags.Sort()
	if diags.HasErrors() {
		if s != nil {
			s.Close()
		}
		writeText(errw, f, capErrors(diags.Errors(), maxErrors))
		return &exitError{code: 1, msg: fmt.Sprintf("%s: errors above; not starting", path)}
	}
	logw := errw
	if o.logFile != "" {
		lf, err := openLogFile(o.logFile)
		if err != nil {
			s.Close()
			return &exitError{code: 1, msg: err.Error()}
		}
		activeLogFile = lf
		logw = lf
	}
	log, levels, err := newLogger(s, logConfig{w: logw, syslogSocket: o.syslogSocket})
	if err != nil {
		s.Close()
		return &exitError{code: 1, msg: err.Error()}
	}
	modLog.set(log.Handler())
	setProcs(s)
	for _, d := range diags {
		log.Warn(d.Msg, "at", d.Pos.String(), "code", d.Code)
	}
	p, err := s.Build(log)
	if err != nil {
		s.Close()
		return &exitError{code: 1, msg: err.Error()}
	}
	eng := runtime.NewEngine(s, p, runtime.EngineOptions{Log: log, Listen: listen, OnlyListen: len(listen) > 0, Version: version})
	// Signals are taken before anything starts so that none of them kills
	// the process with its default action (SIGHUP, SIGPIPE) while starting.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, handledSignals...)
	defer signal.Stop(sigs)
	// The engine's context is not the signal's: messages in progress at
	// shutdown keep a live context until they are drained.
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	startGCTuner(ctx)
	status := mi.NewStatusReports()
	if m := s.Module("core"); m != nil {
		if c, ok := m.Inst.(interface{ SetStatusReports(api.StatusReports) }); ok {
			c.SetStatusReports(status)
		}
	}
	if err := eng.Start(ctx); err != nil {
		s.Close()
		return &exitError{code: 1, msg: err.Error()}
	}
	rl := &routeReloader{path: path, running: s, eng: eng, log: log}
	stopMI, err := startMI(ctx, miEnv{script: s, eng: eng, levels: levels, stop: stop, log: log, status: status,
		reload: func(ctx context.Context) error {
			err := rl.reload(ctx)
			if err != nil {
				status.Report("core", "main", "reload_routes refused: "+err.Error())
			} else {
				status.Report("core", "main", "routes reloaded")
			}
			return err
		}})
	if err != nil {
		eng.Shutdown()
		return &exitError{code: 1, msg: err.Error()}
	}
	if o.pidFile != "" {
		if err := writePIDFile(o.pidFile); err != nil {
			stopMI()
			eng.Shutdown()
			return &exitError{code: 1, msg: err.Error()}
		}
		defer os.Remove(o.pidFile)
	}
	status.Set("core", "main", mi.StateRunning, "running")
	log.Log(ctx, levelNotice, "gosips started", "version", version, "config", path)
	why := waitForStop(ctx, sigs, log)
	log.Log(context.Background(), levelNotice, "shutting down", "reason", why)
	status.Set("core", "main", mi.StateTerminating, "shutting down")
	// Stop in OpenSIPS' order: no more management commands, no more
	// requests, finish those in progress, then flush and close modules.
	stopMI()
	if err := eng.Shutdown(); err != nil {
		log.Error("shutdown", "err", err)
		return &exitError{code: 1, msg: err.Error()}
	}
	log.Log(context.Background(), levelNotice, "gosips stopped")
	return nil
}

// writePIDFile writes the process id as OpenSIPS' -P does.
func writePIDFile(path string) error {
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}

// handledSignals are caught for the whole life of the server.
var handledSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT,
	syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE}

// waitForStop blocks until a terminating signal arrives or ctx ends (the
// MI "kill" command) and says why. As in OpenSIPS, SIGHUP, SIGUSR1,
// SIGUSR2 and SIGPIPE do not stop the server; SIGHUP reopens the log file
// when logging to one (log rotation).
func waitForStop(ctx context.Context, sigs <-chan os.Signal, log *slog.Logger) string {
	for {
		select {
		case <-ctx.Done():
			return "kill command"
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				if err := reopenLogs(); err != nil {
					log.Error("reopening the log file", "err", err)
				} else {
					log.Info("SIGHUP received: log file reopened")
				}
			case syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE:
				log.Debug("signal ignored", "signal", sig.String())
			default:
				return "signal " + sig.String()
			}
		}
	}
}

// setProcs maps udp_workers (OpenSIPS' worker process count) onto the
// number of OS threads running Go code at once, capped at the CPU count;
// an explicit GOMAXPROCS environment setting wins.
func setProcs(s *runtime.Script) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	n := 8
	if v, ok := s.Globals["udp_workers"]; ok && v.IsInt() && v.I > 0 {
		n = int(v.I)
	}
	goruntime.GOMAXPROCS(max(1, min(n, goruntime.NumCPU())))
}

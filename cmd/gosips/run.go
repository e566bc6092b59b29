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
	"sync/atomic"
	"syscall"

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
			&cli.StringSliceFlag{Name: "listen", Aliases: []string{"l"}, Usage: "listen on `proto:ip:port` instead of the script's sockets (repeatable)"},
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
			return runServer(c.String("file"), c.StringSlice("listen"), c.App.ErrWriter)
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

func newLogger(s *runtime.Script, w io.Writer) (*slog.Logger, *levelControl) {
	level := int64(2)
	if v, ok := s.Globals["log_level"]; ok && v.IsInt() {
		level = v.I
	}
	if v, ok := s.Globals["debug_mode"]; ok && v.IsInt() && v.I != 0 {
		level = 4
	}
	if v, ok := s.Globals["stderror_enabled"]; ok && v.IsInt() && v.I == 0 {
		w = io.Discard
	}
	lc := &levelControl{}
	lc.set(int(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: &lc.v, ReplaceAttr: levelNames})), lc
}

// levelNames prints OpenSIPS level names.
func levelNames(groups []string, a slog.Attr) slog.Attr {
	if a.Key != slog.LevelKey || len(groups) > 0 {
		return a
	}
	switch l := a.Value.Any().(slog.Level); {
	case l >= levelAlert:
		a.Value = slog.StringValue("ALERT")
	case l >= levelCrit:
		a.Value = slog.StringValue("CRITICAL")
	case l >= slog.LevelError:
		a.Value = slog.StringValue("ERROR")
	case l >= slog.LevelWarn:
		a.Value = slog.StringValue("WARNING")
	case l >= levelNotice:
		a.Value = slog.StringValue("NOTICE")
	case l >= slog.LevelInfo:
		a.Value = slog.StringValue("INFO")
	default:
		a.Value = slog.StringValue("DBG")
	}
	return a
}

func runServer(path string, listen []string, errw io.Writer) error {
	f, diags := lang.ParseFile(path, lang.Options{})
	var s *runtime.Script
	if !diags.HasErrors() {
		var cd diag.List
		s, cd = runtime.Compile(f, runtime.Options{ConfigDir: filepath.Dir(path), Log: slog.New(slog.NewTextHandler(errw, nil))})
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
	log, levels := newLogger(s, errw)
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	startGCTuner(ctx)
	if err := eng.Start(ctx); err != nil {
		s.Close()
		return &exitError{code: 1, msg: err.Error()}
	}
	stopMI, err := startMI(ctx, s, levels, stop, log)
	if err != nil {
		eng.Shutdown()
		return &exitError{code: 1, msg: err.Error()}
	}
	defer stopMI()
	log.Log(ctx, levelNotice, "gosips started", "version", version, "config", path)
	<-ctx.Done()
	log.Log(context.Background(), levelNotice, "shutting down")
	if err := eng.Shutdown(); err != nil {
		log.Error("shutdown", "err", err)
		return &exitError{code: 1, msg: err.Error()}
	}
	return nil
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

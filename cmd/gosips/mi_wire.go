package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"gosips/api"
	"gosips/mi"
	"gosips/modules/core"
	"gosips/modules/httpd"
	"gosips/modules/mi_fifo"
	"gosips/modules/mi_http"
	"gosips/modules/prometheus"
	"gosips/runtime"
)

// startMI builds the management dispatcher (core and module commands) and
// starts the transports whose modules the script loads: mi_http over the
// httpd server (loopback unless httpd's "ip" says otherwise) and mi_fifo.
// The returned function stops them.
// miEnv is what the core MI commands need from the running server.
type miEnv struct {
	script *runtime.Script
	eng    *runtime.Engine
	levels *levelControl
	stop   func()
	log    *slog.Logger
	status *mi.StatusReports
	reload func(context.Context) error
}

func startMI(ctx context.Context, env miEnv) (func(), error) {
	s, log := env.script, env.log
	d, err := mi.NewDispatcher(log)
	if err != nil {
		return nil, err
	}
	owners := map[string]string{}
	core := mi.Core{
		Version:    version,
		Start:      time.Now(),
		Args:       os.Args,
		Log:        mi.LogLevels{Get: env.levels.get, Set: env.levels.set},
		Stop:       env.stop,
		Stats:      s.Stats,
		Owner:      func(cmd string) string { return owners[cmd] },
		TCPConns:   tcpConns(env.eng),
		MemDump:    memDump(s, log),
		Reload:     env.reload,
		Status:     env.status,
		Blacklists: blacklists(s),
	}
	coreCmds := mi.CoreCommands(d, core)
	if err := d.Register(coreCmds...); err != nil {
		return nil, err
	}
	for _, c := range coreCmds {
		owners[c.Name] = "core"
	}
	for _, m := range s.Modules {
		if ex, ok := m.Inst.(api.MIExporter); ok {
			cmds := ex.MICommands()
			if err := d.Register(cmds...); err != nil {
				return nil, fmt.Errorf("module %s MI commands: %w", m.Name, err)
			}
			for _, c := range cmds {
				owners[c.Name] = m.Name
			}
		}
	}
	var stops []func()
	var hm *httpd.Module
	if m := s.Module("httpd"); m != nil {
		hm, _ = m.Inst.(*httpd.Module)
	}
	addRoot := func(root, module string) {
		if hm != nil {
			hm.AddRoot(root, module)
		}
	}
	// httpd serves mi_http and prometheus on one listener.
	mux := http.NewServeMux()
	httpUsers := 0
	if m := s.Module("mi_http"); m != nil {
		mh := m.Inst.(*mihttp.Module)
		h := mi.HTTPHandler(mh.Root, d, mi.WithLogger(log), mi.WithPretty(mh.PrettyPrinting != 0))
		mux.Handle("/", h) // the MI handler answers paths outside its root
		log.Info("MI over HTTP", "path", "/"+mh.Root)
		addRoot(mh.Root, "mi_http")
		httpUsers++
	} else {
		mux.HandleFunc("/", mi.BadURL)
	}
	if m := s.Module("prometheus"); m != nil {
		pm := m.Inst.(*prometheus.Module)
		mux.Handle("/"+pm.Root, pm.Handler())
		log.Info("prometheus metrics", "path", "/"+pm.Root)
		addRoot(pm.Root, "prometheus")
		httpUsers++
	}
	// Modules serving pages of their own under a root (pi_http).
	for _, m := range s.Modules {
		if hr, ok := m.Inst.(httpRootServer); ok {
			root := strings.Trim(hr.HTTPRoot(), "/")
			h := hr.HTTPHandler()
			mux.Handle("/"+root, h)
			mux.Handle("/"+root+"/", h)
			log.Info("HTTP pages", "module", m.Name, "path", "/"+root)
			addRoot(root, m.Name)
			httpUsers++
		}
	}
	if hm != nil && httpUsers > 0 {
		srv := mi.NewHTTPServerHandler(hm.Addr(), mux, mi.WithLogger(log))
		if err := srv.Start(ctx); err != nil {
			return nil, fmt.Errorf("httpd: %w", err)
		}
		log.Info("httpd listening", "addr", srv.Addr())
		stops = append(stops, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		})
	}
	if m := s.Module("mi_fifo"); m != nil {
		mf := m.Inst.(*mififo.Module)
		srv := mi.NewFIFOServer(mf.FIFOName, os.FileMode(mf.FIFOMode), mf.ReplyDir, d, mi.WithLogger(log), mi.WithPretty(mf.PrettyPrinting != 0))
		if err := srv.Start(ctx); err != nil {
			for _, f := range stops {
				f()
			}
			return nil, fmt.Errorf("mi_fifo: %w", err)
		}
		log.Info("MI over FIFO", "fifo", mf.FIFOName)
		stops = append(stops, func() { srv.Close() })
	}
	return func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}, nil
}

// httpRootServer is a module serving HTTP pages under a root path of the
// httpd server.
type httpRootServer interface {
	HTTPRoot() string
	HTTPHandler() http.Handler
}

// tcpConns lists the engine's stream connections for list_tcp_conns.
func tcpConns(eng *runtime.Engine) func() []mi.TCPConn {
	return func() []mi.TCPConn {
		tr := eng.Transport()
		if tr == nil {
			return nil
		}
		var out []mi.TCPConn
		for _, c := range tr.Conns() {
			out = append(out, mi.TCPConn{ID: c.ID, Type: strings.ToLower(c.Proto.String()), Remote: c.Remote.String(),
				Local: c.Local.String(), Lifetime: c.Expires, AliasPorts: c.AliasPorts})
		}
		return out
	}
}

// memDump logs the memory statistics as OpenSIPS' mem_*_dump commands log
// the allocator status; level 0 means the memdump global (default DBG).
func memDump(s *runtime.Script, log *slog.Logger) func(kind string, level int) {
	return func(kind string, level int) {
		if level == 0 {
			level = int(globalInt(s, "memdump", 4))
		}
		group := "shmem"
		if kind == "pkg" {
			group = "pkmem"
		}
		var attrs []any
		if g, ok := s.Stats.LookupGroup(group); ok {
			for _, st := range g.Stats() {
				attrs = append(attrs, st.Name(), st.Value())
			}
		}
		log.Log(context.Background(), slogLevel(int64(level)), "Memory status ("+kind+"):", attrs...)
	}
}

// blacklists lists the server's blacklists (dst_blacklist ones and those
// modules fill) for list_blacklists.
func blacklists(s *runtime.Script) func() []mi.Blacklist {
	var set *api.Blacklists
	if m := s.Module("core"); m != nil {
		if p, ok := m.Inst.(api.BlacklistProvider); ok {
			set = p.Blacklists()
		}
	}
	return func() []mi.Blacklist {
		out := []mi.Blacklist{}
		if set == nil {
			return out
		}
		now := time.Now()
		for _, b := range set.All() {
			e := mi.Blacklist{Name: b.Name, Owner: b.Owner, Flags: []string{}}
			for _, f := range []struct {
				bit  api.BlacklistFlags
				name string
			}{{api.BlacklistReadOnly, "read-only"}, {api.BlacklistExpire, "expire"}, {api.BlacklistDefault, "default"}} {
				if b.Flags&f.bit != 0 {
					e.Flags = append(e.Flags, f.name)
				}
			}
			for _, r := range b.Rules() {
				fl := 0
				if r.Negated {
					fl = 1
				}
				proto := r.Proto
				if proto == "" {
					proto = "any"
				}
				rule := mi.BlacklistRule{Flags: fl, IP: r.Net.Addr().String(), Mask: core.BlacklistMask(r.Net),
					Proto: proto, Port: r.Port, Match: r.Match}
				if !r.Expires.IsZero() {
					rule.Expire = max(int(r.Expires.Sub(now).Round(time.Second)/time.Second), 1)
				}
				e.Rules = append(e.Rules, rule)
			}
			out = append(out, e)
		}
		return out
	}
}

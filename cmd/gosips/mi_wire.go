package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"gosips/api"
	"gosips/mi"
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
func startMI(ctx context.Context, s *runtime.Script, levels *levelControl, stop func(), log *slog.Logger) (func(), error) {
	d, err := mi.NewDispatcher(log)
	if err != nil {
		return nil, err
	}
	core := mi.Core{
		Version: version,
		Start:   time.Now(),
		Args:    os.Args,
		Log:     mi.LogLevels{Get: levels.get, Set: levels.set},
		Stop:    stop,
		Stats:   s.Stats,
	}
	if err := d.Register(mi.CoreCommands(d, core)...); err != nil {
		return nil, err
	}
	for _, m := range s.Modules {
		if ex, ok := m.Inst.(api.MIExporter); ok {
			if err := d.Register(ex.MICommands()...); err != nil {
				return nil, fmt.Errorf("module %s MI commands: %w", m.Name, err)
			}
		}
	}
	var stops []func()
	// httpd serves mi_http and prometheus on one listener.
	mux := http.NewServeMux()
	httpUsers := 0
	if m := s.Module("mi_http"); m != nil {
		mh := m.Inst.(*mihttp.Module)
		h := mi.HTTPHandler(mh.Root, d, mi.WithLogger(log), mi.WithPretty(mh.PrettyPrinting != 0))
		mux.Handle("/", h) // the MI handler answers paths outside its root
		log.Info("MI over HTTP", "path", "/"+mh.Root)
		httpUsers++
	} else {
		mux.HandleFunc("/", mi.BadURL)
	}
	if m := s.Module("prometheus"); m != nil {
		pm := m.Inst.(*prometheus.Module)
		mux.Handle("/"+pm.Root, pm.Handler())
		log.Info("prometheus metrics", "path", "/"+pm.Root)
		httpUsers++
	}
	var hm *httpd.Module
	if m := s.Module("httpd"); m != nil {
		hm, _ = m.Inst.(*httpd.Module)
	}
	if hm != nil && httpUsers > 0 {
		ip, port := "127.0.0.1", hm.Port
		if hm.IP != "" && hm.IP != "*" {
			ip = hm.IP
		}
		srv := mi.NewHTTPServerHandler(net.JoinHostPort(ip, strconv.Itoa(port)), mux, mi.WithLogger(log))
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

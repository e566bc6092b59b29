package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"gosips/lang"
	"gosips/lang/diag"
	"gosips/runtime"
)

// routeReloader re-reads the script for reload_routes.
type routeReloader struct {
	path    string
	running *runtime.Script
	eng     *runtime.Engine
	log     *slog.Logger
}

// reload parses and checks the script again, compiles its routes against
// the running modules and swaps them in. Anything wrong leaves the running
// routes in place and is logged with its position.
func (r *routeReloader) reload(context.Context) error {
	f, diags := lang.ParseFile(r.path, lang.Options{})
	if !diags.HasErrors() {
		// The whole script must check, as at start-up.
		_, cd := runtime.Compile(f, runtime.Options{Check: true, ConfigDir: filepath.Dir(r.path)})
		diags = append(diags, cd...)
	}
	var s *runtime.Script
	if !diags.HasErrors() {
		var cd diag.List
		s, cd = runtime.Compile(f, runtime.Options{Reuse: r.running, ConfigDir: filepath.Dir(r.path), Log: r.log})
		diags = append(diags, cd...)
	}
	if err := r.refuse(diags); err != nil {
		return err
	}
	if a, b := moduleNames(r.running), moduleNames(s); !slices.Equal(a, b) {
		err := fmt.Errorf("the script loads other modules (%s instead of %s): that needs a restart",
			strings.Join(b, ","), strings.Join(a, ","))
		r.log.Error("reload_routes refused, the running routes stay", "err", err)
		return err
	}
	p, err := s.Build(r.log)
	if err != nil {
		r.log.Error("reload_routes refused, the running routes stay", "err", err)
		return err
	}
	r.eng.Reload(s, p)
	return nil
}

func (r *routeReloader) refuse(diags diag.List) error {
	if !diags.HasErrors() {
		return nil
	}
	diags.Sort()
	var msgs []string
	for _, d := range diags.Errors() {
		msgs = append(msgs, d.Pos.String()+": "+d.Msg)
		r.log.Error("reload_routes: script error", "at", d.Pos.String(), "code", d.Code, "err", d.Msg)
	}
	r.log.Error("reload_routes refused, the running routes stay", "errors", len(msgs))
	return errors.New(strings.Join(msgs, "; "))
}

func moduleNames(s *runtime.Script) []string {
	var out []string
	for _, m := range s.Modules {
		out = append(out, m.Name)
	}
	slices.Sort(out)
	return out
}

// Package rtp_relay declares the rtp_relay module: the engine-independent
// front of the media relays. rtp_relay_engage() hands a call to an engine
// (a module implementing api.RTPRelayEngine: rtpengine, rtpproxy), which
// then relays every SDP offer and answer of the call, of its branches and
// of its in-dialog requests, with per-peer flags provisioned through
// $rtp_relay, $rtp_relay_peer and $rtp_relay_ctx.
package rtp_relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "rtp_relay",
		Deps: []api.Dep{{Name: "tm"}, {Name: "dialog", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "generic RTP relay front: engages rtpengine or rtpproxy for a whole call",
	})
}

// Module is one rtp_relay instance.
type Module struct {
	RouteOffer, RouteAnswer, RouteDelete             string
	RouteCopyOffer, RouteCopyAnswer, RouteCopyDelete string

	log    *slog.Logger
	tm     api.TxHooks
	dlg    api.DialogAPI
	module func(name string) api.Module

	// mu guards list, the established calls in the order MI lists them
	// (newest first, as OpenSIPS).
	mu   sync.Mutex
	list []*relayCtx
}

// New returns an instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		RouteOffer: "rtp_relay_offer", RouteAnswer: "rtp_relay_answer", RouteDelete: "rtp_relay_delete",
		RouteCopyOffer: "rtp_relay_copy_offer", RouteCopyAnswer: "rtp_relay_copy_answer",
		RouteCopyDelete: "rtp_relay_copy_delete",
		log:             slog.New(slog.DiscardHandler),
	}
}

const routeEngineNote = "the \"route\" engine (custom SDP mangling routes) is not implemented"

// Params binds the module parameters (OpenSIPS 3.6 rtp_relay.c). The
// route_* parameters only serve the "route" engine.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IgnoredParam(api.StrParam("route_offer", &m.RouteOffer), routeEngineNote),
		api.IgnoredParam(api.StrParam("route_answer", &m.RouteAnswer), routeEngineNote),
		api.IgnoredParam(api.StrParam("route_delete", &m.RouteDelete), routeEngineNote),
		api.IgnoredParam(api.StrParam("route_copy_offer", &m.RouteCopyOffer), routeEngineNote),
		api.IgnoredParam(api.StrParam("route_copy_answer", &m.RouteCopyAnswer), routeEngineNote),
		api.IgnoredParam(api.StrParam("route_copy_delete", &m.RouteCopyDelete), routeEngineNote),
	}
}

// Init finds tm and dialog.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.module = ic.Module
	tm, ok := ic.Module("tm").(api.TxHooks)
	if !ok {
		return errors.New("rtp_relay needs the tm module")
	}
	m.tm = tm
	if d, ok := ic.Module("dialog").(api.DialogAPI); ok {
		m.dlg = d
	}
	return nil
}

// engine is an engine named in a script or an MI command.
type engine struct {
	name string
	api.RTPRelayEngine
}

// fixEngine resolves rtp_relay_engage's engine name at load time.
func fixEngine(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Str == "route" {
		return &api.HintError{Err: errors.New(routeEngineNote),
			Hint: `use rtp_relay_engage("rtpengine") or rtp_relay_engage("rtpproxy")`}
	}
	if fc.Module == nil {
		return nil
	}
	e, ok := fc.Module(a.Str).(api.RTPRelayEngine)
	if !ok {
		return &api.HintError{Err: fmt.Errorf("no %q relay module registered to handle RTP relay engage", a.Str),
			Hint: fmt.Sprintf(`loadmodule "%s.so" (engines: rtpengine, rtpproxy)`, a.Str)}
	}
	a.Fixed = &engine{name: a.Str, RTPRelayEngine: e}
	return nil
}

// Funcs lists the script functions (OpenSIPS 3.6 rtp_relay.c).
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "rtp_relay_engage", Routes: api.RequestRoute | api.FailureRoute | api.BranchRoute,
			Args: []api.Arg{
				{Name: "engine", Type: api.ArgStr, Fixup: fixEngine},
				{Name: "set", Type: api.ArgInt, Optional: true},
			},
			Returns: "1 engaged, -1 error, -2 not an initial INVITE",
			Call:    m.engage},
	}
}

// MICommands lists rtp_relay_list, rtp_relay_update and
// rtp_relay_update_callid.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "rtp_relay_list", Recipes: [][]string{{}, {"engine"}, {"engine", "set"}, {"engine", "node"},
			{"engine", "set", "node"}}, Handler: m.miList},
		{Name: "rtp_relay_update", Help: "updates an ongoing RTP relay session",
			Recipes: [][]string{{}, {"engine"}, {"engine", "set"}, {"engine", "set", "node"},
				{"engine", "set", "new_set"}, {"engine", "set", "new_node"}, {"engine", "set", "new_set", "new_node"},
				{"engine", "set", "node", "new_set"}, {"engine", "set", "node", "new_node"},
				{"engine", "set", "node", "new_set", "new_node"}}},
		{Name: "rtp_relay_update_callid", Help: "updates an ongoing RTP relay session identified by its Call-ID",
			Recipes: [][]string{{"callid"}, {"callid", "flags"}, {"callid", "engine"}, {"callid", "engine", "flags"},
				{"callid", "engine", "set"}, {"callid", "engine", "set", "flags"}, {"callid", "engine", "set", "node"},
				{"callid", "engine", "set", "node", "flags"}}},
	}
}

// miList is rtp_relay_list: the established calls, optionally those of
// one engine and node. As in OpenSIPS, set is accepted but does not
// filter.
func (m *Module) miList(_ context.Context, p api.MIParams) (any, error) {
	name, hasEngine := p.Str("engine")
	node, hasNode := p.Str("node")
	if hasEngine {
		if _, ok := m.module(name).(api.RTPRelayEngine); !ok || m.module == nil {
			return nil, &api.MIError{Code: 404, Msg: "unknown RTP  Relay engine"}
		}
	}
	m.mu.Lock()
	list := append([]*relayCtx(nil), m.list...)
	m.mu.Unlock()
	out := []any{}
	for i := len(list) - 1; i >= 0; i-- {
		rc := list[i]
		rc.mu.Lock()
		s := rc.est
		if s != nil && (!hasEngine || s.engine.name == name) && (!hasNode || s.node == node) {
			out = append(out, rc.miObject(true))
		}
		rc.mu.Unlock()
	}
	return out, nil
}

// track adds an established call to the MI list; untrack removes it.
func (m *Module) track(rc *relayCtx) {
	m.mu.Lock()
	m.list = append(m.list, rc)
	m.mu.Unlock()
}

func (m *Module) untrack(rc *relayCtx) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.list {
		if x == rc {
			m.list = append(m.list[:i], m.list[i+1:]...)
			return
		}
	}
}

var (
	_ api.Initer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)

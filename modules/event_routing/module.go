// Package eventrouting lets script processings wait for, or be notified
// of, events of the event interface (OpenSIPS' event_routing, "EBR"):
// notify_on_event() runs a route when a matching event is raised,
// wait_for_event() holds the script until one is.
package eventrouting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "event_routing", Doc: "event-based routing: notification routes and waiting for events",
		Deps: []api.Dep{{Name: "tm"}},
		New:  func() api.Module { return &Module{} }})
}

// Module is one instance of event_routing.
type Module struct {
	log    *slog.Logger
	events *api.Events
	core   api.Core
	ctx    context.Context

	mu   sync.Mutex
	subs map[string][]*subscription // by event name
}

// subscription is one notify_on_event() or wait_for_event() call.
type subscription struct {
	filters []filter
	expires time.Time
	// route and tx for notify_on_event; wait for wait_for_event.
	route string
	tx    any
	wait  chan api.EventParams
}

// filter is one "key=value" condition; value may be a shell pattern.
type filter struct{ key, pattern string }

// Params: event_routing has none.
func (*Module) Params() []api.Param { return nil }

// Init registers the transport the subscriptions are delivered through.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log, m.events = ic.Log, ic.Events
	m.subs = map[string][]*subscription{}
	m.ctx = context.Background()
	if m.events == nil {
		return errors.New("no event interface")
	}
	return m.events.RegisterTransport(api.EventTransport{Proto: "routing", Parse: func(ev string) (api.EventSocket, error) {
		return &sock{m: m, event: ev}, nil
	}})
}

// SetCore gives the module the runtime, to run notification routes.
func (m *Module) SetCore(c api.Core) { m.core = c }

// Start keeps the server's context for the notification routes.
func (m *Module) Start(ctx context.Context) error {
	m.ctx = ctx
	return nil
}

// Funcs are notify_on_event() and wait_for_event().
func (m *Module) Funcs() []api.Func {
	event := api.Arg{Name: "event", Type: api.ArgStr, Fixup: eventFixup}
	flt := api.Arg{Name: "filter", Type: api.ArgVar}
	timeout := api.Arg{Name: "timeout", Type: api.ArgInt}
	return []api.Func{
		{Name: "notify_on_event", Routes: api.RequestRoute, Returns: "1 subscribed, -1 error", Call: m.notifyOnEvent,
			Args: []api.Arg{event, flt, {Name: "route", Type: api.ArgStr, Static: true, Fixup: routeFixup}, timeout}},
		{Name: "wait_for_event", Routes: api.RequestRoute, Async: true, Call: m.waitForEvent,
			Returns: "1 the event came (its attributes are in $avp(name)), -1 timeout or error",
			Args:    []api.Arg{event, flt, timeout}},
	}
}

// eventFixup publishes an event named by a literal, so that scripts can
// wait for events they raise themselves.
func eventFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Const && fc.Events != nil {
		if _, err := fc.Events.Publish(a.Str); err != nil {
			return err
		}
	}
	return nil
}

func routeFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if fc.Route != nil && !fc.Route(api.RequestRoute, a.Str) {
		return fmt.Errorf("route[%s] is not defined", a.Str)
	}
	return nil
}

// filters reads the "key=value" values of the filter AVP.
func filters(c *api.Ctx, ref api.PVRef) ([]filter, error) {
	vals, isAVP := pv.AVPValues(c, ref)
	if !isAVP {
		v, err := ref.Get(c)
		if err != nil {
			return nil, err
		}
		vals = []api.Value{v}
	}
	var out []filter
	for _, v := range vals {
		if v.IsNull() {
			continue
		}
		k, p, ok := strings.Cut(pv.Str(v), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("bad filter %q (key=value expected)", pv.Str(v))
		}
		out = append(out, filter{key: strings.TrimSpace(k), pattern: strings.TrimSpace(p)})
	}
	return out, nil
}

// subscribe records s for the event and makes sure the module is the
// event's subscriber.
func (m *Module) subscribe(event string, s *subscription) error {
	if m.events.Get(event) == nil {
		return fmt.Errorf("unknown event %q", event)
	}
	if err := m.events.Subscribe(event, "routing:"+event, 0, false); err != nil {
		return err
	}
	m.mu.Lock()
	m.subs[event] = append(m.subs[event], s)
	m.mu.Unlock()
	return nil
}

func (m *Module) notifyOnEvent(c *api.Ctx, args []any) api.Ret {
	ref, _ := args[1].(api.PVRef)
	fs, err := filters(c, ref)
	if err != nil {
		c.Log.Error("notify_on_event: "+err.Error(), "module", "event_routing")
		return api.RetFalse
	}
	n, _ := api.IntArg(args[3])
	s := &subscription{filters: fs, route: api.StrArg(args[2]), tx: c.Tx, expires: time.Now().Add(time.Duration(n) * time.Second)}
	if err := m.subscribe(api.StrArg(args[0]), s); err != nil {
		c.Log.Error("notify_on_event: "+err.Error(), "module", "event_routing")
		return api.RetFalse
	}
	return api.RetTrue
}

// waitForEvent blocks the script until a matching event (its attributes
// become AVPs) or the timeout; gosips runs async() functions inline.
func (m *Module) waitForEvent(c *api.Ctx, args []any) api.Ret {
	ref, _ := args[1].(api.PVRef)
	fs, err := filters(c, ref)
	if err != nil {
		c.Log.Error("wait_for_event: "+err.Error(), "module", "event_routing")
		return api.RetFalse
	}
	n, _ := api.IntArg(args[2])
	d := time.Duration(n) * time.Second
	s := &subscription{filters: fs, expires: time.Now().Add(d), wait: make(chan api.EventParams, 1)}
	if err := m.subscribe(api.StrArg(args[0]), s); err != nil {
		c.Log.Error("wait_for_event: "+err.Error(), "module", "event_routing")
		return api.RetFalse
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	ctx := c.Context
	if ctx == nil {
		ctx = m.ctx
	}
	select {
	case p := <-s.wait:
		setAVPs(c, p)
		return api.RetTrue
	case <-tm.C:
	case <-ctx.Done():
	}
	m.drop(api.StrArg(args[0]), s)
	return api.RetFalse
}

func (m *Module) drop(event string, s *subscription) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.subs[event]
	for i, x := range list {
		if x == s {
			m.subs[event] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// setAVPs exposes event attributes as $avp(name) in c.
func setAVPs(c *api.Ctx, p api.EventParams) {
	st := avpStore(c)
	for _, e := range p {
		if e.Name == "" {
			continue
		}
		v := e.Value
		if v.IsNull() {
			v = api.StrValue("")
		}
		st.Push(e.Name, v)
	}
}

func avpStore(c *api.Ctx) *pv.AVPStore {
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		return h.AVPs()
	}
	if s, ok := c.AVPs.(*pv.AVPStore); ok {
		return s
	}
	s := pv.NewAVPStore()
	c.AVPs = s
	return s
}

// matches reports whether the event's attributes pass every filter.
func (s *subscription) matches(p api.EventParams) bool {
	for _, f := range s.filters {
		v, ok := p.Get(f.key)
		if !ok {
			return false
		}
		str := v.S
		if !v.IsStr() && v.IsInt() {
			str = strconv.FormatInt(v.I, 10)
		}
		if ok, err := path.Match(f.pattern, str); err != nil || !ok {
			if f.pattern != str {
				return false
			}
		}
	}
	return true
}

// sock is the module's subscription to one event.
type sock struct {
	m     *Module
	event string
}

func (s *sock) Match(o api.EventSocket) bool {
	x, ok := o.(*sock)
	return ok && x.event == s.event
}

func (s *sock) String() string { return s.event }

// Raise notifies the matching subscriptions: waiting ones once (they are
// dropped), notification routes on their own goroutine (the raiser may
// hold locks, as usrloc does).
func (s *sock) Raise(ev *api.Event, p api.EventParams) error {
	m := s.m
	now := time.Now()
	var routes []*subscription
	m.mu.Lock()
	list := m.subs[ev.Name]
	keep := list[:0]
	for _, sub := range list {
		if now.After(sub.expires) {
			continue
		}
		if !sub.matches(p) {
			keep = append(keep, sub)
			continue
		}
		if sub.wait != nil {
			select {
			case sub.wait <- p:
			default:
			}
			continue
		}
		routes = append(routes, sub)
		keep = append(keep, sub)
	}
	for i := len(keep); i < len(list); i++ {
		list[i] = nil
	}
	m.subs[ev.Name] = keep
	m.mu.Unlock()
	if len(routes) == 0 || m.core == nil {
		return nil
	}
	p = append(api.EventParams(nil), p...)
	for _, sub := range routes {
		go m.runRoute(sub, p)
	}
	return nil
}

// runRoute runs a notification route with the event's attributes as
// AVPs and the subscriber's transaction available to tm.
func (m *Module) runRoute(sub *subscription, p api.EventParams) {
	c := m.core.NewCtx(m.ctx, api.RequestRoute, nil)
	defer m.core.ReleaseCtx(c)
	setAVPs(c, p)
	if sub.tx != nil {
		c.SetSlot(api.TxRefSlot{}, sub.tx)
	}
	if _, ok := m.core.RunRoute(c, api.RequestRoute, sub.route); !ok {
		m.log.Error("notification route not found", "route", sub.route)
	}
}

var (
	_ api.Initer  = (*Module)(nil)
	_ api.Starter = (*Module)(nil)
)

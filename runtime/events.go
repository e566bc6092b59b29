package runtime

import (
	"errors"

	"gosips/api"
	"gosips/lang/ast"
)

// The event interface delivers to script routes through the "route"
// transport: every event_route[E_NAME] block subscribes, without expiry,
// to its event at start, and subscribe_event("E_X", "route:E_Y") can add
// more. Like OpenSIPS, which hands the route to another process, the route
// runs on its own goroutine with the event's attributes as $param(name).

// routeSock is a "route:NAME" subscriber.
type routeSock struct {
	e    *Engine
	name string
}

func (s *routeSock) Raise(ev *api.Event, params api.EventParams) error {
	e := s.e
	if e.ctx == nil || e.ctx.Err() != nil {
		return errors.New("server stopping")
	}
	params = append(api.EventParams(nil), params...)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.RunEventRoute(s.name, ev.Name, params)
	}()
	return nil
}

func (s *routeSock) Match(o api.EventSocket) bool {
	r, ok := o.(*routeSock)
	return ok && r.name == s.name
}

func (s *routeSock) String() string { return s.name }

// RunEventRoute runs event_route[route] for one raised event, on the
// calling goroutine.
func (e *Engine) RunEventRoute(route, event string, params api.EventParams) {
	t := e.acquire(api.EventRoute, nil)
	defer e.release(t)
	defer e.recoverPanic(nil)
	t.Ctx.SetSlot(api.EventParamsSlot{}, params)
	t.Ctx.SetSlot(api.EventNameSlot{}, event)
	if r := t.prog.Route(ast.RouteEvent, route); r != nil {
		t.RunRoute(r)
	}
}

// startEvents registers the route transport and subscribes the
// event_route blocks to their events (publishing the ones no module
// publishes, as OpenSIPS does for script-only events).
func (e *Engine) startEvents() error {
	evs := e.script.Events
	if evs == nil {
		return nil
	}
	err := evs.RegisterTransport(api.EventTransport{Proto: "route", Parse: func(addr string) (api.EventSocket, error) {
		if e.Program().Route(ast.RouteEvent, addr) == nil {
			return nil, errors.New("no event_route[" + addr + "]")
		}
		return &routeSock{e: e, name: addr}, nil
	}})
	if err != nil {
		return err
	}
	for _, r := range e.script.Routes.All() {
		if r.Kind != ast.RouteEvent || r.Name == "" {
			continue
		}
		if _, err := evs.Publish(r.Name); err != nil {
			return err
		}
		if err := evs.Subscribe(r.Name, "route:"+r.Name, 0, false); err != nil {
			return err
		}
	}
	return nil
}

package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"gosips/api"
	"gosips/pv"
)

// The core events OpenSIPS 3.6 publishes (status_report.c, evi_core.c,
// dprint.c), in its order so that events_list gives the same ids. Only
// E_CORE_TCP_DISCONNECT can be raised by gosips.
var coreEvents = []string{"E_CORE_SR_STATUS_CHANGED", "E_CORE_THRESHOLD", "E_CORE_SHM_THRESHOLD",
	"E_CORE_PKG_THRESHOLD", "E_CORE_PROC_AUTO_SCALE", "E_CORE_TCP_DISCONNECT", "E_CORE_LOG"}

// initEvents publishes the core events and keeps the event interface for
// raise_event(), subscribe_event() and the MI commands.
func (c *Core) initEvents(ic *api.InitCtx) error {
	c.events = ic.Events
	if c.events == nil {
		return nil
	}
	for _, n := range coreEvents {
		if _, err := c.events.Publish(n); err != nil {
			return err
		}
	}
	c.tcpDisconnect = c.events.Get("E_CORE_TCP_DISCONNECT")
	return nil
}

// eventNameFixup publishes an event named by a literal at load time, as
// OpenSIPS' fixup_event_name does, so that scripts may raise and
// subscribe to events of their own.
func eventNameFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if !a.Const || fc.Events == nil {
		return nil
	}
	ev, err := fc.Events.Publish(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = ev
	return nil
}

// eventArg returns the event an argument names.
func (c *Core) eventArg(a any) *api.Event {
	if ev, ok := a.(*api.Event); ok {
		return ev
	}
	return c.events.Get(api.StrArg(a))
}

// raiseEvent is raise_event(event[, attrs_avp], vals_avp): the values of
// the vals AVP (and the names in attrs, pairwise) become the event's
// parameters, newest AVP value first as OpenSIPS walks them.
func (c *Core) raiseEvent(x *api.Ctx, args []any) api.Ret {
	ev := c.eventArg(args[0])
	if ev == nil {
		x.Log.Error("raise_event: event not published", "event", api.StrArg(args[0]))
		return api.RetFalse
	}
	if !ev.HasSubscribers() {
		return api.RetTrue
	}
	// As in OpenSIPS, a single AVP argument names attributes without
	// values: the event is raised without parameters.
	attrs, vals := args[1], args[2]
	var params api.EventParams
	if ref, ok := vals.(api.PVRef); ok {
		vs, _ := pv.AVPValues(x, ref)
		var names []api.Value
		if aref, ok := attrs.(api.PVRef); ok {
			names, _ = pv.AVPValues(x, aref)
			if len(names) < len(vs) {
				x.Log.Error("raise_event: missing attribute", "event", ev.Name)
				return api.RetFalse
			}
			if len(names) > len(vs) {
				x.Log.Error("raise_event: too many attribute names", "event", ev.Name)
			}
		}
		for i, v := range vs {
			p := api.EventParam{Value: v}
			if names != nil {
				if !names[i].IsStr() {
					x.Log.Error("raise_event: invalid attribute name - must be string", "event", ev.Name)
					return api.RetFalse
				}
				p.Name = names[i].S
			}
			if p.Value.IsStr() {
				p.Value = api.StrValue(p.Value.S)
			}
			params = append(params, p)
		}
	}
	if n := ev.Raise(params); n > 0 {
		return api.Ret(-n)
	}
	return api.RetTrue
}

// subscribeEvent is subscribe_event(event, socket[, expire]); without
// expire the subscription never expires.
func (c *Core) subscribeEvent(x *api.Ctx, args []any) api.Ret {
	ev := c.eventArg(args[0])
	if ev == nil {
		x.Log.Error("subscribe_event: event not published", "event", api.StrArg(args[0]))
		return api.RetFalse
	}
	expire := 0
	if n, ok := api.IntArg(args[2]); ok {
		expire = int(n)
	}
	if err := c.events.Subscribe(ev.Name, api.StrArg(args[1]), expire, false); err != nil {
		x.Log.Error("subscribe_event failed", "event", ev.Name, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// RaiseTCPDisconnect raises E_CORE_TCP_DISCONNECT for a closed connection.
func (c *Core) RaiseTCPDisconnect(id int64, ip string, port int, proto string) {
	if !c.tcpDisconnect.HasSubscribers() {
		return
	}
	var p api.EventParams
	p.Int("id", id)
	p.Str("src_ip", ip)
	p.Int("src_port", int64(port))
	p.Str("proto", proto)
	c.tcpDisconnect.Raise(p)
}

// miObj is an MI object whose members keep their order.
type miObj []miKV

type miKV struct {
	k string
	v any
}

func (o miObj) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, kv := range o {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(kv.k)
		v, err := json.Marshal(kv.v)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// MICommands are the event interface's management commands (mi_core.c).
func (c *Core) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "event_subscribe", Help: "subscribes an event to the Event Interface",
			Recipes: [][]string{{"event", "socket"}, {"event", "socket", "expire"}}, Handler: c.miSubscribe},
		{Name: "events_list", Help: "lists all the events advertised through the Event Interface",
			Recipes: [][]string{{}}, Handler: c.miEventsList},
		{Name: "subscribers_list", Help: "lists all the Event Interface subscribers; Params: [ event [ subscriber ]]",
			Recipes: [][]string{{}, {"event"}, {"event", "socket"}}, Handler: c.miSubscribersList},
		{Name: "raise_event", Help: "raises an event through the Event Interface; Params: event [ params ]",
			Recipes: [][]string{{"event"}, {"event", "params"}}, Handler: c.miRaise},
	}
}

func (c *Core) miSubscribe(_ context.Context, p api.MIParams) (any, error) {
	if c.events == nil {
		return nil, &api.MIError{Code: 500, Msg: "Event interface not available"}
	}
	ev, _ := p.Str("event")
	sock, _ := p.Str("socket")
	expire := api.DefaultEventExpire
	if _, given := p["expire"]; given {
		n, ok := p.Int("expire")
		if !ok {
			return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
		}
		if n < 0 {
			return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
		}
		expire = n
	}
	if err := c.events.Subscribe(ev, sock, expire, true); err != nil {
		if errors.Is(err, api.ErrBadSubscription) {
			return nil, &api.MIError{Code: 400, Msg: "Bad parameter value"}
		}
		return nil, &api.MIError{Code: 500, Msg: err.Error()}
	}
	return "OK", nil
}

func (c *Core) miEventsList(context.Context, api.MIParams) (any, error) {
	list := []any{}
	if c.events != nil {
		for _, ev := range c.events.List() {
			list = append(list, miObj{{"name", ev.Name}, {"id", ev.ID}})
		}
	}
	return miObj{{"Events", list}}, nil
}

func subscriberObj(s *api.Subscriber, now time.Time) miObj {
	o := miObj{{"socket", s.Proto + ":" + s.Sock.String()}}
	if !s.Expires {
		return append(o, miKV{"expire", "never"})
	}
	o = append(o, miKV{"expire", s.Expire})
	if ttl := s.TTL(now); ttl > 0 {
		return append(o, miKV{"ttl", ttl})
	}
	return append(o, miKV{"ttl", "expired"})
}

func eventObj(ev *api.Event, subs []*api.Subscriber, now time.Time) miObj {
	if len(subs) == 0 {
		return miObj{}
	}
	list := make([]any, 0, len(subs))
	for _, s := range subs {
		list = append(list, subscriberObj(s, now))
	}
	return miObj{{"name", ev.Name}, {"id", ev.ID}, {"Subscribers", list}}
}

func (c *Core) miSubscribersList(_ context.Context, p api.MIParams) (any, error) {
	now := time.Now()
	if c.events == nil {
		return miObj{{"Events", []any{}}}, nil
	}
	name, byEvent := p.Str("event")
	if !byEvent {
		list := []any{}
		for _, ev := range c.events.List() {
			list = append(list, eventObj(ev, ev.Subscribers(), now))
		}
		return miObj{{"Events", list}}, nil
	}
	ev := c.events.Get(name)
	if ev == nil {
		return nil, &api.MIError{Code: 404, Msg: "Event not published"}
	}
	sock, bySock := p.Str("socket")
	if !bySock {
		return miObj{{"Event", eventObj(ev, ev.Subscribers(), now)}}, nil
	}
	s := ev.Subscriber(sock)
	if s == nil {
		return nil, &api.MIError{Code: 404, Msg: "Subscriber does not exist"}
	}
	return miObj{{"Event", miObj{{"name", ev.Name}, {"id", ev.ID}, {"Subscriber", subscriberObj(s, now)}}}}, nil
}

// miRaise is MI raise_event: params is an array of values or a JSON
// object (given as an object or as a string holding one).
func (c *Core) miRaise(_ context.Context, p api.MIParams) (any, error) {
	name, _ := p.Str("event")
	var ev *api.Event
	if c.events != nil {
		ev = c.events.Get(name)
	}
	if ev == nil {
		return nil, &api.MIError{Code: 404, Msg: "Event not registered"}
	}
	if !ev.HasSubscribers() {
		return nil, &api.MIError{Code: 480, Msg: "Temporarily Unavailable"}
	}
	var params api.EventParams
	switch v := p["params"].(type) {
	case nil:
	case []any:
		for _, e := range v {
			s, ok := api.MIParams{"v": e}.Str("v")
			if !ok {
				return nil, &api.MIError{Code: 400, Msg: "Bad Params"}
			}
			params = append(params, api.EventParam{Value: api.StrValue(s)})
		}
	case string:
		ps, err := jsonEventParams([]byte(v))
		if err != nil {
			return nil, &api.MIError{Code: 400, Msg: "Bad Params"}
		}
		params = ps
	default:
		// As OpenSIPS: named parameters come as a JSON object in a string.
		return nil, &api.MIError{Code: 400, Msg: "No Params"}
	}
	// OpenSIPS hands the raise to a worker and answers at once.
	go ev.Raise(params)
	return "OK", nil
}

// jsonEventParams turns a JSON object into named parameters, in the
// object's order: numbers as integers, strings as strings, anything else
// as its compact JSON text.
func jsonEventParams(raw []byte) (api.EventParams, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errors.New("params json is not an object")
	}
	var out api.EventParams
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := kt.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(val))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case json.Number:
			f, _ := x.Float64()
			out = append(out, api.EventParam{Name: key, Value: api.IntValue(int64(f))})
		case string:
			out = append(out, api.EventParam{Name: key, Value: api.StrValue(x)})
		default:
			var buf bytes.Buffer
			if err := json.Compact(&buf, val); err != nil {
				return nil, err
			}
			out = append(out, api.EventParam{Name: key, Value: api.StrValue(buf.String())})
		}
	}
	return out, nil
}

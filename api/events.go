package api

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/internal/cjson"
)

// EventParam is one attribute of a raised event. Name is empty for the
// positional parameters of raise_event() without attribute names.
type EventParam struct {
	Name  string
	Value Value
}

// EventParams are the attributes of one raised event, in order.
type EventParams []EventParam

// Get returns the attribute called name.
func (p EventParams) Get(name string) (Value, bool) {
	for _, e := range p {
		if e.Name == name && name != "" {
			return e.Value, true
		}
	}
	return Null, false
}

// Str adds a string attribute.
func (p *EventParams) Str(name, v string) {
	*p = append(*p, EventParam{Name: name, Value: StrValue(v)})
}

// StrOrNull adds a string attribute that is null when empty (OpenSIPS
// prints an unset string as null).
func (p *EventParams) StrOrNull(name, v string) {
	if v == "" {
		*p = append(*p, EventParam{Name: name, Value: Null})
		return
	}
	p.Str(name, v)
}

// Int adds an integer attribute.
func (p *EventParams) Int(name string, v int64) {
	*p = append(*p, EventParam{Name: name, Value: IntValue(v)})
}

// EventSocket is one subscriber's destination as a transport parsed it
// (OpenSIPS' evi_reply_sock).
type EventSocket interface {
	// Raise delivers one event. It must not block for long: transports
	// that talk to slow peers queue the payload.
	Raise(ev *Event, params EventParams) error
	// Match reports whether other names the same destination (a new
	// subscription then refreshes the old one).
	Match(other EventSocket) bool
	// String prints the destination without the transport name.
	String() string
}

// EventTransport turns the part of a subscription socket after
// "proto:" into a destination (OpenSIPS' evi_export_t).
type EventTransport struct {
	Proto string
	Parse func(addr string) (EventSocket, error)
	// Expires marks transports whose subscriptions expire (all but the
	// script routes).
	Expires bool
}

// Event is one published event and its subscribers.
type Event struct {
	Name string
	ID   int
	evs  *Events
	subs []*Subscriber // newest first, as OpenSIPS lists them
}

// Subscriber is one subscription of an event.
type Subscriber struct {
	Proto  string
	Sock   EventSocket
	Expire int // seconds; 0 with Expires false means never
	// Expires is false for subscriptions that never expire.
	Expires bool
	Since   time.Time
}

// TTL returns the seconds left before the subscription expires.
func (s *Subscriber) TTL(now time.Time) int {
	return s.Expire - int(now.Unix()-s.Since.Unix())
}

// Events is the event interface of one server: the published events,
// the transports able to deliver them and the subscriptions. Modules
// publish their events in Init and raise them at run time; transport
// modules register in Init.
type Events struct {
	mu         sync.Mutex
	list       []*Event
	byName     map[string]*Event
	transports map[string]EventTransport
	now        func() time.Time
}

// MaxEventName is the longest event name accepted (MAX_EVENT_NAME).
const MaxEventName = 128

// DefaultEventExpire is the default lifetime of a subscription made
// over MI, in seconds.
const DefaultEventExpire = 3600

// NewEvents makes an empty event interface.
func NewEvents() *Events {
	return &Events{byName: map[string]*Event{}, transports: map[string]EventTransport{}, now: time.Now}
}

// Publish registers an event (evi_publish_event); publishing a name
// twice returns the same event.
func (e *Events) Publish(name string) (*Event, error) {
	if e == nil {
		return nil, errors.New("no event interface")
	}
	if name == "" || len(name) > MaxEventName {
		return nil, fmt.Errorf("event name %q: empty or longer than %d characters", name, MaxEventName)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if ev := e.byName[name]; ev != nil {
		return ev, nil
	}
	ev := &Event{Name: name, ID: len(e.list), evs: e}
	e.list = append(e.list, ev)
	e.byName[name] = ev
	return ev, nil
}

// MustPublish is Publish for the fixed names modules publish in Init.
func (e *Events) MustPublish(name string) *Event {
	ev, err := e.Publish(name)
	if err != nil {
		return nil
	}
	return ev
}

// Get returns a published event.
func (e *Events) Get(name string) *Event {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.byName[name]
}

// List returns the published events in id order.
func (e *Events) List() []*Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Event(nil), e.list...)
}

// RegisterTransport adds a transport; the protocol must be new.
func (e *Events) RegisterTransport(t EventTransport) error {
	if e == nil {
		return errors.New("no event interface")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.transports[t.Proto]; dup {
		return fmt.Errorf("event transport %q registered twice", t.Proto)
	}
	e.transports[t.Proto] = t
	return nil
}

// Transports lists the registered transport protocols, sorted.
func (e *Events) Transports() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.transports))
	for p := range e.transports {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ErrBadSubscription is returned by Subscribe for an unknown event, an
// unknown transport or a socket the transport rejects.
var ErrBadSubscription = errors.New("bad subscription")

// Subscribe adds or refreshes a subscription (evi_event_subscribe).
// socket is "proto:address". expire is in seconds; with expire 0 and
// unsubscribe false the subscription never expires, with unsubscribe set
// an expire of 0 removes it.
func (e *Events) Subscribe(event, socket string, expire int, unsubscribe bool) error {
	ev := e.Get(event)
	if ev == nil {
		return fmt.Errorf("%w: unknown event %q", ErrBadSubscription, event)
	}
	proto, addr, _ := strings.Cut(socket, ":")
	e.mu.Lock()
	tr, ok := e.transports[proto]
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: no transport for %q", ErrBadSubscription, socket)
	}
	sock, err := tr.Parse(addr)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadSubscription, socket, err)
	}
	expires := tr.Expires && (expire != 0 || unsubscribe)
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range ev.subs {
		if s.Proto == proto && s.Sock.Match(sock) {
			s.Since = now
			if expires {
				s.Expire, s.Expires = expire, true
			}
			return nil
		}
	}
	s := &Subscriber{Proto: proto, Sock: sock, Since: now, Expires: expires}
	if expires {
		s.Expire = expire
	}
	ev.subs = append([]*Subscriber{s}, ev.subs...)
	return nil
}

// expired reports whether s is past its lifetime.
func (s *Subscriber) expired(now time.Time) bool {
	return s.Expires && s.Since.Unix()+int64(s.Expire) < now.Unix()
}

// dropExpiredLocked removes the expired subscribers of ev.
func (ev *Event) dropExpiredLocked(now time.Time) {
	keep := ev.subs[:0]
	for _, s := range ev.subs {
		if !s.expired(now) {
			keep = append(keep, s)
		}
	}
	for i := len(keep); i < len(ev.subs); i++ {
		ev.subs[i] = nil
	}
	ev.subs = keep
}

// Subscribers returns the live subscribers of ev, newest first, after
// dropping the expired ones.
func (ev *Event) Subscribers() []*Subscriber {
	ev.evs.mu.Lock()
	defer ev.evs.mu.Unlock()
	ev.dropExpiredLocked(ev.evs.now())
	return append([]*Subscriber(nil), ev.subs...)
}

// Subscriber returns the subscription matching socket ("proto:addr").
func (ev *Event) Subscriber(socket string) *Subscriber {
	proto, addr, _ := strings.Cut(socket, ":")
	ev.evs.mu.Lock()
	tr, ok := ev.evs.transports[proto]
	ev.evs.mu.Unlock()
	if !ok {
		return nil
	}
	sock, err := tr.Parse(addr)
	if err != nil {
		return nil
	}
	for _, s := range ev.Subscribers() {
		if s.Proto == proto && s.Sock.Match(sock) {
			return s
		}
	}
	return nil
}

// HasSubscribers reports whether raising ev would deliver it anywhere
// (evi_probe_event); modules skip building parameters when it is false.
func (ev *Event) HasSubscribers() bool {
	if ev == nil {
		return false
	}
	ev.evs.mu.Lock()
	defer ev.evs.mu.Unlock()
	return len(ev.subs) > 0
}

// Raise delivers ev to every live subscriber and returns the number of
// deliveries that failed; expired subscriptions are dropped on the way.
func (ev *Event) Raise(params EventParams) int {
	if ev == nil {
		return 0
	}
	e := ev.evs
	e.mu.Lock()
	ev.dropExpiredLocked(e.now())
	subs := append([]*Subscriber(nil), ev.subs...)
	e.mu.Unlock()
	failed := 0
	for _, s := range subs {
		if err := s.Sock.Raise(ev, params); err != nil {
			failed++
		}
	}
	return failed
}

// EventJSON builds the JSON-RPC 2.0 payload OpenSIPS' transports send:
// {"id":N,"jsonrpc":"2.0","method":M,"params":{...}} where id is left out
// when 0, params is an object for named attributes and an array for
// positional ones, and extraKey/extraVal (event_stream's event_param) is
// put first. Strings are escaped as cJSON does (no HTML escaping).
func EventJSON(method string, id int, params EventParams, extraKey, extraVal string) []byte {
	b := make([]byte, 0, 128+32*len(params))
	b = append(b, '{')
	if id != 0 {
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, ',')
	}
	b = append(b, `"jsonrpc":"2.0","method":`...)
	b = cjson.AppendString(b, method)
	if len(params) > 0 {
		named := params[0].Name != ""
		open, close := byte('['), byte(']')
		if named {
			open, close = '{', '}'
		}
		b = append(b, `,"params":`...)
		b = append(b, open)
		first := true
		sep := func() {
			if !first {
				b = append(b, ',')
			}
			first = false
		}
		if extraKey != "" {
			sep()
			if named {
				b = cjson.AppendString(b, extraKey)
				b = append(b, ':')
			}
			b = cjson.AppendString(b, extraVal)
		}
		for _, p := range params {
			sep()
			if named {
				b = cjson.AppendString(b, p.Name)
				b = append(b, ':')
			}
			switch {
			case p.Value.IsStr():
				b = cjson.AppendString(b, p.Value.S)
			case p.Value.IsInt():
				b = strconv.AppendInt(b, p.Value.I, 10)
			default:
				b = append(b, "null"...)
			}
		}
		b = append(b, close)
	}
	return append(b, '}')
}

// EventParamsSlot is the Ctx slot holding the parameters of the event an
// event_route runs for ($param(name)).
type EventParamsSlot struct{}

// EventNameSlot is the Ctx slot holding the name of that event.
type EventNameSlot struct{}

// TxRefSlot is the Ctx slot holding a transaction (the opaque Ctx.Tx of
// another context): event_routing puts the subscriber's there for its
// notification routes, where tm's t_inject_branches() finds it.
type TxRefSlot struct{}

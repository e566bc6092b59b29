package presence

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/sip"
)

// event is a registered event package.
type event struct {
	*api.PresEvent
	// parsed is OpenSIPS' event number (pres_phtable_list shows it).
	parsed int
	peer   *event
}

func (e *event) String() string { return e.Name }

// eventNumber is the parsed event type of OpenSIPS' Event header parser.
func eventNumber(name string) int {
	switch name {
	case "presence":
		return 1
	case "presence.winfo":
		return 2
	case "sip-profile":
		return 3
	case "xcap-diff":
		return 4
	case "dialog":
		return 5
	case "message-summary":
		return 6
	case "dialog;sla":
		return 7
	case "call-info":
		return 8
	case "line-seize":
		return 9
	case "as-feature-event":
		return 10
	case "refer":
		return 11
	case "reg":
		return 12
	}
	return 0
}

// presKey identifies the state of one presentity for one event.
type presKey struct{ uri, event string }

// publication is one presentity row: one PUBLISH with its entity tag.
type publication struct {
	user, domain string
	event        *event
	etag         string
	expires      int64 // absolute, Unix seconds
	received     int64
	body         []byte
	extraHdrs    []byte
	sender       string
}

// dlgKey identifies a subscription dialog.
type dlgKey struct{ callID, toTag, fromTag string }

// subscription is one active_watchers row.
type subscription struct {
	presURI       string
	event         *event
	eventID       string
	watcherUser   string
	watcherDomain string
	toUser        string
	toDomain      string
	toTag         string
	fromTag       string
	callID        string
	localCSeq     int
	remoteCSeq    int
	contact       string
	recordRoute   string
	expires       int64 // absolute, Unix seconds
	status        int
	reason        string
	version       int
	socket        *sip.Socket
	socketInfo    string
	localContact  string
	sharingTag    string

	// dbState tells the db_update_period flush what to do.
	dbState int
}

// Database states of a subscription (OpenSIPS' db_flag).
const (
	dbNoUpdate = 1 << iota
	dbUpdate
	dbInsert
)

func (s *subscription) key() dlgKey { return dlgKey{s.callID, s.toTag, s.fromTag} }

func (s *subscription) watcherURI() string { return "sip:" + s.watcherUser + "@" + s.watcherDomain }

// state is what Init and Start build; it is embedded in Module.
type state struct {
	log    *slog.Logger
	conn   db.Conn
	uac    api.UAC
	now    func() time.Time
	events []*event
	byName map[string]*event

	mu   sync.Mutex
	pres map[presKey][]*publication
	subs map[dlgKey]*subscription
	// watching indexes subscriptions by presentity and event.
	watching map[presKey]map[*subscription]struct{}
	// deleted are subscriptions removed from memory but still to be
	// deleted from active_watchers at the next flush.
	deleted []dlgKey

	// pubLocks order the PUBLISHes of one presentity and event: each
	// holds its stripe from the state change to the last NOTIFY handed
	// to tm, so that watchers get the states in publication order.
	pubLocks [64]sync.Mutex

	etagSeq  atomic.Uint64
	etagBase string
	stop     context.CancelFunc
	done     chan struct{}
}

// AddEvent implements api.Presence.
func (m *Module) AddEvent(pe *api.PresEvent) error {
	if pe == nil || pe.Name == "" {
		return errors.New("presence: event without a name")
	}
	if m.byName == nil {
		m.byName = map[string]*event{}
	}
	if _, dup := m.byName[pe.Name]; dup {
		return fmt.Errorf("presence: event %q registered twice", pe.Name)
	}
	ev := &event{PresEvent: pe, parsed: eventNumber(pe.Name)}
	if pe.DefaultExpires <= 0 {
		pe.DefaultExpires = 3600
	}
	m.byName[pe.Name] = ev
	m.events = append(m.events, ev)
	for _, o := range m.events {
		if o.Peer == ev.Name && ev.Peer == o.Name {
			o.peer, ev.peer = ev, o
		}
	}
	return nil
}

// allowEvents is the Allow-Events value of a 489: the events, newest
// first, as OpenSIPS lists them.
func (m *Module) allowEvents() string {
	return strings.Join(m.EventNames(), ", ")
}

// EventNames implements api.PresenceEvents: the registered events, the
// last registered first (the order of OpenSIPS' Allow-Events).
func (m *Module) EventNames() []string {
	names := make([]string, 0, len(m.events))
	for i := len(m.events) - 1; i >= 0; i-- {
		names = append(names, m.events[i].Name)
	}
	return names
}

// Init binds tm, opens the database and restores the stored state.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.byName == nil {
		m.byName = map[string]*event{}
	}
	m.pres = map[presKey][]*publication{}
	m.subs = map[dlgKey]*subscription{}
	m.watching = map[presKey]map[*subscription]struct{}{}
	m.etagBase = "a." + strconv.FormatInt(m.now().Unix(), 10) + "." + strconv.Itoa(os.Getpid()) + "."
	if m.uac == nil && ic.Module != nil {
		u, ok := ic.Module("tm").(api.UAC)
		if !ok {
			return errors.New("presence: the tm module is needed to send NOTIFYs")
		}
		m.uac = u
	}
	h := dbconn.Handle{URL: m.DBURL}
	if err := h.Open(ic, m.log); err != nil {
		if h.URL != "" {
			return fmt.Errorf("presence: %w", err)
		}
		if m.Fallback2DB != 0 {
			return errors.New("presence: fallback2db needs db_url")
		}
		m.log.Info("no db_url: presentities and subscriptions are kept in memory only")
		return nil
	}
	ctx := context.Background()
	for _, t := range []struct {
		name string
		v    int
	}{{m.PresentityTable, PresentityVersion}, {m.ActiveWatchersTable, ActiveWatchersVersion},
		{m.WatchersTable, WatchersVersion}} {
		if err := h.CheckVersion(ctx, t.name, t.v); err != nil {
			h.Close()
			return fmt.Errorf("presence: %w", err)
		}
	}
	m.conn = h.Conn
	return nil
}

// Start restores the stored presentities and subscriptions and runs the
// expiry and database timers.
func (m *Module) Start(ctx context.Context) error {
	if m.conn != nil {
		if err := m.loadPresentities(ctx); err != nil {
			return fmt.Errorf("presence: %w", err)
		}
		if err := m.loadSubscriptions(ctx); err != nil {
			return fmt.Errorf("presence: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	m.stop = cancel
	m.done = make(chan struct{})
	go m.run(ctx)
	return nil
}

func (m *Module) run(ctx context.Context) {
	defer close(m.done)
	clean := time.NewTicker(time.Duration(m.CleanPeriod) * time.Second)
	defer clean.Stop()
	flush := time.NewTicker(time.Duration(m.DBUpdatePeriod) * time.Second)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-clean.C:
			m.clean(ctx)
		case <-flush.C:
			m.flush(ctx)
		}
	}
}

// Close stops the timers, writes the subscriptions to the database and
// closes it.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	if m.conn == nil {
		return nil
	}
	m.flush(context.Background())
	err := m.conn.Close()
	m.conn = nil
	return err
}

// pubLock returns the stripe of pubLocks for a presentity and event.
func (m *Module) pubLock(uri, event string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(uri))
	h.Write([]byte(event))
	return &m.pubLocks[h.Sum32()%uint32(len(m.pubLocks))]
}

// newETag makes an entity tag unique over restarts.
func (m *Module) newETag() string {
	n := m.etagSeq.Add(1)
	return m.etagBase + strconv.FormatUint(n, 10) + ".0"
}

// addWatching indexes s; mu held.
func (m *Module) addWatching(s *subscription) {
	k := presKey{s.presURI, s.event.Name}
	set := m.watching[k]
	if set == nil {
		set = map[*subscription]struct{}{}
		m.watching[k] = set
	}
	set[s] = struct{}{}
	m.subs[s.key()] = s
}

// removeSub drops s from memory; mu held.
func (m *Module) removeSub(s *subscription) {
	delete(m.subs, s.key())
	k := presKey{s.presURI, s.event.Name}
	if set := m.watching[k]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(m.watching, k)
		}
	}
	switch {
	case s.dbState&dbInsert != 0 || m.conn == nil:
	case m.Fallback2DB != 0:
		m.dbDeleteSub(context.Background(), s.key())
	default:
		m.deleted = append(m.deleted, s.key())
	}
}

// watchers returns the subscriptions to presURI for ev; mu held.
func (m *Module) watchersOf(presURI string, ev *event) []*subscription {
	set := m.watching[presKey{presURI, ev.Name}]
	out := make([]*subscription, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	return out
}

// bodies returns the published bodies of presURI for ev, oldest first;
// mu held.
func (m *Module) bodies(presURI string, ev *event) [][]byte {
	pubs := m.pres[presKey{presURI, ev.Name}]
	out := make([][]byte, 0, len(pubs))
	for _, p := range pubs {
		if len(p.body) > 0 {
			out = append(out, p.body)
		}
	}
	return out
}

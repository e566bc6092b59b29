package uacregistrant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
	uacauth "gosips/modules/uac_auth"
)

// TableVersion is the registrant table version OpenSIPS 3.x expects.
const TableVersion = 3

// runtime holds what Init and Start set up; it is embedded in Module.
type runtime struct {
	log     *slog.Logger
	conn    db.Conn
	uac     api.UAC
	creds   *uacauth.Module
	buckets []*bucket
	// now is the clock (replaced in tests).
	now  func() time.Time
	seq  atomic.Uint64
	root context.Context
	stop context.CancelFunc
	done chan struct{}
	// closing is set by Close: the replies to the shutdown unREGISTERs
	// must not register the bindings again.
	closing atomic.Bool
}

// Init checks the timer against the table size, binds tm and uac_auth,
// and loads the registrants.
func (m *Module) Init(ic *api.InitCtx) error {
	if m.TimerInterval < m.Buckets() {
		return fmt.Errorf("uac_registrant: timer_interval=[%d] MUST be at least as big as the bucket count 2^hash_size=[%d]",
			m.TimerInterval, m.Buckets())
	}
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if ic.Module != nil {
		if m.uac == nil {
			if u, ok := ic.Module("tm").(api.UAC); ok {
				m.uac = u
			}
		}
		if c, ok := ic.Module("uac_auth").(*uacauth.Module); ok && m.creds == nil {
			m.creds = c
		}
	}
	if m.uac == nil {
		return fmt.Errorf("uac_registrant: the tm module is needed to send REGISTER requests (none loaded)")
	}
	url := m.DBURL
	if url == "" && ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			url = v.S
		}
	}
	if url == "" {
		return fmt.Errorf("uac_registrant: db_url is not set")
	}
	ctx := context.Background()
	conn, err := db.Open(ctx, url, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
	if err != nil {
		return fmt.Errorf("uac_registrant: %w", err)
	}
	if err := db.CheckVersion(ctx, conn, m.TableName, TableVersion); err != nil {
		if !errors.Is(err, db.ErrNoVersion) {
			conn.Close()
			return fmt.Errorf("uac_registrant: %w", err)
		}
		m.log.Warn("no version row for the registrant table", "table", m.TableName)
	}
	m.conn = conn
	m.buckets = make([]*bucket, m.Buckets())
	for i := range m.buckets {
		m.buckets[i] = &bucket{}
	}
	recs, err := m.load(ctx, nil)
	if err != nil {
		conn.Close()
		m.conn = nil
		return fmt.Errorf("uac_registrant: %w", err)
	}
	for _, r := range recs {
		b := m.buckets[r.bucketIndex]
		b.recs = append(b.recs, r)
	}
	return nil
}

// bucketInterval is the time between two bucket checks: the full sweep
// over every bucket takes timer_interval seconds.
func (m *Module) bucketInterval() time.Duration {
	return time.Duration(m.TimerInterval/m.Buckets()) * time.Second
}

// Start runs the registration timer. Clustering is accepted but a single
// node owns every sharing tag, so every record is handled here.
func (m *Module) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	m.root, m.stop = ctx, cancel
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(m.bucketInterval())
		defer t.Stop()
		next := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.checkBucket(next)
				next = (next + 1) % len(m.buckets)
			}
		}
	}()
	return nil
}

// Close stops the timer, un-registers the registered bindings and closes
// the database.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	m.root = nil
	m.closing.Store(true)
	var sends []*send
	for _, b := range m.buckets {
		b.mu.Lock()
		for _, r := range b.recs {
			if r.state == Registered {
				r.state = Unregistering
				sends = append(sends, m.unregister(r, "", false))
			}
		}
		b.mu.Unlock()
	}
	m.dispatch(sends)
	if m.conn == nil {
		return nil
	}
	err := m.conn.Close()
	m.conn = nil
	return err
}

// load reads the registrant table (one record when key is set).
func (m *Module) load(ctx context.Context, key *[3]string) ([]*record, error) {
	c := m.Cols
	cols := []string{c.Registrar, c.Proxy, c.AOR, c.ThirdPartyRegistrant, c.Username, c.Password,
		c.BindingURI, c.BindingParams, c.Expiry, c.ForcedSocket, c.ClusterShtag, c.State}
	var where []db.Cond
	if key != nil {
		where = []db.Cond{db.Eq(c.AOR, db.StringValue(key[0])), db.Eq(c.BindingURI, db.StringValue(key[1])),
			db.Eq(c.Registrar, db.StringValue(key[2]))}
	}
	res, err := m.conn.Query(ctx, m.TableName, cols, where, "", 0)
	if err != nil {
		return nil, fmt.Errorf("load table %s: %w", m.TableName, err)
	}
	now := m.now()
	var out []*record
	for _, row := range res.Rows {
		r := &record{registrar: strings.TrimSpace(row[0].Str()), proxy: row[1].Str(), aor: strings.TrimSpace(row[2].Str()),
			from: row[3].Str(), user: row[4].Str(), password: row[5].Str(), contact: strings.TrimSpace(row[6].Str()),
			params: row[7].Str(), socket: row[9].Str(), shtag: row[10].Str(), enabled: row[11].Int64() == 0}
		if r.registrar == "" || r.aor == "" || r.contact == "" {
			m.log.Error("skipping a registrant without registrar, aor or binding", "aor", r.aor)
			continue
		}
		if r.from == "" {
			r.from = r.aor
		}
		if r.params != "" && !strings.HasPrefix(r.params, ";") {
			r.params = ";" + r.params
		}
		r.single = uniqueBinding(r.params)
		r.wanted = int(row[8].Int64())
		if r.wanted <= 0 {
			r.wanted = m.DefaultExpires
		}
		r.expires = r.wanted
		if r.socket != "" {
			m.log.Warn("forced_socket is not applied to REGISTER requests yet", "aor", r.aor, "socket", r.socket)
		}
		r.bucketIndex = bucketOf(r.aor, len(m.buckets))
		r.newDialogID(now, m.seq.Add(1))
		out = append(out, r)
	}
	return out, nil
}

// updateState writes the enabled flag back (state column: 0 enabled, 1
// disabled).
func (m *Module) updateState(ctx context.Context, r *record) {
	c := m.Cols
	v := int64(1)
	if r.enabled {
		v = 0
	}
	if _, err := m.conn.Update(ctx, m.TableName,
		[]db.Cond{db.Eq(c.AOR, db.StringValue(r.aor)), db.Eq(c.BindingURI, db.StringValue(r.contact)),
			db.Eq(c.Registrar, db.StringValue(r.registrar))},
		[]string{c.State}, []db.Value{db.IntValue(v)}); err != nil {
		m.log.Error("failed to update the registrant state in the database", "aor", r.aor, "err", err)
	}
}

var (
	_ api.Initer  = (*Module)(nil)
	_ api.Starter = (*Module)(nil)
	_ api.Closer  = (*Module)(nil)
)

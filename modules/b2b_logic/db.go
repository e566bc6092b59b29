package b2blogic

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gosips/api"
	"gosips/db"
)

// tableVersion is the b2b_logic table version of OpenSIPS 3.6.
const tableVersion = 5

// Database modes (db_mode).
const (
	dbNone         = 0
	dbWriteThrough = 1
	dbWriteBack    = 2
)

// db_flag values, as b2b_list shows them.
const (
	flagNoUpdate = 0
	flagUpdate   = 1
	flagInsert   = 2
)

// tupleCols are the b2b_logic columns written, in OpenSIPS' order.
var tupleCols = []string{"si_key", "scenario", "sstate", "lifetime",
	"e1_type", "e1_sid", "e1_to", "e1_from", "e1_key", "e1_sdp",
	"e2_type", "e2_sid", "e2_to", "e2_from", "e2_key", "e2_sdp",
	"e3_type", "e3_sid", "e3_to", "e3_from", "e3_key"}

func (m *Module) persisting() bool { return m.dbc != nil && m.DBMode != dbNone }

// row builds t's row; t.mu held. ok is false while the session has not
// both bridge entities (OpenSIPS does not store it then).
func (t *tuple) row(sdpOut func(*leg) string) (vals []db.Value, ok bool) {
	if t.bridge[0] == nil || t.bridge[1] == nil {
		return nil, false
	}
	str := db.StringValue
	var life int64
	if !t.expires.IsZero() {
		life = t.expires.Unix()
	}
	vals = []db.Value{str(t.key), str(t.scenario), db.IntValue(int64(t.state)), db.IntValue(life)}
	for _, l := range t.bridge {
		vals = append(vals, db.IntValue(int64(l.typ)), str(l.id), str(l.toURI), str(l.fromURI), str(l.ent.Key()), str(sdpOut(l)))
	}
	vals = append(vals, db.NullValue(db.Int), db.NullValue(db.String), db.NullValue(db.String),
		db.NullValue(db.String), db.NullValue(db.String))
	return vals, true
}

// dbSave records a change of t: written at once with db_mode 1, at the
// next flush with db_mode 2.
func (m *Module) dbSave(t *tuple) {
	if !m.persisting() {
		return
	}
	if m.DBMode == dbWriteBack {
		t.mu.Lock()
		t.dirty = true
		if t.dbFlag == flagNoUpdate {
			t.dbFlag = flagUpdate
		}
		t.mu.Unlock()
		return
	}
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	m.dbWrite(m.ctx(), t)
}

// dbWrite upserts t's row; dbMu held.
func (m *Module) dbWrite(ctx context.Context, t *tuple) {
	t.mu.Lock()
	t.dirty = false
	if t.deleted {
		t.mu.Unlock()
		return
	}
	vals, ok := t.row(m.sdpOut)
	t.mu.Unlock()
	if !ok {
		return
	}
	if _, err := m.dbc.Upsert(ctx, m.DBTable, []string{"si_key"}, tupleCols, vals); err != nil {
		m.log.Error("b2b_logic: cannot write the session to the database", "key", t.key, "err", err)
		t.mu.Lock()
		t.dirty = true
		t.mu.Unlock()
		return
	}
	t.mu.Lock()
	t.inDB = true
	if m.DBMode == dbWriteBack {
		t.dbFlag = flagNoUpdate
	}
	t.mu.Unlock()
}

// dbForget deletes the row of a session being removed.
func (m *Module) dbForget(t *tuple) {
	if !m.persisting() {
		return
	}
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	t.mu.Lock()
	in := t.inDB
	t.inDB = false
	t.mu.Unlock()
	if !in {
		return
	}
	if _, err := m.dbc.Delete(m.ctx(), m.DBTable, []db.Cond{db.Eq("si_key", db.StringValue(t.key))}); err != nil {
		m.log.Error("b2b_logic: cannot delete the session from the database", "key", t.key, "err", err)
	}
}

// dbFlush writes every changed session (db_mode 2: timer and shutdown).
func (m *Module) dbFlush(ctx context.Context) {
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	for _, t := range m.tuples.all() {
		t.mu.Lock()
		dirty := t.dirty || t.dbFlag == flagInsert
		t.mu.Unlock()
		if dirty {
			m.dbWrite(ctx, t)
		}
	}
}

func (m *Module) dbLoop(ctx context.Context) {
	defer m.wg.Done()
	tk := time.NewTicker(time.Duration(m.UpdatePeriod) * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			m.dbFlush(ctx)
		}
	}
}

// Close flushes what db_mode 2 kept for later and closes the database.
func (m *Module) Close() error {
	if m.dbc == nil {
		return nil
	}
	m.wg.Wait()
	if m.DBMode == dbWriteBack {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		m.dbFlush(ctx)
		cancel()
	}
	return m.dbh.Close()
}

// dbRestore loads the stored sessions (start-up) and claims their
// entities, restored by b2b_entities before; a session none of whose
// entities came back is dropped. Restored sessions run the module's
// script_req_route / script_reply_route, as in OpenSIPS.
func (m *Module) dbRestore(ctx context.Context) error {
	res, err := m.dbc.Query(ctx, m.DBTable, tupleCols, nil, "", 0)
	if err != nil {
		return fmt.Errorf("b2b_logic: loading %s: %w", m.DBTable, err)
	}
	n := 0
	for _, r := range res.Rows {
		col := func(name string) db.Value {
			if i := res.Index(name); i >= 0 && i < len(r) {
				return r[i]
			}
			return db.NullValue(db.String)
		}
		key := col("si_key").Str()
		t := &tuple{key: key, scenario: col("scenario").Str(), state: int(col("sstate").Int64()),
			ctx: map[string]string{}, created: time.Now(), dbFlag: flagNoUpdate, inDB: true}
		var legs []*leg
		for i, p := range []string{"e1_", "e2_", "e3_"} {
			if col(p+"key").Null || col(p+"key").Str() == "" {
				continue
			}
			typ := api.B2BEntityType(col(p + "type").Int64())
			ent := m.ents.Entity(typ, col(p+"key").Str())
			if ent == nil {
				m.log.Warn("b2b_logic: a stored session's entity is gone", "key", key, "entity", col(p+"key").Str())
				continue
			}
			l := &leg{ent: ent, id: col(p + "sid").Str(), typ: typ, no: int(typ), confirmed: true,
				fromURI: col(p + "from").Str(), toURI: col(p + "to").Str()}
			if i < 2 {
				t.bridge[i] = l
			}
			m.claim(ent, col(p+"sdp").Str(), col(map[string]string{"e1_": "e2_", "e2_": "e1_", "e3_": "e3_"}[p]+"sdp").Str())
			if typ == api.B2BServer {
				t.servers = append(t.servers, l)
			} else {
				t.clients = append(t.clients, l)
			}
			legs = append(legs, l)
		}
		if t.bridge[0] != nil && t.bridge[1] != nil {
			t.bridge[0].peer, t.bridge[1].peer = t.bridge[1], t.bridge[0]
		}
		if len(legs) == 0 || !m.tuples.restore(t) {
			m.log.Warn("b2b_logic: dropping a stored session", "key", key)
			if _, err := m.dbc.Delete(ctx, m.DBTable, []db.Cond{db.Eq("si_key", db.StringValue(key))}); err != nil {
				m.log.Error("b2b_logic: cannot delete the session from the database", "key", key, "err", err)
			}
			continue
		}
		if life := col("lifetime").Int64(); life > 0 {
			left := time.Until(time.Unix(life, 0))
			if left <= 0 {
				left = time.Millisecond
			}
			m.setLifetime(t, left)
		}
		n++
	}
	if n > 0 {
		m.log.Info("b2b_logic: restored sessions from the database", "count", n)
	}
	return nil
}

// claim makes m the handler of a restored entity, with the SDPs last
// sent to it (out) and received from it (in, the peer's out).
func (m *Module) claim(e api.B2BEntity, out, in string) {
	var h api.B2BHandler = m
	if tr, ok := m.ents.(*sdpTracker); ok {
		h = &sdpHandler{tr, m}
		tr.record(e, false, "", out)
		tr.record(e, true, "", in)
	}
	m.ents.SetHandler(e, h)
}

// restore indexes a session under its stored key ("hash.id"); new keys
// of the bucket are numbered after it.
func (ts *tuples) restore(t *tuple) bool {
	b := ts.bucket(t.key)
	if b == nil {
		return false
	}
	dot := 0
	for dot < len(t.key) && t.key[dot] != '.' {
		dot++
	}
	id, err := strconv.Atoi(t.key[min(dot+1, len(t.key)):])
	if err != nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.m[t.key]; dup {
		return false
	}
	t.id = id
	b.next = max(b.next, id+1)
	b.m[t.key] = t
	ts.count.Add(1)
	return true
}

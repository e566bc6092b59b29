package b2bentities

import (
	"context"
	"strings"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// tableVersion is the b2b_entities table version of OpenSIPS 3.6.
const tableVersion = 2

// Database modes (db_mode).
const (
	dbNone         = 0
	dbWriteThrough = 1
	dbWriteBack    = 2
)

// db_flag values, as b2be_list shows them.
const (
	flagNoUpdate = 0
	flagUpdate   = 1
	flagInsert   = 2
)

// entityCols are the b2b_entities columns written, in OpenSIPS' order.
var entityCols = []string{"type", "tag0", "tag1", "callid", "ruri", "from_uri", "from_dname", "to_uri",
	"to_dname", "route0", "route1", "sockinfo_srv", "param", "mod_name", "storage", "state", "cseq0",
	"cseq1", "lm", "lrc", "lic", "contact0", "contact1", "leg_tag", "leg_cseq", "leg_contact", "leg_route"}

var entityKeys = []string{"type", "tag0", "tag1", "callid"}

// persisting reports whether entities go to the database.
func (m *Module) persisting() bool { return m.dbc != nil && m.DBMode != dbNone }

// row builds e's row; e.mu held. Strings OpenSIPS keeps empty are
// written empty (not NULL), as it does.
func (e *entity) row() []db.Value {
	str := db.StringValue
	integer := func(v int) db.Value { return db.IntValue(int64(v)) }
	tag0, tag1 := e.fromTag, e.toTag
	cseq0, cseq1 := e.remoteCSeq, e.localCSeq
	contact0, contact1 := e.remoteTarget, e.contact
	route0 := joinRoutes(e.routeSet)
	ruri := e.ruri
	if e.typ == api.B2BClient {
		cseq0, cseq1 = e.localCSeq, e.remoteCSeq
		contact0, contact1 = e.contact, e.remoteTarget
		route0 = ""
		ruri = ""
	}
	sock := ""
	if e.socket != nil {
		sock = e.socket.String()
	}
	modName := ""
	if e.param != "" {
		modName = "b2b_logic"
	}
	lm := lastMethodNo(e.lastMethod)
	vals := []db.Value{integer(int(e.typ)), str(tag0), str(tag1), str(e.callID), str(ruri), str(e.fromURI),
		str(dname(e.fromHdr)), str(e.toURI), str(dname(e.toHdr)), str(route0), str(""), str(sock),
		str(e.param), str(modName), db.NullValue(db.Blob), integer(e.state), db.IntValue(int64(cseq0)),
		db.IntValue(int64(cseq1)), integer(lm), integer(e.lastReplyCode), db.IntValue(int64(e.lastInviteCSeq)),
		str(contact0), str(contact1)}
	if e.typ == api.B2BClient && e.toTag != "" {
		vals = append(vals, str(e.toTag), db.IntValue(int64(e.localCSeq)), str(e.remoteTarget), str(joinRoutes(e.routeSet)))
	} else {
		vals = append(vals, db.NullValue(db.String), db.NullValue(db.Int), db.NullValue(db.String), db.NullValue(db.String))
	}
	return vals
}

// dname is the display name of a From/To value ("" when none), as
// written: quotes kept.
func dname(hdr string) string {
	if i := strings.IndexByte(hdr, '<'); i > 0 {
		return strings.TrimSpace(hdr[:i])
	}
	return ""
}

// dbSave records a change of e: written at once with db_mode 1 (a
// dialog is stored once confirmed, its row deleted once terminated),
// marked for the next flush with db_mode 2.
func (m *Module) dbSave(e *entity) {
	if !m.persisting() {
		return
	}
	if m.DBMode == dbWriteBack {
		e.mu.Lock()
		e.dirty = true
		if e.dbFlag == flagNoUpdate {
			e.dbFlag = flagUpdate
		}
		e.mu.Unlock()
		return
	}
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	m.dbWrite(m.ctx(), e)
}

// dbWrite writes (or deletes) e's row now; dbMu held.
func (m *Module) dbWrite(ctx context.Context, e *entity) {
	e.mu.Lock()
	e.dirty = false
	switch {
	case e.deleted:
		e.mu.Unlock()
		return
	case e.state == stTerminated:
		in := e.inDB
		e.inDB = false
		vals := e.row()
		e.mu.Unlock()
		if in {
			m.dbDelete(ctx, vals)
		}
		return
	case e.state < stConfirmed, e.param == "":
		// Early dialogs are not stored, nor UA sessions (no owner to
		// claim them after a restart).
		e.mu.Unlock()
		return
	}
	vals := e.row()
	callID := e.callID
	e.mu.Unlock()
	if _, err := m.dbc.Upsert(ctx, m.DBTable, entityKeys, entityCols, vals); err != nil {
		m.log.Error("b2b_entities: cannot write the entity to the database", "callid", callID, "err", err)
		e.mu.Lock()
		e.dirty = true
		e.mu.Unlock()
		return
	}
	e.mu.Lock()
	e.inDB = true
	if m.DBMode == dbWriteBack {
		e.dbFlag = flagNoUpdate
	}
	e.mu.Unlock()
}

// dbDelete removes the row with the key columns of vals.
func (m *Module) dbDelete(ctx context.Context, vals []db.Value) {
	conds := make([]db.Cond, len(entityKeys))
	for i, k := range entityKeys {
		conds[i] = db.Eq(k, vals[i])
	}
	if _, err := m.dbc.Delete(ctx, m.DBTable, conds); err != nil {
		m.log.Error("b2b_entities: cannot delete the entity from the database", "callid", vals[3].Str(), "err", err)
	}
}

// dbForget deletes the row of an entity being removed.
func (m *Module) dbForget(e *entity) {
	if !m.persisting() {
		return
	}
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	e.mu.Lock()
	in := e.inDB
	e.inDB = false
	vals := e.row()
	e.mu.Unlock()
	if in {
		m.dbDelete(m.ctx(), vals)
	}
}

// dbFlush writes every changed entity (db_mode 2: timer and shutdown).
func (m *Module) dbFlush(ctx context.Context) {
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	for _, t := range []*table{m.servers, m.clients} {
		for _, e := range t.all() {
			e.mu.Lock()
			dirty := e.dirty || e.dbFlag == flagInsert && e.state >= stConfirmed
			e.mu.Unlock()
			if dirty {
				m.dbWrite(ctx, e)
			}
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

// dbRestore loads the stored entities (start-up): their dialogs come
// back without a handler until the module that owns them (b2b_logic)
// restores its sessions and claims them.
func (m *Module) dbRestore(ctx context.Context) error {
	res, err := m.dbc.Query(ctx, m.DBTable, append([]string{"id"}, entityCols...), nil, "id", 0)
	if err != nil {
		return errf("loading %s: %w", m.DBTable, err)
	}
	col := func(r db.Row, name string) db.Value {
		if i := res.Index(name); i >= 0 && i < len(r) {
			return r[i]
		}
		return db.NullValue(db.String)
	}
	n := 0
	for _, r := range res.Rows {
		s := func(name string) string { return col(r, name).Str() }
		u32 := func(name string) uint32 { return uint32(col(r, name).Int64()) }
		typ := api.B2BEntityType(col(r, "type").Int64())
		e := &entity{typ: typ, callID: s("callid"), fromURI: s("from_uri"), toURI: s("to_uri"),
			fromHdr: nameAddr(s("from_dname"), s("from_uri")), toHdr: nameAddr(s("to_dname"), s("to_uri")),
			fromTag: s("tag0"), param: s("param"), state: int(col(r, "state").Int64()),
			lastReplyCode: int(col(r, "lrc").Int64()), lastInviteCSeq: u32("lic"),
			dbFlag: flagNoUpdate, inDB: true, created: time.Now()}
		e.fromName, e.toName = dname(e.fromHdr), dname(e.toHdr)
		for name, no := range methodNo {
			if no == int(col(r, "lm").Int64()) {
				e.lastMethod = name
			}
		}
		e.socket = m.findSocket(s("sockinfo_srv"))
		if typ == api.B2BServer {
			e.key, e.toTag = s("tag1"), s("tag1")
			e.ruri = s("ruri")
			e.remoteCSeq, e.localCSeq = u32("cseq0"), u32("cseq1")
			e.remoteTarget, e.contact = s("contact0"), s("contact1")
			e.routeSet = splitRoutes([]string{s("route0")})
		} else {
			e.key = e.callID
			e.toTag = s("tag1")
			if t := s("leg_tag"); t != "" {
				e.toTag = t
			}
			e.localCSeq, e.remoteCSeq = u32("cseq0"), u32("cseq1")
			e.contact, e.remoteTarget = s("contact0"), s("contact1")
			if c := s("leg_contact"); c != "" {
				e.remoteTarget = c
			}
			e.routeSet = splitRoutes([]string{s("leg_route")})
		}
		if e.key == "" || e.callID == "" {
			m.log.Error("b2b_entities: skipping a stored entity without key", "id", col(r, "id").Int64())
			continue
		}
		if typ == api.B2BServer {
			m.servers.put(e)
		} else {
			m.clients.put(e)
		}
		n++
	}
	if n > 0 {
		m.log.Info("b2b_entities: restored entities from the database", "count", n)
	}
	return nil
}

func nameAddr(dname, uri string) string {
	if dname == "" {
		return "<" + uri + ">"
	}
	return dname + " <" + uri + ">"
}

// findSocket maps a stored socket ("udp:127.0.0.1:5060") to a listening
// socket, nil when none matches.
func (m *Module) findSocket(s string) *sip.Socket {
	c := m.coreOf()
	if s == "" || c == nil {
		return nil
	}
	f, ok := c.(interface {
		FindSocket(sip.Proto, string, int) *sip.Socket
	})
	if !ok {
		return nil
	}
	sock, err := sip.ParseSocket(s)
	if err != nil {
		return nil
	}
	return f.FindSocket(sock.Proto, sock.IP, sock.Port)
}

// SetHandler implements api.B2BEntities: the owner of a restored entity
// claims it.
func (m *Module) SetHandler(be api.B2BEntity, h api.B2BHandler) {
	if e, ok := be.(*entity); ok && e != nil {
		e.mu.Lock()
		e.handler = h
		e.mu.Unlock()
	}
}

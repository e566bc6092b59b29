package dialog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// columns are the names of the dialog table's columns (the *_column
// parameters).
type columns struct {
	dlgID, callID, fromURI, fromTag, toURI, toTag, state, startTime, timeout,
	toCseq, fromCseq, toRoute, fromRoute, toContact, fromContact, toSock, fromSock,
	profiles, vars, sflags, mflags, flags string
}

func defaultColumns() columns {
	return columns{dlgID: "dlg_id", callID: "callid", fromURI: "from_uri", fromTag: "from_tag",
		toURI: "to_uri", toTag: "to_tag", state: "state", startTime: "start_time", timeout: "timeout",
		toCseq: "callee_cseq", fromCseq: "caller_cseq", toRoute: "callee_route_set",
		fromRoute: "caller_route_set", toContact: "callee_contact", fromContact: "caller_contact",
		toSock: "callee_sock", fromSock: "caller_sock", profiles: "profiles", vars: "vars",
		sflags: "script_flags", mflags: "module_flags", flags: "flags"}
}

func (c *columns) params() []api.Param {
	p := func(name string, dst *string, def string) api.Param {
		x := api.StrParam(name, dst)
		x.Default = def
		return x
	}
	return []api.Param{
		p("dlg_id_column", &c.dlgID, "dlg_id"),
		p("call_id_column", &c.callID, "callid"),
		p("from_uri_column", &c.fromURI, "from_uri"),
		p("from_tag_column", &c.fromTag, "from_tag"),
		p("to_uri_column", &c.toURI, "to_uri"),
		p("to_tag_column", &c.toTag, "to_tag"),
		p("state_column", &c.state, "state"),
		p("start_time_column", &c.startTime, "start_time"),
		p("timeout_column", &c.timeout, "timeout"),
		p("to_cseq_column", &c.toCseq, "callee_cseq"),
		p("from_cseq_column", &c.fromCseq, "caller_cseq"),
		p("to_route_column", &c.toRoute, "callee_route_set"),
		p("from_route_column", &c.fromRoute, "caller_route_set"),
		p("to_contact_column", &c.toContact, "callee_contact"),
		p("from_contact_column", &c.fromContact, "caller_contact"),
		p("to_sock_column", &c.toSock, "callee_sock"),
		p("from_sock_column", &c.fromSock, "caller_sock"),
		p("profiles_column", &c.profiles, "profiles"),
		p("vars_column", &c.vars, "vars"),
		p("sflags_column", &c.sflags, "script_flags"),
		p("mflags_column", &c.mflags, "module_flags"),
		p("flags_column", &c.flags, "flags"),
	}
}

// tableVersion is the dialog table version of OpenSIPS 3.6.
const tableVersion = 12

// Database modes (db_mode).
const (
	dbNone     = 0
	dbRealtime = 1
	dbDelayed  = 2
	dbShutdown = 3
)

// stored tells whether d belongs in the table: only confirmed dialogs are
// written, as OpenSIPS does; mu held.
func (d *dlg) stored() bool {
	return d.state == api.DlgStateConfirmed || d.state == api.DlgStateConfirmedNA
}

// row builds d's row; mu held.
func (m *Module) row(d *dlg) ([]string, []db.Value) {
	c := &m.cols
	cl, ce := &d.legs[api.DlgCaller], &d.legs[api.DlgCallee]
	var vars strings.Builder
	for _, v := range d.vals {
		writePair(&vars, v.name, v.v)
	}
	var timeout int64
	if !d.expiresAt.IsZero() {
		timeout = d.expiresAt.Unix()
	}
	str := db.StringValue
	nullable := func(s string) db.Value {
		if s == "" {
			return db.NullValue(db.String)
		}
		return str(s)
	}
	cols := []string{c.dlgID, c.callID, c.fromURI, c.fromTag, c.toURI, c.toTag,
		c.fromCseq, c.toCseq, "caller_ping_cseq", "callee_ping_cseq",
		c.fromRoute, c.toRoute, c.fromContact, c.toContact, c.fromSock, c.toSock,
		c.state, c.startTime, c.timeout, c.vars, c.profiles, c.sflags, c.mflags, c.flags,
		"rt_on_answer", "rt_on_timeout", "rt_on_hangup"}
	vals := []db.Value{db.BigIntValue(int64(d.ID())), str(d.callID), str(d.fromURI), str(cl.tag),
		str(d.toURI), str(ce.tag), str(cl.cseq), str(ce.cseq), db.IntValue(int64(cl.injected)), db.IntValue(int64(ce.injected)),
		nullable(strings.Join(cl.routeSet, ",")), nullable(strings.Join(ce.routeSet, ",")),
		nullable(cl.contact), nullable(ce.contact), str(sockString(cl)), str(sockString(ce)),
		db.IntValue(int64(d.state)), db.IntValue(d.start.Unix()), db.IntValue(timeout),
		nullable(vars.String()), nullable(d.profilesString()), nullable(m.flagNameList(d.sflags)),
		db.IntValue(int64(d.mflags)), db.IntValue(int64(d.flags &^ (flagNew | flagChanged | flagVPChanged))),
		nullable(d.onAnswer), nullable(d.onTimeout), nullable(d.onHangup)}
	return cols, vals
}

// dbUpdate writes d's row now with db_mode 1 (realtime); the other modes
// write it later.
func (m *Module) dbUpdate(d *dlg) {
	if m.DBMode != dbRealtime || m.dbc == nil {
		return
	}
	m.dbWrite(m.ctx(), d)
}

// dbWrite upserts d's row when it is stored and changed.
func (m *Module) dbWrite(ctx context.Context, d *dlg) {
	d.mu.Lock()
	if !d.stored() || !d.dirty {
		d.mu.Unlock()
		return
	}
	cols, vals := m.row(d)
	d.dirty = false
	d.mu.Unlock()
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	if _, err := m.dbc.Upsert(ctx, m.TableName, []string{m.cols.dlgID}, cols, vals); err != nil {
		m.log.Error("cannot write dialog to the database", "callid", d.callID, "err", err)
		d.mu.Lock()
		d.dirty = true
		d.mu.Unlock()
		return
	}
	d.mu.Lock()
	d.inDB = true
	d.mu.Unlock()
}

// dbRemove deletes d's row (modes 1 and 2; mode 3 writes only what is
// left at shutdown).
func (m *Module) dbRemove(d *dlg) {
	if m.dbc == nil || m.DBMode == dbShutdown {
		return
	}
	d.mu.Lock()
	in := d.inDB
	d.inDB = false
	d.mu.Unlock()
	if !in {
		return
	}
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	if _, err := m.dbc.Delete(m.ctx(), m.TableName, []db.Cond{db.Eq(m.cols.dlgID, db.BigIntValue(int64(d.ID())))}); err != nil {
		m.log.Error("cannot delete dialog from the database", "callid", d.callID, "err", err)
	}
}

// dbStart opens db_url, checks the table version, loads the stored
// dialogs and, with db_mode 2, starts the periodic writer.
func (m *Module) dbStart(ctx context.Context) error {
	if m.dbc == nil {
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, err := db.Open(octx, m.DBURL, db.WithBaseDir(m.configDir), db.WithLogger(m.log))
		cancel()
		if err != nil {
			return err
		}
		m.dbc = conn
	}
	if v, err := m.dbc.TableVersion(ctx, m.TableName); err != nil {
		m.log.Warn("dialog table has no version row", "table", m.TableName, "err", err)
	} else if v != tableVersion {
		return fmt.Errorf("table %s has version %d, expected %d (migrate the table)", m.TableName, v, tableVersion)
	}
	if err := m.dbLoad(ctx); err != nil {
		return err
	}
	if m.DBMode == dbDelayed && m.DBUpdatePeriod > 0 {
		m.wg.Add(1)
		go m.dbLoop(ctx)
	}
	return nil
}

func (m *Module) dbLoop(ctx context.Context) {
	defer m.wg.Done()
	tk := time.NewTicker(m.sec(m.DBUpdatePeriod))
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			_ = m.dbSync(ctx)
		}
	}
}

// dbSync writes every changed dialog now (dlg_db_sync, db_mode 2 timer,
// shutdown).
func (m *Module) dbSync(ctx context.Context) error {
	if m.dbc == nil {
		return fmt.Errorf("no database")
	}
	for _, d := range m.tab.all() {
		m.dbWrite(ctx, d)
	}
	return nil
}

// dbClose writes what db_mode 2/3 kept for later and closes the database.
func (m *Module) dbClose() error {
	if m.dbc == nil {
		return nil
	}
	if m.DBMode == dbDelayed || m.DBMode == dbShutdown {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if m.DBMode == dbShutdown {
			// The table holds exactly the dialogs alive at shutdown.
			if _, err := m.dbc.Delete(ctx, m.TableName, nil); err != nil {
				m.log.Error("cannot clear the dialog table", "err", err)
			}
			for _, d := range m.tab.all() {
				d.mu.Lock()
				d.dirty = true
				d.mu.Unlock()
			}
		}
		_ = m.dbSync(ctx)
		cancel()
	}
	return m.dbc.Close()
}

// dbLoad loads the dialogs of the table (start-up, dlg_restore_db):
// confirmed dialogs come back with their legs, values, profiles, flags
// and the time left; rows whose time is up are deleted.
func (m *Module) dbLoad(ctx context.Context) error {
	if m.dbc == nil {
		return fmt.Errorf("no database")
	}
	res, err := m.dbc.Query(ctx, m.TableName, nil, nil, "", 0)
	if err != nil {
		return fmt.Errorf("loading dialogs: %w", err)
	}
	now := time.Now()
	get := func(r db.Row, col string) db.Value {
		if i := res.Index(col); i >= 0 && i < len(r) {
			return r[i]
		}
		return db.NullValue(db.String)
	}
	c := &m.cols
	loaded := 0
	for _, r := range res.Rows {
		id := uint64(get(r, c.dlgID).Int64())
		d := &dlg{m: m, hEntry: uint32(id >> 32), hID: uint32(id), callID: get(r, c.callID).Str(),
			fromURI: get(r, c.fromURI).Str(), toURI: get(r, c.toURI).Str(),
			state: api.DialogState(get(r, c.state).Int64()), hasCallee: true, inDB: true,
			flags: uint32(get(r, c.flags).Int64()) | flagFromDB, mflags: uint32(get(r, c.mflags).Int64()),
			delDelay: m.sec(m.DeleteDelay)}
		if d.state != api.DlgStateConfirmed && d.state != api.DlgStateConfirmedNA {
			continue
		}
		d.start = time.Unix(get(r, c.startTime).Int64(), 0)
		d.created = d.start
		timeout := time.Unix(get(r, c.timeout).Int64(), 0)
		if !timeout.After(now) {
			m.log.Info("dialog from the database has expired", "callid", d.callID)
			_, _ = m.dbc.Delete(ctx, m.TableName, []db.Cond{db.Eq(c.dlgID, db.BigIntValue(int64(id)))})
			continue
		}
		d.expiresAt = timeout
		d.lifetime = timeout.Sub(d.start)
		d.onAnswer, d.onTimeout, d.onHangup = get(r, "rt_on_answer").Str(), get(r, "rt_on_timeout").Str(), get(r, "rt_on_hangup").Str()
		cl, ce := &d.legs[api.DlgCaller], &d.legs[api.DlgCallee]
		cl.tag, ce.tag = get(r, c.fromTag).Str(), get(r, c.toTag).Str()
		cl.cseq, ce.cseq = get(r, c.fromCseq).Str(), get(r, c.toCseq).Str()
		cl.injected, ce.injected = uint32(get(r, "caller_ping_cseq").Int64()), uint32(get(r, "callee_ping_cseq").Int64())
		cl.contact, ce.contact = get(r, c.fromContact).Str(), get(r, c.toContact).Str()
		cl.routeSet, ce.routeSet = splitRoutes(get(r, c.fromRoute).Str()), splitRoutes(get(r, c.toRoute).Str())
		cl.socket, ce.socket = m.findSocket(get(r, c.fromSock).Str()), m.findSocket(get(r, c.toSock).Str())
		readPairs(get(r, c.vars).Str(), func(name string, v api.Value) { d.vals = append(d.vals, dlgVal{name, v}) })
		for _, f := range strings.Fields(get(r, c.sflags).Str()) {
			if b, err := m.flagBit(f); err == nil {
				d.sflags |= b
			}
		}
		if !m.tab.restore(d) {
			continue
		}
		readPairs(get(r, c.profiles).Str(), func(name string, v api.Value) {
			if p := m.profs.get(name); p != nil {
				p.insert(d, v.S)
				d.profiles = append(d.profiles, profLink{p, v.S})
			}
		})
		d.mu.Lock()
		m.timers.schedule(d, d.expiresAt)
		d.mu.Unlock()
		m.stats.active.Inc()
		loaded++
		m.runGlobal(api.DlgCbLoaded, d, nil)
	}
	if loaded > 0 {
		m.log.Info("dialogs loaded from the database", "count", loaded)
	}
	return nil
}

// splitRoutes splits a stored route set ("<a>,<b>").
func splitRoutes(s string) []string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// findSocket maps a stored socket ("udp:127.0.0.1:5060") to a listening
// socket, nil when none matches.
func (m *Module) findSocket(s string) *sip.Socket {
	ref := m.core.Load()
	if s == "" || ref == nil {
		return nil
	}
	f, ok := ref.c.(interface {
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

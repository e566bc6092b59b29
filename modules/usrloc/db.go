package usrloc

import (
	"context"
	"fmt"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// writeThrough, writeBack and sqlOnly report the working mode.
func (m *Module) writeThrough() bool { return m.conn != nil && m.mode.SQLWriteMode == "write-through" }
func (m *Module) writeBack() bool    { return m.conn != nil && m.mode.SQLWriteMode == "write-back" }
func (m *Module) sqlOnly() bool      { return m.conn != nil && m.mode.ClusterMode == "sql-only" }

// immediate reports whether changes go to the database right away.
func (m *Module) immediate() bool { return m.writeThrough() || m.sqlOnly() }

// splitAOR gives the username and domain columns of an AOR.
func (m *Module) splitAOR(aor string) (user string, domain db.Value) {
	if m.UseDomain != 0 {
		if i := strings.IndexByte(aor, '@'); i >= 0 {
			return aor[:i], db.StringValue(aor[i+1:])
		}
	}
	return aor, db.NullValue(db.String)
}

func (m *Module) aorConds(aor string) []db.Cond {
	user, dom := m.splitAOR(aor)
	conds := []db.Cond{db.Eq(m.Cols.User, db.StringValue(user))}
	if m.UseDomain != 0 {
		conds = append(conds, db.Eq(m.Cols.Domain, dom))
	}
	return conds
}

func nullable(s string) db.Value {
	if s == "" {
		return db.NullValue(db.String)
	}
	return db.StringValue(s)
}

func qDouble(q int) float64 {
	if q == QUnspecified {
		return -1
	}
	return float64(q) / 1000
}

// row builds the column list and values of a contact.
func (m *Module) row(c *Contact) ([]string, []db.Value) {
	user, dom := m.splitAOR(c.AOR)
	cf := m.FlagNames(c.CFlags)
	cols := []string{m.Cols.ContactID, m.Cols.User, m.Cols.Domain, m.Cols.Contact, m.Cols.Received,
		m.Cols.Path, m.Cols.Expires, m.Cols.Q, m.Cols.CallID, m.Cols.CSeq, "last_modified",
		m.Cols.Flags, m.Cols.CFlags, m.Cols.UserAgent, m.Cols.Socket, m.Cols.Methods,
		m.Cols.SIPInstance, m.Cols.Attr}
	vals := []db.Value{db.BigIntValue(int64(c.ID)), db.StringValue(user), dom, db.StringValue(c.URI),
		nullable(c.Received), nullable(c.Path), db.IntValue(c.Expires), db.DoubleValue(qDouble(c.Q)),
		db.StringValue(c.CallID), db.IntValue(int64(c.CSeq)), db.UnixValue(c.LastModified),
		db.IntValue(int64(c.Flags)), nullable(cf), db.StringValue(c.UserAgent), nullable(c.SocketStr),
		db.IntValue(int64(int32(c.Methods))), nullable(c.Instance), nullable(c.Attr)}
	return cols, vals
}

func (m *Module) writeRow(ctx context.Context, d *Domain, c *Contact) error {
	cols, vals := m.row(c)
	if _, err := m.conn.Insert(ctx, d.Name, cols, vals); err != nil {
		return fmt.Errorf("usrloc: insert contact %s of %s: %w", c.URI, c.AOR, err)
	}
	return nil
}

func (m *Module) updateRow(ctx context.Context, d *Domain, c *Contact) error {
	cols, vals := m.row(c)
	where := []db.Cond{db.Eq(m.Cols.ContactID, db.BigIntValue(int64(c.ID)))}
	n, err := m.conn.Update(ctx, d.Name, where, cols[1:], vals[1:])
	if err != nil {
		return fmt.Errorf("usrloc: update contact %s of %s: %w", c.URI, c.AOR, err)
	}
	if n == 0 {
		// The row went away (ul_sync, external delete): write it again.
		return m.writeRow(ctx, d, c)
	}
	return nil
}

func (m *Module) deleteRow(ctx context.Context, d *Domain, id uint64) error {
	_, err := m.conn.Delete(ctx, d.Name, []db.Cond{db.Eq(m.Cols.ContactID, db.BigIntValue(int64(id)))})
	if err != nil {
		return fmt.Errorf("usrloc: delete contact %d: %w", id, err)
	}
	return nil
}

// dbInsert writes a new contact in write-through and sql-only modes.
func (m *Module) dbInsert(ctx context.Context, d *Domain, c *Contact) error {
	if c.Flags&FlagMem != 0 || !m.immediate() {
		return nil
	}
	if err := m.writeRow(ctx, d, c); err != nil {
		return err
	}
	c.State = CSSync
	return nil
}

func (m *Module) dbUpdate(ctx context.Context, d *Domain, c *Contact) error {
	if c.Flags&FlagMem != 0 || !m.immediate() {
		return nil
	}
	if err := m.updateRow(ctx, d, c); err != nil {
		return err
	}
	c.State = CSSync
	return nil
}

func (m *Module) dbDelete(ctx context.Context, d *Domain, c *Contact) error {
	switch {
	case c.Flags&FlagMem != 0:
		return nil
	case m.immediate():
		return m.deleteRow(ctx, d, c.ID)
	case m.writeBack() && c.State != CSNew:
		d.delMu.Lock()
		d.pendingDel = append(d.pendingDel, c.ID)
		d.delMu.Unlock()
	}
	return nil
}

func (m *Module) dbDeleteAOR(ctx context.Context, d *Domain, aor string) error {
	if _, err := m.conn.Delete(ctx, d.Name, m.aorConds(aor)); err != nil {
		return fmt.Errorf("usrloc: delete %s: %w", aor, err)
	}
	return nil
}

func (m *Module) dbExpire(ctx context.Context, d *Domain, now int64) error {
	n, err := m.conn.Delete(ctx, d.Name, []db.Cond{
		{Col: m.Cols.Expires, Op: db.OpLt, Val: db.IntValue(now)},
		{Col: m.Cols.Expires, Op: db.OpGt, Val: db.IntValue(0)},
	})
	if err != nil {
		return err
	}
	d.expired.Add(n)
	return nil
}

// loadCols are the columns read back, in this order.
func (m *Module) loadCols() []string {
	return []string{m.Cols.ContactID, m.Cols.User, m.Cols.Domain, m.Cols.Contact, m.Cols.Received,
		m.Cols.Path, m.Cols.Expires, m.Cols.Q, m.Cols.CallID, m.Cols.CSeq, "last_modified",
		m.Cols.Flags, m.Cols.CFlags, m.Cols.UserAgent, m.Cols.Socket, m.Cols.Methods,
		m.Cols.SIPInstance, m.Cols.Attr}
}

// fromRow rebuilds a contact from a row read with loadCols.
func (m *Module) fromRow(row db.Row) (aor string, c *Contact) {
	aor = row[1].Str()
	if m.UseDomain != 0 && !row[2].Null && row[2].Str() != "" {
		aor += "@" + row[2].Str()
	}
	c = &Contact{
		ID: uint64(row[0].Int64()), AOR: aor, URI: row[3].Str(), Received: row[4].Str(),
		Path: row[5].Str(), Expires: row[6].Int64(), CallID: row[8].Str(), CSeq: int(row[9].Int64()),
		LastModified: row[10].Int64(), Flags: uint32(row[11].Int64()), UserAgent: row[13].Str(),
		SocketStr: row[14].Str(), Instance: row[16].Str(), Attr: row[17].Str(), State: CSSync,
	}
	c.Q = QUnspecified
	if q := row[7].Float64(); !row[7].Null && q >= 0 {
		c.Q = int(q*1000 + 0.5)
	}
	c.CFlags = m.flagBits(row[12].Str())
	c.Methods = AllMethods
	if !row[15].Null {
		c.Methods = uint32(int32(row[15].Int64()))
	}
	if c.SocketStr != "" {
		c.Socket = m.localSocket(c.SocketStr)
	}
	return aor, c
}

// socketFinder is what usrloc needs of the core: the listening sockets.
type socketFinder interface {
	FindSocket(proto sip.Proto, host string, port int) *sip.Socket
}

// SetCore gives usrloc the core's listeners (called before Start), so that
// rows written by another node, or before a socket change, do not force a
// socket this node does not have.
func (m *Module) SetCore(c api.Core) {
	if f, ok := c.(socketFinder); ok {
		m.sockets = f
	}
}

// localSocket resolves a socket column to one of this node's listeners.
// A non-local socket is dropped, as OpenSIPS does ("non-local socket
// ... ignoring"): the request then leaves by the default socket.
func (m *Module) localSocket(str string) *sip.Socket {
	s, err := sip.ParseSocket(str)
	if err != nil {
		m.log.Warn("bad socket in the location table, ignoring it", "socket", str)
		return nil
	}
	if m.sockets == nil {
		return &s
	}
	if found := m.sockets.FindSocket(s.Proto, s.IP, s.Port); found != nil {
		return found
	}
	m.log.Debug("non-local socket in the location table, ignoring it", "socket", str)
	return nil
}

// adopt attaches a loaded contact to its record, keeping the labels of
// its id so that new ids do not collide.
func (r *Record) adopt(c *Contact) {
	if c.ID == 0 {
		c.ID = r.nextContactID()
	} else {
		rlabel := uint32(c.ID >> 14)
		clabel := uint16(c.ID & clabelMask)
		r.label = rlabel
		if next := (clabel + 1) & clabelMask; r.nextCLabel <= clabel {
			r.nextCLabel = next
		}
	}
	r.place(c)
}

// dbLoadRecord reads one AOR (sql-only mode); nil when it has no rows.
func (m *Module) dbLoadRecord(ctx context.Context, d *Domain, aor string) (*Record, error) {
	res, err := m.conn.Query(ctx, d.Name, m.loadCols(), m.aorConds(aor), "", 0)
	if err != nil {
		return nil, fmt.Errorf("usrloc: load %s: %w", aor, err)
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	b, h := d.slot(aor)
	r := &Record{AOR: aor, d: d, hash: h, transient: true, label: b.nextLabel}
	for _, row := range res.Rows {
		_, c := m.fromRow(row)
		c.AOR = aor
		r.adopt(c)
	}
	return r, nil
}

// loadDomain fills a domain from its table at start (restart persistency).
func (m *Module) loadDomain(ctx context.Context, d *Domain) error {
	res, err := m.conn.Query(ctx, d.Name, m.loadCols(), nil, "", 0)
	if err != nil {
		return fmt.Errorf("usrloc: load table %s: %w", d.Name, err)
	}
	for _, row := range res.Rows {
		aor, c := m.fromRow(row)
		d.Lock(aor)
		r := d.Insert(aor)
		r.adopt(c)
		d.contacts.Add(1)
		d.Unlock(aor)
	}
	m.log.Info("location table loaded", "table", d.Name, "contacts", len(res.Rows))
	return nil
}

// flushDomain writes the write-back changes of a domain.
func (m *Module) flushDomain(ctx context.Context, d *Domain) error {
	d.delMu.Lock()
	dels := d.pendingDel
	d.pendingDel = nil
	d.delMu.Unlock()
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, id := range dels {
		keep(m.deleteRow(ctx, d, id))
	}
	d.Each(func(r *Record) {
		for _, c := range r.Contacts {
			if c.Flags&FlagMem != 0 {
				continue
			}
			switch c.State {
			case CSNew:
				err := m.writeRow(ctx, d, c)
				if err == nil {
					c.State = CSSync
				}
				keep(err)
			case CSDirty:
				err := m.updateRow(ctx, d, c)
				if err == nil {
					c.State = CSSync
				}
				keep(err)
			}
		}
	})
	return firstErr
}

var _ interface{ SetCore(api.Core) } = (*Module)(nil)

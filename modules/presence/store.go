package presence

import (
	"context"

	"gosips/api"
	"gosips/db"
)

var subCols = []string{"presentity_uri", "callid", "to_tag", "from_tag", "watcher_username", "watcher_domain",
	"to_user", "to_domain", "event", "event_id", "local_cseq", "remote_cseq", "contact", "record_route",
	"expires", "status", "reason", "version", "socket_info", "local_contact", "sharing_tag"}

func nullable(s string) db.Value {
	if s == "" {
		return db.NullValue(db.String)
	}
	return db.StringValue(s)
}

func subVals(s *subscription) []db.Value {
	return []db.Value{db.StringValue(s.presURI), db.StringValue(s.callID), db.StringValue(s.toTag),
		db.StringValue(s.fromTag), db.StringValue(s.watcherUser), db.StringValue(s.watcherDomain),
		db.StringValue(s.toUser), db.StringValue(s.toDomain), db.StringValue(s.event.Name), nullable(s.eventID),
		db.IntValue(int64(s.localCSeq)), db.IntValue(int64(s.remoteCSeq)), db.StringValue(s.contact),
		nullable(s.recordRoute), db.IntValue(s.expires), db.IntValue(int64(s.status)), nullable(s.reason),
		db.IntValue(int64(s.version)), db.StringValue(s.socketInfo), db.StringValue(s.localContact),
		nullable(s.sharingTag)}
}

// dbWriteSub inserts or updates the active_watchers row of s; mu held.
func (m *Module) dbWriteSub(ctx context.Context, s *subscription) {
	if m.conn == nil {
		return
	}
	if _, err := m.conn.Upsert(ctx, m.ActiveWatchersTable, subCols[:4], subCols, subVals(s)); err != nil {
		m.log.Error("writing subscription failed", "presentity", s.presURI, "callid", s.callID, "err", err)
		return
	}
	s.dbState = dbNoUpdate
}

// dbDeleteSub deletes an active_watchers row.
func (m *Module) dbDeleteSub(ctx context.Context, k dlgKey) {
	if m.conn == nil {
		return
	}
	_, err := m.conn.Delete(ctx, m.ActiveWatchersTable, []db.Cond{db.Eq("callid", db.StringValue(k.callID)),
		db.Eq("to_tag", db.StringValue(k.toTag)), db.Eq("from_tag", db.StringValue(k.fromTag))})
	if err != nil {
		m.log.Error("deleting subscription failed", "callid", k.callID, "err", err)
	}
}

// flush is the db_update_period timer: it writes the subscriptions
// changed since the last run and deletes the ended ones.
func (m *Module) flush(ctx context.Context) {
	if m.conn == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.deleted {
		m.dbDeleteSub(ctx, k)
	}
	m.deleted = m.deleted[:0]
	for _, s := range m.subs {
		if s.dbState&(dbInsert|dbUpdate) != 0 {
			m.dbWriteSub(ctx, s)
		}
	}
}

// loadSubscriptions restores the unexpired active_watchers rows (the
// rows of events no module registered are left alone).
func (m *Module) loadSubscriptions(ctx context.Context) error {
	res, err := m.conn.Query(ctx, m.ActiveWatchersTable, subCols, nil, "", 0)
	if err != nil {
		return err
	}
	now := m.now().Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range res.Rows {
		ev := m.byName[r[8].Str()]
		if ev == nil {
			continue
		}
		s := &subscription{presURI: r[0].Str(), callID: r[1].Str(), toTag: r[2].Str(), fromTag: r[3].Str(),
			watcherUser: r[4].Str(), watcherDomain: r[5].Str(), toUser: r[6].Str(), toDomain: r[7].Str(),
			event: ev, eventID: r[9].Str(), localCSeq: int(r[10].Int64()), remoteCSeq: int(r[11].Int64()),
			contact: r[12].Str(), recordRoute: r[13].Str(), expires: r[14].Int64(), status: int(r[15].Int64()),
			reason: r[16].Str(), version: int(r[17].Int64()), socketInfo: r[18].Str(), localContact: r[19].Str(),
			sharingTag: r[20].Str(), dbState: dbNoUpdate}
		if s.expires <= now {
			m.deleted = append(m.deleted, s.key())
			continue
		}
		m.addWatching(s)
	}
	return nil
}

// clean is the clean_period timer (and MI cleanup): expired
// subscriptions get a terminating NOTIFY and go; expired publications go
// and their watchers are notified.
func (m *Module) clean(ctx context.Context) {
	now := m.now().Unix()
	type changed struct {
		uri     string
		ev      *event
		removed []byte
	}
	var ended []*subscription
	var notify []changed
	m.mu.Lock()
	for _, s := range m.subs {
		if s.expires <= now {
			m.removeSub(s)
			s.status, s.reason = api.SubTerminated, "timeout"
			ended = append(ended, s)
		}
	}
	for k, list := range m.pres {
		kept := list[:0]
		var removed []byte
		for _, p := range list {
			if p.expires > now {
				kept = append(kept, p)
				continue
			}
			removed = p.body
		}
		if len(kept) != len(list) {
			notify = append(notify, changed{k.uri, list[0].event, removed})
		}
		if len(kept) == 0 {
			delete(m.pres, k)
		} else {
			m.pres[k] = kept
		}
	}
	m.mu.Unlock()
	for _, s := range ended {
		m.sendNotify(s, nil, nil, true)
	}
	for _, n := range notify {
		var offline []byte
		if n.ev.Offline != nil && n.removed != nil {
			offline = n.ev.Offline(n.uri, n.removed)
		}
		m.notifyWatchers(n.uri, n.ev, nil, offline)
	}
	if m.conn != nil {
		if _, err := m.conn.Delete(ctx, m.PresentityTable,
			[]db.Cond{{Col: "expires", Op: db.OpLe, Val: db.IntValue(now)}}); err != nil {
			m.log.Error("deleting expired presentities failed", "err", err)
		}
	}
}

package pua

import (
	"context"
	"time"

	"gosips/api"
	"gosips/db"
)

// eventCode is OpenSIPS' pua event bit of an Event header value; 0 for
// events it does not know.
func eventCode(ev string) int64 {
	switch ev {
	case "presence":
		return 1 << 0
	case "presence.winfo":
		return 1 << 1
	case "dialog;sla":
		return 1 << 2
	case "message-summary":
		return 1 << 3
	case "conference":
		return 1 << 4
	case "xcap-diff":
		return 1 << 5
	case "dialog":
		return 1 << 6
	case "call-info":
		return 1 << 7
	case "reg":
		return 1 << 8
	}
	return 0
}

func eventName(code int64) string {
	for _, n := range []string{"presence", "presence.winfo", "dialog;sla", "message-summary", "conference",
		"xcap-diff", "dialog", "call-info", "reg"} {
		if eventCode(n) == code {
			return n
		}
	}
	return ""
}

// sourceFlag is the pua flag of the module that publishes an event
// (UL_PUBLISH for presence, DIALOG_PUBLISH for dialog).
func sourceFlag(ev string) int64 {
	if ev == "dialog" {
		return 1 << 10
	}
	return 1 << 0
}

var dbCols = []string{"pres_uri", "pres_id", "event", "expires", "desired_expires", "flag", "etag", "tuple_id",
	"extra_headers"}

// save writes the publications with an entity tag to the pua table (at
// shutdown), replacing what was there.
func (m *Module) save(ctx context.Context) {
	conn := m.dbh.Conn
	if _, err := conn.Delete(ctx, m.DBTable, nil); err != nil {
		m.log.Error("clearing the pua table failed", "err", err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, r := range m.pubs {
		code := eventCode(k.event)
		if r.etag == "" || code == 0 {
			continue
		}
		extra := ""
		if r.last != nil {
			extra = r.last.ExtraHeaders
		}
		vals := []db.Value{db.StringValue(k.uri), db.StringValue(k.id), db.IntValue(code), db.IntValue(r.expires.Unix()),
			db.IntValue(int64(r.desired)), db.IntValue(sourceFlag(k.event)), db.StringValue(r.etag),
			db.NullValue(db.String), db.StringValue(extra)}
		if _, err := conn.Insert(ctx, m.DBTable, dbCols, vals); err != nil {
			m.log.Error("saving a publication failed", "presentity", k.uri, "err", err)
		}
	}
}

// load restores the unexpired publications saved at the last shutdown
// and empties the table.
func (m *Module) load(ctx context.Context) error {
	conn := m.dbh.Conn
	res, err := conn.Query(ctx, m.DBTable, dbCols, nil, "", 0)
	if err != nil {
		return err
	}
	now := m.now()
	m.mu.Lock()
	for _, row := range res.Rows {
		ev := eventName(row[2].Int64())
		exp := time.Unix(row[3].Int64(), 0)
		if ev == "" || !exp.After(now) || row[6].Str() == "" {
			continue
		}
		k := pubKey{row[0].Str(), row[1].Str(), ev}
		m.pubs[k] = &record{etag: row[6].Str(), expires: exp, desired: int(row[4].Int64()),
			last: &api.Publication{PresURI: k.uri, ID: k.id, Event: ev, Expires: int(row[4].Int64()),
				ExtraHeaders: row[8].Str()}}
	}
	m.mu.Unlock()
	_, err = conn.Delete(ctx, m.DBTable, nil)
	return err
}

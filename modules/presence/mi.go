package presence

import (
	"context"
	"path"
	"sort"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// miRefreshWatchers is refresh_watchers: refresh_type 0 re-reads the
// authorization of the watchers, anything else re-sends the state.
func (m *Module) miRefreshWatchers(_ context.Context, p api.MIParams) (any, error) {
	uri, _ := p.Str("presentity_uri")
	if uri == "" {
		return nil, &api.MIError{Code: 404, Msg: "Empty presentity URI"}
	}
	evName, _ := p.Str("event")
	if evName == "" {
		return nil, &api.MIError{Code: 400, Msg: "Empty event parameter"}
	}
	typ, ok := p.Int("refresh_type")
	if !ok {
		return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
	}
	name, _ := api.ParseEvent(evName)
	ev := m.byName[name]
	if ev == nil {
		return nil, &api.MIError{Code: 500, Msg: "wrong event parameter"}
	}
	user, host, ok := presentityURI(uri)
	if !ok {
		return nil, &api.MIError{Code: 500, Msg: "bad presentity URI"}
	}
	uri = joinURI(user, host)
	if typ == 0 {
		if ev.Authorize == nil {
			return nil, &api.MIError{Code: 500, Msg: "the event has no authorization rules"}
		}
		m.reauthorize(uri, ev)
		return "OK", nil
	}
	m.notifyWatchers(uri, ev, nil, nil)
	return "OK", nil
}

// reauthorize re-evaluates the status of every watcher of uri and
// notifies those whose status changed.
func (m *Module) reauthorize(uri string, ev *event) {
	m.mu.Lock()
	ws := m.watchersOf(uri, ev)
	m.mu.Unlock()
	for _, s := range ws {
		st, reason := ev.Authorize(context.Background(), uri, s.watcherURI())
		m.mu.Lock()
		changed := st != s.status
		s.status, s.reason = st, reason
		if st == api.SubTerminated {
			m.removeSub(s)
		}
		m.mu.Unlock()
		if changed {
			m.sendNotify(s, nil, nil, st == api.SubTerminated)
		}
	}
}

// miPresList is pres_phtable_list: one entry per published entity tag.
func (m *Module) miPresList(context.Context, api.MIParams) (any, error) {
	type entry struct {
		URI       string `json:"pres_uri"`
		Event     int    `json:"event"`
		ETagCount int    `json:"etag_count"`
		ETag      string `json:"etag"`
	}
	m.mu.Lock()
	out := []entry{}
	for k, list := range m.pres {
		for i, p := range list {
			out = append(out, entry{URI: k.uri, Event: p.event.parsed, ETagCount: i + 1, ETag: p.etag})
		}
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].URI != out[j].URI {
			return out[i].URI < out[j].URI
		}
		return out[i].ETag < out[j].ETag
	})
	return out, nil
}

// subEntry is one subs_phtable_list entry, named as OpenSIPS names them.
type subEntry struct {
	PresURI    string `json:"pres_uri"`
	Event      string `json:"event"`
	Expires    string `json:"expires"`
	DBFlag     int    `json:"db_flag"`
	Version    int    `json:"version"`
	SharingTag string `json:"sharing_tag,omitempty"`
	ToUser     string `json:"to_user"`
	ToDomain   string `json:"to_domain"`
	ToTag      string `json:"to_tag"`
	FromUser   string `json:"from_user"`
	FromDomain string `json:"from_domain"`
	FromTag    string `json:"from_tag"`
	Contact    string `json:"contact"`
	NextHop    string `json:"next_hop,omitempty"`
	CallID     string `json:"callid"`
	LocalCSeq  int    `json:"local_cseq"`
	RemoteCSeq int    `json:"remote_cseq"`
}

// miSubsList is subs_phtable_list, optionally filtered by shell
// wildcards on the watcher ("from") and presentity ("to") URIs.
func (m *Module) miSubsList(_ context.Context, p api.MIParams) (any, error) {
	from, hasFrom := p.Str("from")
	to, _ := p.Str("to")
	m.mu.Lock()
	out := []subEntry{}
	for _, s := range m.subs {
		if hasFrom {
			okF, _ := path.Match(from, s.watcherURI())
			okT, _ := path.Match(to, joinURI(s.toUser, s.toDomain))
			if !okF || !okT {
				continue
			}
		}
		e := subEntry{PresURI: s.presURI, Event: s.event.Name,
			Expires: time.Unix(s.expires, 0).Local().Format("2006-01-02 15:04:05"), DBFlag: dbFlag(s),
			Version: s.version, SharingTag: s.sharingTag, ToUser: s.toUser, ToDomain: s.toDomain, ToTag: s.toTag,
			FromUser: s.watcherUser, FromDomain: s.watcherDomain, FromTag: s.fromTag, Contact: s.contact,
			CallID: s.callID, LocalCSeq: s.localCSeq, RemoteCSeq: s.remoteCSeq}
		if s.recordRoute != "" {
			first, _, _ := strings.Cut(s.recordRoute, ",")
			if na, err := sip.ParseNameAddr(strings.TrimSpace(first)); err == nil {
				e.NextHop = na.URI
			}
		}
		out = append(out, e)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].CallID < out[j].CallID })
	return out, nil
}

// dbFlag is OpenSIPS' db_flag of a subscription (NO_UPDATEDB_FLAG 1,
// UPDATEDB_FLAG 2, INSERTDB_FLAG 4).
func dbFlag(s *subscription) int {
	switch {
	case s.dbState&dbInsert != 0:
		return 4
	case s.dbState&dbUpdate != 0:
		return 2
	}
	return 1
}

package acc

import (
	"time"

	"gosips/api"
)

// accEvents are the events of the "evi" backend (OpenSIPS' acc.c).
type accEvents struct {
	event, cdr, missed *api.Event
}

func (m *Acc) publishEvents(evs *api.Events) {
	if evs == nil {
		return
	}
	m.ev = accEvents{
		event:  evs.MustPublish("E_ACC_EVENT"),
		cdr:    evs.MustPublish("E_ACC_CDR"),
		missed: evs.MustPublish("E_ACC_MISSED_EVENT"),
	}
}

// eviParams builds the attributes of an accounting event: method,
// from_tag, to_tag, callid, sip_code, sip_reason, time, then the evi
// extra fields and the leg fields of one leg. Unset values are null, as
// OpenSIPS sends them.
func (m *Acc) eviParams(r *record, ts int64, extra []string, leg []string, haveCtx bool) api.EventParams {
	p := make(api.EventParams, 0, 12)
	p.Str("method", r.method)
	p.StrOrNull("from_tag", r.fromTag)
	p.StrOrNull("to_tag", r.toTag)
	p.StrOrNull("callid", r.callID)
	p.StrOrNull("sip_code", r.code)
	p.StrOrNull("sip_reason", r.reason)
	p.Int("time", ts)
	for _, f := range m.extra.be[beEVI] {
		v := ""
		if haveCtx && f.tag < len(extra) {
			v = extra[f.tag]
		}
		p.StrOrNull(f.name, v)
	}
	for _, f := range m.leg.be[beEVI] {
		v := ""
		if f.tag < len(leg) {
			v = leg[f.tag]
		}
		p.StrOrNull(f.name, v)
	}
	return p
}

// raiseEach raises ev once per leg (once without legs), tail adding the
// attributes after the leg fields.
func (m *Acc) raiseEach(ev *api.Event, r *record, ts int64, extra []string, legs [][]string, haveCtx bool, tail func(*api.EventParams)) {
	if len(legs) == 0 || len(m.leg.be[beEVI]) == 0 {
		legs = [][]string{nil}
	}
	for _, leg := range legs {
		p := m.eviParams(r, ts, extra, leg, haveCtx)
		if tail != nil {
			tail(&p)
		}
		ev.Raise(p)
	}
}

// eviRequest raises E_ACC_EVENT (missed: E_ACC_MISSED_EVENT, with
// setuptime and created) for a transaction report.
func (m *Acc) eviRequest(r *record, x *accCtx, missed bool) {
	ev := m.ev.event
	if missed {
		ev = m.ev.missed
	}
	if !ev.HasSubscribers() {
		return
	}
	var extra []string
	var legs [][]string
	var created int64
	if x != nil {
		x.mu.Lock()
		created = unix(x.created)
		extra, legs = x.snapshot()
		x.mu.Unlock()
	}
	var tail func(*api.EventParams)
	if missed {
		setup := int64(0)
		if x != nil {
			setup = time.Now().Unix() - created
		}
		tail = func(p *api.EventParams) {
			p.Int("setuptime", setup)
			p.Int("created", created)
		}
	}
	m.raiseEach(ev, r, r.ts.Unix(), extra, legs, x != nil, tail)
}

// eviCDR raises E_ACC_CDR for an ended call.
func (m *Acc) eviCDR(r *record, created, start, end time.Time, extra []string, legs [][]string) {
	if !m.ev.cdr.HasSubscribers() {
		return
	}
	ms, sec := msDuration(start, end)
	m.raiseEach(m.ev.cdr, r, unix(start), extra, legs, true, func(p *api.EventParams) {
		p.Int("duration", sec)
		p.Int("ms_duration", ms)
		p.Int("setuptime", unix(start)-unix(created))
		p.Int("created", unix(created))
	})
}

// accEviRequest is acc_evi_request(comment).
func (m *Acc) accEviRequest(c *api.Ctx, args []any) api.Ret {
	req := request(c)
	if req == nil {
		return api.RetFalse
	}
	code, reason := commentRecord(args[0].(string))
	r := newRecord(req, req.ToTag(), code, reason, time.Now())
	r.swapIf(upstream(c))
	m.eviRequest(r, m.fetch(c, false), false)
	return api.RetTrue
}

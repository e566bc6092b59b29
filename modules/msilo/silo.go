package msilo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/pv"
	"gosips/sip"
)

// TableVersion is the silo table version OpenSIPS 3.x expects.
const TableVersion = 6

// Delivery states of a message being sent (OpenSIPS's MS_MSG_* flags).
const (
	msgSending  = 1 << iota // sent, no final reply yet
	msgDone                 // 2xx received: delete at the next check
	msgError                // negative reply: retry later
	msgReminder             // sent as a reminder (snd_time)
)

// runtime holds what Init and Start set up; it is embedded in Module.
type runtime struct {
	log  *slog.Logger
	conn db.Conn
	uac  api.UAC
	fmts pv.FormatCache
	// now is the clock (replaced in tests).
	now func() time.Time

	mu sync.Mutex
	// inFlight tracks the messages handed to tm, by id, until the check
	// timer has acted on their outcome.
	inFlight map[int64]int
	ticks    int

	stats struct {
		stored, dumped, failed, dumpedRmd, failedRmd *api.Stat
	}
	stop context.CancelFunc
	done chan struct{}
}

// Init opens the database, checks the table and binds tm.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.inFlight = map[int64]int{}
	g := ic.Stats.Group("msilo")
	m.stats.stored = g.Counter("stored_messages")
	m.stats.dumped = g.Counter("dumped_messages")
	m.stats.failed = g.Counter("failed_messages")
	m.stats.dumpedRmd = g.Counter("dumped_reminders")
	m.stats.failedRmd = g.Counter("failed_reminders")
	if m.uac == nil {
		var tm api.Module
		if ic.Module != nil {
			tm = ic.Module("tm")
		}
		u, ok := tm.(api.UAC)
		if !ok {
			return fmt.Errorf("msilo: the tm module is needed to deliver messages (none loaded)")
		}
		m.uac = u
	}
	url := m.DBURL
	if url == "" && ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			url = v.S
		}
	}
	if url == "" {
		return fmt.Errorf("msilo: db_url is not set")
	}
	ctx := context.Background()
	conn, err := db.Open(ctx, url, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
	if err != nil {
		return fmt.Errorf("msilo: %w", err)
	}
	if err := db.CheckVersion(ctx, conn, m.DBTable, TableVersion); err != nil {
		if !errors.Is(err, db.ErrNoVersion) {
			conn.Close()
			return fmt.Errorf("msilo: %w", err)
		}
		m.log.Warn("no version row for the silo table", "table", m.DBTable)
	}
	m.conn = conn
	return nil
}

// Start runs the check timer (deletes delivered and expired messages)
// and, with send_time and reminder, the reminder timer.
func (m *Module) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	m.stop = cancel
	m.done = make(chan struct{})
	go m.run(ctx)
	return nil
}

func (m *Module) run(ctx context.Context) {
	defer close(m.done)
	check := time.NewTicker(time.Duration(m.CheckTime) * time.Second)
	defer check.Stop()
	var remind <-chan time.Time
	if m.SendTime > 0 && m.Reminder != "" {
		t := time.NewTicker(time.Duration(m.SendTime) * time.Second)
		defer t.Stop()
		remind = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-check.C:
			m.clean(ctx)
		case <-remind:
			m.sendReminders(ctx)
		}
	}
}

// Close stops the timers, deletes the messages already delivered (so
// that a restart does not send them twice) and closes the database.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	if m.conn == nil {
		return nil
	}
	m.deleteDelivered(context.Background())
	err := m.conn.Close()
	m.conn = nil
	return err
}

// owner returns the user and host of a SIP URI.
func owner(uri string) (user, host string, err error) {
	u, err := sip.ParseURI(strings.TrimSpace(uri))
	if err != nil {
		return "", "", fmt.Errorf("bad owner uri %q: %w", uri, err)
	}
	if u.User == "" || u.Host == "" {
		return "", "", fmt.Errorf("owner uri %q has no user or host", uri)
	}
	return u.User, u.Host, nil
}

// store is m_store: keep the MESSAGE in c for ownerURI.
func (m *Module) store(c *api.Ctx, ownerURI string) api.Ret {
	msg := c.Msg
	if msg == nil || m.conn == nil {
		return api.RetFalse
	}
	to, err := msg.To()
	if err != nil {
		c.Log.Error("m_store: cannot parse To", "err", err)
		return api.RetFalse
	}
	user, host, err := owner(ownerURI)
	if err != nil {
		c.Log.Error("m_store: " + err.Error())
		return api.RetFalse
	}
	cols := m.Cols
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	key := []db.Cond{db.Eq(cols.URIUser, db.StringValue(user)), db.Eq(cols.URIHost, db.StringValue(host))}
	if m.MaxMessages > 0 {
		res, err := m.conn.Query(ctx, m.DBTable, []string{cols.IncTime}, key, "", 0)
		if err != nil {
			c.Log.Error("m_store: query failed", "err", err)
			return api.RetFalse
		}
		if len(res.Rows) >= m.MaxMessages {
			c.Log.Error("m_store: too many messages for the AoR", "aor", user+"@"+host)
			return api.RetFalse
		}
	}
	from, err := msg.From()
	if err != nil {
		c.Log.Error("m_store: cannot parse From", "err", err)
		return api.RetFalse
	}
	ctype, ok := msg.HeaderOf(sip.HdrContentType, "")
	if !ok {
		c.Log.Error("m_store: missing Content-Type header")
		return api.RetFalse
	}
	body := msg.Body()
	bodyVal := db.BlobValue([]byte(body))
	if body == "" {
		bodyVal = db.NullValue(db.Blob)
	}
	expire := m.ExpireTime
	if v, ok := msg.Expires(); ok && v > 0 && v < expire {
		expire = v
	}
	now := m.now().Unix()
	var snd int64
	if m.SndTimeAVP != "" {
		snd = m.sendTime(c)
	}
	_, err = m.conn.Insert(ctx, m.DBTable,
		[]string{cols.URIUser, cols.URIHost, cols.To, cols.From, cols.Body, cols.CType,
			cols.ExpTime, cols.IncTime, cols.SndTime},
		[]db.Value{db.StringValue(user), db.StringValue(host), db.StringValue(to.URI),
			db.StringValue(from.URI), bodyVal, db.StringValue(ctype),
			db.IntValue(now + int64(expire)), db.IntValue(now), db.IntValue(snd)})
	if err != nil {
		c.Log.Error("m_store: failed to store message", "err", err)
		return api.RetFalse
	}
	m.stats.stored.Inc()
	m.notifyOffline(c, from.URI)
	return api.RetTrue
}

// sendTime reads snd_time_avp ("YYYYMMDDHHMMSS", local time); 0 when
// unset or malformed.
func (m *Module) sendTime(c *api.Ctx) int64 {
	name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m.SndTimeAVP), "$avp("), ")")
	h, ok := c.Priv.(pv.AVPHolder)
	if !ok {
		return 0
	}
	v := h.AVPs().Get(name, 0)
	if !v.IsStr() {
		return 0
	}
	t, err := time.ParseInLocation("20060102150405", strings.TrimSpace(v.S), time.Local)
	if err != nil || t.Year() < 2000 {
		c.Log.Warn("m_store: bad snd_time_avp value", "value", v.S)
		return 0
	}
	return t.Unix()
}

// notifyOffline tells the sender that the message was stored, when
// from_address and offline_message are set.
func (m *Module) notifyOffline(c *api.Ctx, fromURI string) {
	if m.FromAddress == "" || m.OfflineMessage == "" {
		return
	}
	from, err := m.fmts.Eval(c, m.FromAddress)
	if err != nil {
		c.Log.Warn("m_store: cannot print from_address", "err", err)
		return
	}
	body, err := m.fmts.Eval(c, m.OfflineMessage)
	if err != nil {
		c.Log.Warn("m_store: cannot print offline_message", "err", err)
		return
	}
	var hdrs strings.Builder
	ctype := ""
	if m.ContactHdr != "" {
		if s, err := m.fmts.Eval(c, m.ContactHdr); err == nil {
			hdrs.WriteString(crlf(s))
		}
	}
	if m.ContentTypeHdr != "" {
		if s, err := m.fmts.Eval(c, m.ContentTypeHdr); err == nil {
			if v, ok := cutHeader(s, "Content-Type"); ok {
				ctype = v
			} else {
				hdrs.WriteString(crlf(s))
			}
		}
	}
	ruri := fromURI
	if m.UseContact != 0 {
		if cts, _, err := c.Msg.Contacts(); err == nil && len(cts) > 0 {
			u := cts[0].URI
			if len(u) >= 6 && strings.EqualFold(u[:4], "sip:") && u[4] != ' ' {
				ruri = u
			}
		}
	}
	req := &api.UACRequest{Method: "MESSAGE", RURI: ruri, To: "<" + fromURI + ">", From: angle(from),
		Headers: hdrs.String(), ContentType: ctype, Body: body, NextHop: m.OutboundProxy}
	if err := m.uac.SendRequest(context.Background(), req); err != nil {
		c.Log.Warn("m_store: offline notification failed", "err", err)
	}
}

// dump is m_dump: send the stored messages of ownerURI. With a REGISTER
// it only dumps for a registration (Expires > 0) of a contact that takes
// MESSAGE; nextHop is where the messages go (the outbound proxy or the
// registering contact).
func (m *Module) dump(c *api.Ctx, ownerURI string, maxMsg int) api.Ret {
	if m.conn == nil {
		return api.RetFalse
	}
	user, host, err := owner(ownerURI)
	if err != nil {
		c.Log.Error("m_dump: " + err.Error())
		return api.RetFalse
	}
	nextHop := m.OutboundProxy
	if msg := c.Msg; msg != nil && msg.IsRequest() && msg.MethodID() == sip.MethodRegister {
		if v, ok := msg.Expires(); ok && v <= 0 {
			return api.RetFalse
		}
		ct, ok := messageContact(msg)
		if !ok {
			return api.RetFalse
		}
		if nextHop == "" {
			nextHop = ct
		}
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	cols := m.Cols
	res, err := m.conn.Query(ctx, m.DBTable,
		[]string{cols.MID, cols.From, cols.To, cols.Body, cols.CType, cols.IncTime},
		[]db.Cond{db.Eq(cols.URIUser, db.StringValue(user)), db.Eq(cols.URIHost, db.StringValue(host)),
			db.Eq(cols.SndTime, db.IntValue(0))}, cols.MID, 0)
	if err != nil {
		c.Log.Error("m_dump: query failed", "err", err)
		return api.RetTrue
	}
	sent := 0
	for _, row := range res.Rows {
		mid := row[0].Int64()
		if !m.claim(mid, 0) {
			continue
		}
		from, to, body, ctype := row[1].Str(), row[2].Str(), row[3].Str(), row[4].Str()
		inc := row[5].Int64()
		if isTextPlain(ctype) && body != "" {
			body = m.datedBody("Offline message", inc, body)
		}
		req := &api.UACRequest{Method: "MESSAGE", RURI: to, To: "<" + to + ">", From: "<" + from + ">",
			Headers: sipDate(inc) + "Contact: <" + from + ">;msilo=yes\r\n", ContentType: ctype,
			Body: body, NextHop: nextHop, OnReply: m.onReply(mid)}
		if err := m.uac.SendRequest(context.Background(), req); err != nil {
			c.Log.Error("m_dump: sending failed", "id", mid, "err", err)
			m.setOutcome(mid, msgError)
		}
		sent++
		if maxMsg > 0 && sent >= maxMsg {
			break
		}
	}
	return api.RetTrue
}

// messageContact returns the first Contact URI of a REGISTER when a
// contact takes MESSAGE (its methods parameter, else the Allow header,
// else no Allow header at all), as check_message_support does.
func messageContact(msg *sip.Msg) (string, bool) {
	cts, star, err := msg.Contacts()
	if err != nil || star || len(cts) == 0 {
		return "", false
	}
	allowHdr, allowMsg := false, false
	for _, a := range msg.Headers("Allow") {
		allowHdr = true
		if hasToken(a, "MESSAGE") {
			allowMsg = true
		}
	}
	for _, ct := range cts {
		if v, ok := sip.Param(ct.Params, "methods"); ok {
			if hasToken(sip.Unquote(v), "MESSAGE") {
				return ct.URI, true
			}
			continue
		}
		if allowMsg {
			return ct.URI, true
		}
	}
	if !allowHdr {
		return cts[0].URI, true
	}
	return "", false
}

func hasToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// claim marks a message as being sent; false when it already is.
func (m *Module) claim(mid int64, extra int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, busy := m.inFlight[mid]; busy {
		return false
	}
	m.inFlight[mid] = msgSending | extra
	return true
}

// onReply records the final reply of a delivery.
func (m *Module) onReply(mid int64) func(*sip.Msg, int) {
	return func(_ *sip.Msg, code int) {
		if code < 200 {
			return
		}
		if code >= 300 {
			m.setOutcome(mid, msgError)
			return
		}
		m.setOutcome(mid, msgDone)
	}
}

func (m *Module) setOutcome(mid int64, flag int) {
	m.mu.Lock()
	if f, ok := m.inFlight[mid]; ok {
		m.inFlight[mid] = f&^msgSending | flag
	}
	m.mu.Unlock()
}

// clean is the check timer: delete what was delivered, release what
// failed for a later dump, and every clean_period runs purge the
// expired messages.
func (m *Module) clean(ctx context.Context) {
	m.deleteDelivered(ctx)
	m.mu.Lock()
	m.ticks++
	purge := m.ticks%m.CleanPeriod == 0
	m.mu.Unlock()
	if purge {
		m.purgeExpired(ctx)
	}
}

// deleteDelivered deletes the rows whose delivery got a 2xx and forgets
// the failed ones (a reminder's send time is reset to 0).
func (m *Module) deleteDelivered(ctx context.Context) {
	m.mu.Lock()
	var done, failedRmd []int64
	for mid, f := range m.inFlight {
		switch {
		case f&msgDone != 0:
			done = append(done, mid)
			if f&msgReminder != 0 {
				m.stats.dumpedRmd.Inc()
			} else {
				m.stats.dumped.Inc()
			}
		case f&msgError != 0 && f&msgReminder != 0:
			failedRmd = append(failedRmd, mid)
			m.stats.failedRmd.Inc()
		case f&msgError != 0:
			// Left in the table: the next m_dump retries it.
			m.stats.failed.Inc()
		default:
			continue
		}
		delete(m.inFlight, mid)
	}
	m.mu.Unlock()
	for _, mid := range done {
		if _, err := m.conn.Delete(ctx, m.DBTable, []db.Cond{db.Eq(m.Cols.MID, db.IntValue(mid))}); err != nil {
			m.log.Error("failed to delete a delivered message", "id", mid, "err", err)
		}
	}
	for _, mid := range failedRmd {
		if _, err := m.conn.Update(ctx, m.DBTable, []db.Cond{db.Eq(m.Cols.MID, db.IntValue(mid))},
			[]string{m.Cols.SndTime}, []db.Value{db.IntValue(0)}); err != nil {
			m.log.Error("failed to reset a reminder", "id", mid, "err", err)
		}
	}
}

// purgeExpired deletes the messages whose exp_time has passed.
func (m *Module) purgeExpired(ctx context.Context) {
	n, err := m.conn.Delete(ctx, m.DBTable,
		[]db.Cond{{Col: m.Cols.ExpTime, Op: db.OpLe, Val: db.IntValue(m.now().Unix())}})
	if err != nil {
		m.log.Error("failed to delete expired messages", "err", err)
		return
	}
	if n > 0 {
		m.log.Debug("expired messages deleted", "count", n)
	}
}

// sendReminders sends the messages whose snd_time has come to their
// owners, From the reminder address.
func (m *Module) sendReminders(ctx context.Context) {
	cols := m.Cols
	now := m.now().Unix()
	res, err := m.conn.Query(ctx, m.DBTable,
		[]string{cols.MID, cols.URIUser, cols.URIHost, cols.Body, cols.CType, cols.SndTime},
		[]db.Cond{{Col: cols.SndTime, Op: db.OpNe, Val: db.IntValue(0)},
			{Col: cols.SndTime, Op: db.OpLe, Val: db.IntValue(now)}}, "", 0)
	if err != nil {
		m.log.Error("reminder query failed", "err", err)
		return
	}
	for _, row := range res.Rows {
		mid := row[0].Int64()
		if !m.claim(mid, msgReminder) {
			continue
		}
		uri := "sip:" + row[1].Str() + "@" + row[2].Str()
		body, ctype := row[3].Str(), row[4].Str()
		if isTextPlain(ctype) && body != "" {
			body = m.datedBody("Reminder message", row[5].Int64(), body)
		}
		req := &api.UACRequest{Method: "MESSAGE", RURI: uri, To: "<" + uri + ">", From: angle(m.Reminder),
			Headers: "Contact: <" + m.Reminder + ">;msilo=yes\r\n", ContentType: ctype, Body: body,
			NextHop: m.OutboundProxy, OnReply: m.onReply(mid)}
		if err := m.uac.SendRequest(ctx, req); err != nil {
			m.setOutcome(mid, msgError)
		}
	}
}

// datedBody prefixes a text/plain body with its date when add_date is on.
func (m *Module) datedBody(what string, unix int64, body string) string {
	if m.AddDate == 0 {
		return body
	}
	return "[" + what + " - " + time.Unix(unix, 0).Local().Format("Mon Jan _2 15:04:05 2006") + "] " + body
}

// sipDate is the Date header line for a Unix time.
func sipDate(unix int64) string {
	if unix <= 0 {
		return ""
	}
	return "Date: " + time.Unix(unix, 0).UTC().Format("Mon, 02 Jan 2006 15:04:05") + " GMT\r\n"
}

func isTextPlain(ctype string) bool { return strings.EqualFold(strings.TrimSpace(ctype), "text/plain") }

// angle puts a bare URI in <>; a name-addr is kept as is.
func angle(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "<\"") {
		return s
	}
	return "<" + s + ">"
}

// crlf ends a header text with CRLF.
func crlf(s string) string {
	if s == "" || strings.HasSuffix(s, "\r\n") {
		return s
	}
	return strings.TrimRight(s, "\r\n") + "\r\n"
}

// cutHeader returns the value of a single "Name: value" line.
func cutHeader(s, name string) (string, bool) {
	line := strings.TrimSpace(s)
	if strings.Contains(line, "\n") {
		return "", false
	}
	n, v, ok := strings.Cut(line, ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(n), name) {
		return "", false
	}
	return strings.TrimSpace(v), true
}

package acc

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// genLine prints the accounting lines as OpenSIPS does, without a module
// part: "NOTICE:ACC: transaction answered: ...".
var genLine = slog.Bool(api.LogGenKey, true)

// The leading texts of OpenSIPS' accounting log lines.
const (
	textRequest  = "ACC: request accounted: "
	textMissed   = "ACC: call missed: "
	textAnswered = "ACC: transaction answered: "
	textEnded    = "ACC: call ended: "
)

// accVersion and missedVersion are the table versions OpenSIPS 3.6 expects.
const (
	accVersion    = 7
	missedVersion = 5
)

// dbOpenTimeout bounds opening the database at start-up; dbWriteTimeout
// one insert.
const (
	dbOpenTimeout  = 10 * time.Second
	dbWriteTimeout = 5 * time.Second
)

// record is the fixed part of an accounting report.
type record struct {
	method, fromTag, toTag, callID, code, reason string
	ts                                           time.Time
}

// newRecord builds the fixed values from a request, the To tag to report
// and the outcome.
func newRecord(req *sip.Msg, toTag string, code, reason string, ts time.Time) *record {
	cid := req.CallID()
	return &record{method: req.Method(), fromTag: req.FromTag(), toTag: toTag, callID: cid,
		code: code, reason: reason, ts: ts}
}

// swapIf swaps the From and To tags of an upstream request, so that the
// report keeps the direction of the call (detect_direction).
func (r *record) swapIf(up bool) {
	if up {
		r.fromTag, r.toTag = r.toTag, r.fromTag
	}
}

// commentRecord splits an acc_*_request() comment ("404 Not Found") into
// the code and reason of the report; without a leading code the code is
// empty and the whole comment is the reason.
func commentRecord(comment string) (code, reason string) {
	if len(comment) >= 3 && isDigit(comment[0]) && isDigit(comment[1]) && isDigit(comment[2]) {
		code = comment[:3]
		reason = strings.TrimLeft(comment[3:], " \t\r\n")
	} else {
		reason = comment
	}
	if reason == "" {
		n, _ := strconv.Atoi(code)
		reason = errorText(n)
	}
	return code, reason
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// coreAttrs are the log attribute names of the fixed values.
var coreAttrs = [6]string{"method", "from_tag", "to_tag", "call_id", "code", "reason"}

func (r *record) values() [6]string {
	return [6]string{r.method, r.fromTag, r.toTag, r.callID, r.code, r.reason}
}

// appendFields adds ";name=value" for the fixed values, the extra fields
// and every leg's fields of backend b.
func (m *Acc) appendFields(sb *strings.Builder, r *record, b int, extra []string, legs [][]string) {
	for i, v := range r.values() {
		sb.WriteByte(';')
		sb.WriteString(coreAttrs[i])
		sb.WriteByte('=')
		sb.WriteString(v)
	}
	for _, f := range m.extra.be[b] {
		sb.WriteByte(';')
		sb.WriteString(f.name)
		sb.WriteByte('=')
		if f.tag < len(extra) {
			sb.WriteString(extra[f.tag])
		}
	}
	for _, leg := range legs {
		for _, f := range m.leg.be[b] {
			sb.WriteByte(';')
			sb.WriteString(f.name)
			sb.WriteByte('=')
			if f.tag < len(leg) {
				sb.WriteString(leg[f.tag])
			}
		}
	}
}

// logRequest writes a transaction report to the log: with a context
// (do_accounting() or $acc_extra was used) the line carries created and
// setuptime too, as OpenSIPS' (setuptime counts from created, which is 0
// without CDRs).
func (m *Acc) logRequest(text string, r *record, x *accCtx) {
	var sb strings.Builder
	sb.WriteString(text)
	sb.WriteString("timestamp=")
	sb.WriteString(strconv.FormatInt(r.ts.Unix(), 10))
	var extra []string
	var legs [][]string
	if x != nil {
		x.mu.Lock()
		created := unix(x.created)
		extra, legs = x.snapshot()
		x.mu.Unlock()
		sb.WriteString(";created=")
		sb.WriteString(strconv.FormatInt(created, 10))
		sb.WriteString(";setuptime=")
		sb.WriteString(strconv.FormatInt(time.Now().Unix()-created, 10))
	}
	m.appendFields(&sb, r, beLog, extra, legs)
	m.log.LogAttrs(context.Background(), m.level, sb.String(), genLine)
}

// unix is t in Unix seconds, 0 for the zero time.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// msDuration returns the call duration in milliseconds and in seconds
// rounded up, as OpenSIPS reports them.
func msDuration(start, end time.Time) (ms, sec int64) {
	if start.IsZero() || end.Before(start) {
		return 0, 0
	}
	ms = end.Sub(start).Milliseconds()
	return ms, int64(math.Ceil(float64(ms) / 1000))
}

// logCDR writes the CDR of an ended call to the log.
func (m *Acc) logCDR(x *accCtx, r *record, created, start, end time.Time, extra []string, legs [][]string) {
	ms, sec := msDuration(start, end)
	var sb strings.Builder
	sb.WriteString(textEnded)
	sb.WriteString("created=")
	sb.WriteString(strconv.FormatInt(unix(created), 10))
	sb.WriteString(";call_start_time=")
	sb.WriteString(strconv.FormatInt(unix(start), 10))
	sb.WriteString(";duration=")
	sb.WriteString(strconv.FormatInt(sec, 10))
	sb.WriteString(";ms_duration=")
	sb.WriteString(strconv.FormatInt(ms, 10))
	sb.WriteString(";setuptime=")
	sb.WriteString(strconv.FormatInt(unix(start)-unix(created), 10))
	m.appendFields(&sb, r, beLog, extra, legs)
	m.log.LogAttrs(context.Background(), m.level, sb.String(), genLine)
}

// row is one insert prepared while the context is locked and written
// later, off the transaction's lock.
type row struct {
	table string
	cols  []string
	vals  [][]db.Value // one per leg (or one)
}

// coreRow returns the columns and values of the fixed part.
func (m *Acc) coreRow(r *record) ([]string, []db.Value) {
	cols := []string{m.Cols.Method, m.Cols.FromTag, m.Cols.ToTag, m.Cols.CallID, m.Cols.SIPCode, m.Cols.SIPReason, m.Cols.Time}
	vals := []db.Value{db.StringValue(r.method), db.StringValue(r.fromTag), db.StringValue(r.toTag),
		db.StringValue(r.callID), db.StringValue(r.code), db.StringValue(r.reason), db.TimeValue(r.ts)}
	return cols, vals
}

// requestRow builds the rows of a transaction report (acc_db_request and
// do_accounting("db")): the fixed part and, with a context, the extra and
// leg columns, setuptime and created (plus a zero duration and
// ms_duration outside the missed-calls table), one row per leg.
func (m *Acc) requestRow(table string, r *record, x *accCtx, missed bool) *row {
	cols, base := m.coreRow(r)
	if x == nil {
		return &row{table: table, cols: cols, vals: [][]db.Value{base}}
	}
	x.mu.Lock()
	created := x.created
	extra, legs := x.snapshot()
	x.mu.Unlock()
	return m.buildRows(table, cols, base, extra, legs, func(cols []string, vals []db.Value) ([]string, []db.Value) {
		cols = append(cols, "setuptime", "created")
		vals = append(vals, db.IntValue(time.Now().Unix()-unix(created)), db.UnixValue(unix(created)))
		if !missed {
			cols = append(cols, "duration", "ms_duration")
			vals = append(vals, db.IntValue(0), db.IntValue(0))
		}
		return cols, vals
	})
}

// cdrRow builds the rows of a CDR.
func (m *Acc) cdrRow(table string, r *record, created, start, end time.Time, extra []string, legs [][]string) *row {
	cols, base := m.coreRow(r)
	base[6] = db.TimeValue(start)
	ms, sec := msDuration(start, end)
	return m.buildRows(table, cols, base, extra, legs, func(cols []string, vals []db.Value) ([]string, []db.Value) {
		cols = append(cols, "setuptime", "created", "duration", "ms_duration")
		vals = append(vals, db.IntValue(unix(start)-unix(created)), db.UnixValue(unix(created)), db.IntValue(sec), db.IntValue(ms))
		return cols, vals
	})
}

// buildRows adds the extra columns, then one row per leg with its leg
// columns, then the tail columns.
func (m *Acc) buildRows(table string, cols []string, base []db.Value, extra []string, legs [][]string,
	tail func([]string, []db.Value) ([]string, []db.Value)) *row {
	for _, f := range m.extra.be[beDB] {
		cols = append(cols, f.name)
		v := ""
		if f.tag < len(extra) {
			v = extra[f.tag]
		}
		base = append(base, db.StringValue(v))
	}
	out := &row{table: table}
	lf := m.leg.be[beDB]
	if len(legs) == 0 || len(lf) == 0 {
		out.cols, base = tail(cols, base)
		out.vals = [][]db.Value{base}
		return out
	}
	for i, leg := range legs {
		c := cols
		v := append([]db.Value(nil), base...)
		if i == 0 {
			c = append([]string(nil), cols...)
		}
		for _, f := range lf {
			if i == 0 {
				c = append(c, f.name)
			}
			s := ""
			if f.tag < len(leg) {
				s = leg[f.tag]
			}
			v = append(v, db.StringValue(s))
		}
		if i == 0 {
			out.cols, v = tail(c, v)
		} else {
			_, v = tail(nil, v)
		}
		out.vals = append(out.vals, v)
	}
	return out
}

// write inserts the rows; it runs off the transaction's lock.
func (m *Acc) write(r *row) error {
	if m.conn == nil {
		return errNoDB
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbWriteTimeout)
	defer cancel()
	for _, v := range r.vals {
		if _, err := m.conn.Insert(ctx, r.table, r.cols, v); err != nil {
			m.log.Error("failed to insert into "+r.table+" table", "err", err)
			return err
		}
	}
	return nil
}

// writeAsync queues the rows for a writer goroutine, so that callbacks
// running under the transaction's lock do not wait for the database.
// The writer gathers rows for batchWait and writes them at once: under
// load the rows of many calls go in one transaction (db.BatchInserter),
// which costs far less than a commit per row (with sqlite about 8 µs
// instead of 105 µs a row).
func (m *Acc) writeAsync(r *row) {
	m.pending.Add(1)
	m.qmu.Lock()
	m.queue = append(m.queue, r)
	start := !m.writing
	m.writing = true
	m.qmu.Unlock()
	if start {
		go m.drain()
	}
}

// maxBatch bounds the rows of one transaction; batchWait is how long the
// writer gathers rows before a transaction (a CDR reaches the table at
// most that much later).
const (
	maxBatch  = 256
	batchWait = 50 * time.Millisecond
)

// drain writes the queued rows until the queue is empty.
func (m *Acc) drain() {
	for {
		m.qmu.Lock()
		if len(m.queue) < maxBatch {
			m.qmu.Unlock()
			time.Sleep(batchWait)
			m.qmu.Lock()
		}
		batch := m.queue
		if len(batch) > maxBatch {
			batch = batch[:maxBatch:maxBatch]
		}
		if len(batch) == 0 {
			m.queue, m.writing = nil, false
			m.qmu.Unlock()
			return
		}
		m.queue = m.queue[len(batch):]
		m.qmu.Unlock()
		m.writeBatch(batch)
		for range batch {
			m.pending.Done()
		}
	}
}

// writeBatch inserts rows; consecutive ones for the same table and
// columns share a transaction when the driver can batch. A failed batch
// is retried row by row, so that one bad row loses only itself.
func (m *Acc) writeBatch(rows []*row) {
	bi, ok := m.conn.(db.BatchInserter)
	if !ok || len(rows) == 1 || m.conn == nil {
		for _, r := range rows {
			_ = m.write(r)
		}
		return
	}
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].table == rows[i].table && slices.Equal(rows[j].cols, rows[i].cols) {
			j++
		}
		var vals [][]db.Value
		for _, r := range rows[i:j] {
			vals = append(vals, r.vals...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), dbWriteTimeout)
		err := bi.InsertMany(ctx, rows[i].table, rows[i].cols, vals)
		cancel()
		if err != nil {
			for _, r := range rows[i:j] {
				_ = m.write(r)
			}
		}
		i = j
	}
}

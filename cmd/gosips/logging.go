package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gosips/api"
)

// Log line formats (stderror_log_format, syslog_log_format).
const (
	formatPlain = iota
	formatJSON
	formatJSONCEE
)

func parseLogFormat(s string) (int, error) {
	switch strings.ToLower(s) {
	case "", "plain_text":
		return formatPlain, nil
	case "json":
		return formatJSON, nil
	case "json_cee":
		return formatJSONCEE, nil
	}
	return 0, fmt.Errorf("unknown log format %q (plain_text, json, json_cee)", s)
}

// logDest is one log consumer: stderr (or the --log-file) or syslog.
type logDest struct {
	w      io.Writer
	format int
	syslog *syslogWriter // nil for a stream
	// filter drops records above this OpenSIPS level (the per-consumer
	// *_level_filter); noFilter when unset.
	filter int
}

const noFilter = 100

// osipsHandler writes log records in OpenSIPS' line formats:
//
//	plain_text on a stream:  "Dec  7 08:02:30 [1234] ERROR:tm: message k=v"
//	plain_text on syslog:    "ERROR:tm: message k=v" (syslog adds time, name and pid)
//	json:                    {"time": "...", "pid": 1234, "level": "ERROR", "module": "tm", "message": "..."}
//
// Records marked with api.LogGenKey (xlog, log(), acc's log lines) have no
// module part ("NOTICE:ACC: ..."), as OpenSIPS' LM_GEN lines; a log_prefix
// goes before the level ("[1234] edge:NOTICE:..."). Attributes other than
// "module" and api.LogGenKey are appended to the message as k=v.
type osipsHandler struct {
	dests  []*logDest
	level  slog.Leveler
	pid    int
	name   string // syslog_name, for json_cee's pname
	host   string
	module string
	gen    bool   // LM_GEN line: no module part
	prefix string // log_prefix, "" for none
	attrs  string // pre-rendered " k=v" pairs
	group  string
}

func (h *osipsHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *osipsHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range as {
		switch {
		case a.Key == "module" && h.group == "":
			n.module = a.Value.String()
			continue
		case a.Key == api.LogGenKey && h.group == "":
			n.gen = a.Value.Resolve().Kind() == slog.KindBool && a.Value.Bool()
			continue
		}
		appendAttr(&b, h.group, a)
	}
	n.attrs = b.String()
	return &n
}

func (h *osipsHandler) WithGroup(name string) slog.Handler {
	n := *h
	if n.group != "" {
		n.group += "."
	}
	n.group += name
	return &n
}

func appendAttr(b *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		g := a.Key
		if group != "" {
			g = group + "." + a.Key
		}
		for _, x := range a.Value.Group() {
			appendAttr(b, g, x)
		}
		return
	}
	b.WriteByte(' ')
	if group != "" {
		b.WriteString(group)
		b.WriteByte('.')
	}
	b.WriteString(a.Key)
	b.WriteByte('=')
	v := a.Value.String()
	if v == "" || strings.ContainsAny(v, " \t\r\n\"=") || !utf8.ValidString(v) {
		v = strconv.Quote(v)
	}
	b.WriteString(v)
}

// osipsLevel returns the OpenSIPS level number and name of a slog level.
func osipsLevel(l slog.Level) (int, string) {
	switch {
	case l >= levelAlert:
		return -3, "ALERT"
	case l >= levelCrit:
		return -2, "CRITICAL"
	case l >= slog.LevelError:
		return -1, "ERROR"
	case l >= slog.LevelWarn:
		return 1, "WARNING"
	case l >= levelNotice:
		return 2, "NOTICE"
	case l >= slog.LevelInfo:
		return 3, "INFO"
	}
	return 4, "DBG"
}

// syslogSeverity maps an OpenSIPS level onto RFC 5424 severities.
func syslogSeverity(osipsLvl int) int {
	switch osipsLvl {
	case -3:
		return 1
	case -2:
		return 2
	case -1:
		return 3
	case 1:
		return 4
	case 2:
		return 5
	case 3:
		return 6
	}
	return 7
}

// stampTime is OpenSIPS' dp_time(): ctime without weekday and year.
func stampTime(t time.Time) string { return t.Format(time.Stamp) }

func (h *osipsHandler) Handle(_ context.Context, r slog.Record) error {
	lvl, lname := osipsLevel(r.Level)
	var mb strings.Builder
	mb.WriteString(strings.TrimRight(r.Message, "\n"))
	mb.WriteString(h.attrs)
	module, gen := h.module, h.gen
	r.Attrs(func(a slog.Attr) bool {
		switch {
		case a.Key == "module" && h.group == "":
			module = a.Value.String()
			return true
		case a.Key == api.LogGenKey && h.group == "":
			gen = a.Value.Resolve().Kind() == slog.KindBool && a.Value.Bool()
			return true
		}
		appendAttr(&mb, h.group, a)
		return true
	})
	if module == "" {
		module = "core"
	}
	if gen {
		module = ""
	}
	msg := mb.String()
	ts := stampTime(r.Time)
	var errs []error
	for _, d := range h.dests {
		if lvl > d.filter {
			continue
		}
		var line string
		switch d.format {
		case formatJSON:
			line = h.jsonLine(ts, lname, module, msg)
		case formatJSONCEE:
			line = h.ceeLine(ts, lname, module, msg, d.syslog != nil)
		default:
			line = h.plainLine(lname, module, msg)
			if d.syslog == nil {
				line = ts + " [" + strconv.Itoa(h.pid) + "] " + line
			}
		}
		if d.syslog != nil {
			errs = append(errs, d.syslog.write(syslogSeverity(lvl), r.Time, line))
			continue
		}
		_, err := io.WriteString(d.w, line+"\n")
		errs = append(errs, err)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// plainLine is a plain_text line after the time and pid: the log_prefix
// and a colon, the level, the module unless it is an LM_GEN line, the
// message.
func (h *osipsHandler) plainLine(level, module, msg string) string {
	var b strings.Builder
	b.Grow(len(h.prefix) + len(level) + len(module) + len(msg) + 4)
	if h.prefix != "" {
		b.WriteString(h.prefix)
		b.WriteByte(':')
	}
	b.WriteString(level)
	b.WriteByte(':')
	if module != "" {
		b.WriteString(module)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	return b.String()
}

func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonLine follows OpenSIPS' "json" schema (key order and spacing); an
// LM_GEN line has no module.
func (h *osipsHandler) jsonLine(ts, level, module, msg string) string {
	s := `{"time": ` + jsonStr(ts) + `, "pid": ` + strconv.Itoa(h.pid) + `, "level": ` + jsonStr(level)
	if module != "" {
		s += `, "module": ` + jsonStr(module)
	}
	if h.prefix != "" {
		s += `, "prefix": ` + jsonStr(h.prefix)
	}
	return s + `, "message": ` + jsonStr(msg) + `}`
}

// ceeLine follows OpenSIPS' "json_cee" schema; on syslog it carries the
// "@cee: " cookie.
func (h *osipsHandler) ceeLine(ts, level, module, msg string, syslog bool) string {
	s := `{"time": ` + jsonStr(ts) + `, "proc": {"id": "` + strconv.Itoa(h.pid) + `"}, "pri": ` + jsonStr(level)
	if module != "" {
		s += `, "subsys": ` + jsonStr(module)
	}
	if h.prefix != "" {
		s += `, "native": {"log_prefix": ` + jsonStr(h.prefix) + `}`
	}
	s += `, "msg": ` + jsonStr(msg) + `, "pname": ` + jsonStr(h.name) + `, "hostname": ` + jsonStr(h.host) + `}`
	if syslog {
		return "@cee: " + s
	}
	return s
}

// syslogFacilityCodes are the syslog(3) facilities OpenSIPS accepts.
var syslogFacilityCodes = map[string]int{
	"LOG_KERN": 0, "LOG_USER": 1, "LOG_MAIL": 2, "LOG_DAEMON": 3, "LOG_AUTH": 4, "LOG_SYSLOG": 5,
	"LOG_LPR": 6, "LOG_NEWS": 7, "LOG_UUCP": 8, "LOG_CRON": 9, "LOG_AUTHPRIV": 10, "LOG_FTP": 11,
	"LOG_LOCAL0": 16, "LOG_LOCAL1": 17, "LOG_LOCAL2": 18, "LOG_LOCAL3": 19,
	"LOG_LOCAL4": 20, "LOG_LOCAL5": 21, "LOG_LOCAL6": 22, "LOG_LOCAL7": 23,
}

// defaultSyslogSocket is where the local syslog daemon listens.
const defaultSyslogSocket = "/dev/log"

// syslogWriter sends datagrams in the local syslog(3) format,
// "<PRI>Mmm dd hh:mm:ss name[pid]: line", to a unix socket; it reconnects
// after an error (syslog daemon restart).
type syslogWriter struct {
	path     string
	facility int
	tag      string
	mu       sync.Mutex
	conn     net.Conn
}

func newSyslogWriter(path string, facility int, tag string) *syslogWriter {
	return &syslogWriter{path: path, facility: facility, tag: tag}
}

func (s *syslogWriter) write(severity int, t time.Time, line string) error {
	msg := "<" + strconv.Itoa(s.facility<<3|severity) + ">" + stampTime(t) + " " + s.tag +
		"[" + strconv.Itoa(os.Getpid()) + "]: " + line
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		if s.conn == nil {
			c, err := net.Dial("unixgram", s.path)
			if err != nil {
				return fmt.Errorf("syslog %s: %w", s.path, err)
			}
			s.conn = c
		}
		if _, err := io.WriteString(s.conn, msg); err == nil {
			return nil
		}
		s.conn.Close()
		s.conn = nil
	}
	return fmt.Errorf("syslog %s: write failed", s.path)
}

func (s *syslogWriter) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

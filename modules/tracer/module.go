// Package tracer is OpenSIPS' tracer module (siptrace in 1.x/2.x): trace()
// copies the SIP messages of a message, transaction or dialog to the
// destinations of a trace_id: a database table (sip_trace), a HEP
// collector through proto_hep, a SIP URI, a file or the log.
package tracer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/hep"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "tracer", New: func() api.Module { return New() },
		Deps: []api.Dep{{Name: "tm", Optional: true}, {Name: "dialog", Optional: true}, {Name: "proto_hep", Optional: true}},
		Doc:  "trace SIP messages, transactions and dialogs to a database, HEP, SIP, a file or the log"})
}

// Module is one tracer instance.
type Module struct {
	traceOn     int
	localIP     string
	fileMode    int
	syslogLevel int
	syslogFacil string
	cols        map[string]string
	ids         map[string]*traceID
	order       []string
	on          atomic.Bool
	log         *slog.Logger
	hep         hep.API
	core        api.Core
	tm          api.TxHooks
	dlg         api.DialogAPI
	conns       map[string]db.Conn
	fileMu      sync.Mutex
	localProto  string
	localAddr   string
	localPort   int
	reqs, rpls  *api.Stat
	dynMu       sync.RWMutex
	dyn         map[string]*traceID
	configDir   string
	dbOpen      func(ctx context.Context, url string) (db.Conn, error)
}

// traceID is one named trace_id with its destinations.
type traceID struct {
	name  string
	dests []*dest
	on    atomic.Bool
}

type destKind int

const (
	toDB destKind = iota
	toHEP
	toSIP
	toFile
	toSyslog
)

var kindNames = [...]string{"database", "hep", "sip", "file", "syslog"}

type dest struct {
	kind    destKind
	uri     string // as written
	table   string
	conn    db.Conn
	hepName string
	hep     *hep.Dest
	sipDest sip.Dest
	path    string
	level   slog.Level
}

// New returns a tracer instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{traceOn: 1, fileMode: 0o600, syslogLevel: 2, cols: map[string]string{}, ids: map[string]*traceID{},
		log: slog.New(slog.DiscardHandler), conns: map[string]db.Conn{}, dyn: map[string]*traceID{}}
}

// dbColumns are sip_trace's columns and the parameters renaming them.
var dbColumns = []struct{ name, param string }{
	{"msg", "msg_column"}, {"callid", "callid_column"}, {"method", "method_column"}, {"status", "status_column"},
	{"from_proto", "fromproto_column"}, {"from_ip", "fromip_column"}, {"from_port", "fromport_column"},
	{"to_proto", "toproto_column"}, {"to_ip", "toip_column"}, {"to_port", "toport_column"},
	{"time_stamp", "date_column"}, {"direction", "direction_column"}, {"fromtag", "fromtag_column"},
	{"trace_attrs", "trace_attrs_column"},
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	ps := []api.Param{
		{Name: "trace_id", Type: api.ParamStr, Multi: true, Set: func(v api.ParamValue) error { return m.addTraceID(v.Str) }},
		api.IntParam("trace_on", &m.traceOn),
		{Name: "trace_local_ip", Type: api.ParamStr, Set: func(v api.ParamValue) error { return m.setLocalIP(v.Str) }},
		api.IntParam("file_mode", &m.fileMode),
		api.IntParam("syslog_default_level", &m.syslogLevel),
		api.StrParam("syslog_default_facility", &m.syslogFacil),
	}
	for _, c := range dbColumns {
		name := c.name
		ps = append(ps, api.Param{Name: c.param, Type: api.ParamStr, Default: name, Set: func(v api.ParamValue) error {
			if err := db.CheckIdent(v.Str); err != nil {
				return err
			}
			m.cols[name] = v.Str
			return nil
		}})
	}
	return ps
}

func (m *Module) col(n string) string {
	if c, ok := m.cols[n]; ok {
		return c
	}
	return n
}

// setLocalIP parses trace_local_ip: [proto:]ip[:port], udp and 5060 by
// default.
func (m *Module) setLocalIP(s string) error {
	proto, rest := "udp", s
	if p, r, ok := strings.Cut(s, ":"); ok && sip.ParseProto(p) != sip.ProtoNone {
		proto, rest = strings.ToLower(p), r
	}
	host, port := rest, 5060
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && strings.Count(rest, ":") == 1 {
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("trace_local_ip %q: bad port", s)
		}
		host, port = rest[:i], n
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err != nil {
		return fmt.Errorf("trace_local_ip %q: not an IP address", s)
	}
	m.localProto, m.localAddr, m.localPort = proto, strings.Trim(host, "[]"), port
	return nil
}

// addTraceID parses "[name]uri=...;table=...;": several lines with the same
// name add destinations to the same id.
func (m *Module) addTraceID(s string) error {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return fmt.Errorf("trace_id %q: missing [name]", s)
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return fmt.Errorf("trace_id %q: unterminated [name]", s)
	}
	name := strings.TrimSpace(s[1:end])
	if name == "" {
		return fmt.Errorf("trace_id %q: empty name", s)
	}
	d, err := parseDest(s[end+1:])
	if err != nil {
		return fmt.Errorf("trace_id %q: %w", s, err)
	}
	id := m.ids[name]
	if id == nil {
		id = &traceID{name: name}
		m.ids[name] = id
		m.order = append(m.order, name)
	}
	id.dests = append(id.dests, d)
	return nil
}

func parseDest(s string) (*dest, error) {
	kv := map[string]string{}
	for _, p := range strings.Split(s, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want key=value", p)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if k != "uri" && k != "table" {
			return nil, fmt.Errorf("unknown key %q (uri, table)", k)
		}
		kv[k] = strings.TrimSpace(v)
	}
	uri := kv["uri"]
	if uri == "" {
		return nil, errors.New("no uri=")
	}
	d := &dest{uri: uri}
	scheme, rest, _ := strings.Cut(uri, ":")
	switch strings.ToLower(scheme) {
	case "hep":
		d.kind, d.hepName = toHEP, rest
	case "sip", "sips":
		d.kind = toSIP
		if _, err := sip.ParseURI(uri); err != nil {
			return nil, fmt.Errorf("bad SIP URI %q", uri)
		}
	case "file":
		if rest == "" {
			return nil, errors.New("file: needs a path")
		}
		d.kind, d.path = toFile, rest
	case "syslog":
		d.kind, d.level = toSyslog, slog.LevelInfo
		if _, lvl, ok := strings.Cut(rest, ":"); ok {
			n, err := strconv.Atoi(lvl)
			if err != nil {
				return nil, fmt.Errorf("syslog level %q", lvl)
			}
			d.level = api.SlogLevel(n)
		}
	default:
		d.kind, d.table = toDB, kv["table"]
		if d.table == "" {
			d.table = "sip_trace"
		}
		if err := db.CheckIdent(d.table); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Validate checks the database URLs and that HEP ids have proto_hep.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	for _, n := range m.order {
		for _, d := range m.ids[n].dests {
			switch d.kind {
			case toDB:
				if _, err := api.CheckDBURL(vc, "trace_id", d.uri, true); err != nil {
					return err
				}
			case toHEP:
				if !vc.Loaded("proto_hep") {
					return fmt.Errorf(`trace_id %q: uri=hep:%s needs loadmodule "proto_hep.so"`, n, d.hepName)
				}
			}
		}
	}
	return nil
}

// Init resolves the destinations and opens the databases.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.on.Store(m.traceOn != 0)
	m.configDir = ic.ConfigDir
	if h, ok := ic.Module("proto_hep").(hep.API); ok {
		m.hep = h
	}
	if t, ok := ic.Module("tm").(api.TxHooks); ok {
		m.tm = t
	}
	if d, ok := ic.Module("dialog").(api.DialogAPI); ok {
		m.dlg = d
	}
	if ic.Stats != nil {
		g := ic.Stats.Group("tracer")
		m.reqs, m.rpls = g.Counter("traced_requests"), g.Counter("traced_replies")
	}
	for _, n := range m.order {
		id := m.ids[n]
		id.on.Store(true)
		for _, d := range id.dests {
			if err := m.resolve(d); err != nil {
				return fmt.Errorf("trace_id %q: %w", n, err)
			}
		}
	}
	return nil
}

// resolve prepares one destination: the hep_id, the SIP address, the
// database connection (shared by URL).
func (m *Module) resolve(d *dest) error {
	switch d.kind {
	case toHEP:
		if m.hep == nil {
			return errors.New(`uri=hep: needs loadmodule "proto_hep.so"`)
		}
		if hd, ok := m.hep.Dest(d.hepName); ok {
			d.hep = hd
			return nil
		}
		hd, err := m.hep.NewDest(d.hepName)
		if err != nil || strings.IndexByte(d.hepName, '.') < 0 && strings.IndexByte(d.hepName, ':') < 0 {
			return fmt.Errorf("no hep_id named %q in proto_hep", d.hepName)
		}
		d.hep = hd
	case toSIP:
		u, _ := sip.ParseURI(d.uri)
		port := u.Port
		if port == 0 {
			port = 5060
		}
		ip, err := netip.ParseAddr(strings.Trim(u.Host, "[]"))
		if err != nil {
			return fmt.Errorf("sip destination %q: the host must be an IP address", d.uri)
		}
		proto := sip.ProtoUDP
		for _, p := range strings.Split(u.Params, ";") {
			if k, v, _ := strings.Cut(p, "="); strings.EqualFold(k, "transport") {
				proto = sip.ParseProto(v)
			}
		}
		d.sipDest = sip.Dest{Proto: proto, Addr: netip.AddrPortFrom(ip, uint16(port))}
	case toDB:
		if c, ok := m.conns[d.uri]; ok {
			d.conn = c
			return nil
		}
		c, err := db.Open(context.Background(), d.uri, db.WithBaseDir(m.configDir), db.WithLogger(m.log))
		if err != nil {
			return err
		}
		m.conns[d.uri], d.conn = c, c
	case toFile:
		if !strings.HasPrefix(d.path, "/") && m.configDir != "" {
			d.path = m.configDir + "/" + d.path
		}
	}
	return nil
}

// SetCore keeps the runtime (SIP duplicates are sent through it).
func (m *Module) SetCore(c api.Core) { m.core = c }

// Close closes the databases.
func (m *Module) Close() error {
	var errs []error
	for _, c := range m.conns {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
	_                = os.O_APPEND
	_                = time.Now
)

// Package sipcapture is OpenSIPS' sipcapture module: a HEP capture server
// storing the SIP messages it receives (through proto_hep) in sip_capture
// tables, with time-suffixed table names, $hep_net, $HEPVERSION, the
// hep_get/hep_set/hep_del chunk functions and hep_relay().
package sipcapture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/db"
	"gosips/db/schema"
	"gosips/internal/dbconn"
	"gosips/internal/hep"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "sipcapture", New: func() api.Module { return New() },
		Deps: []api.Dep{{Name: "proto_hep", Optional: true}},
		Doc:  "HEP capture server storing SIP messages in a database"})
}

// Module is one sipcapture instance.
type Module struct {
	dbh          dbconn.Handle
	table        string
	rtcpTable    string
	captureOn    int
	hepCaptureOn int
	node         string
	hepRoute     string
	maxAsync     int
	cols         map[string]string // column → name in the table (*_column params)

	on      atomic.Bool
	hep     hep.API
	core    api.Core
	log     *slog.Logger
	reqs    *api.Stat
	rpls    *api.Stat
	created sync.Map // table names already created this run
	routed  sync.Map // *sip.Msg → *hep.Received in a hep_route
	ctx     context.Context
}

// New returns a sipcapture instance with OpenSIPS' defaults.
func New() *Module {
	m := &Module{table: "sip_capture", rtcpTable: "rtcp_capture", node: "homer01", hepRoute: "sip", maxAsync: 5,
		cols: map[string]string{}, log: slog.New(slog.DiscardHandler), ctx: context.Background()}
	return m
}

// columns are the sip_capture columns in OpenSIPS' insert order, with the
// parameter that renames each (empty: not renamable).
var columns = []struct{ name, param string }{
	{"date", "date_column"}, {"micro_ts", "micro_ts_column"}, {"method", "method_column"},
	{"reply_reason", "reply_reason_column"}, {"ruri", "ruri_column"}, {"ruri_user", "ruri_user_column"},
	{"from_user", "from_user_column"}, {"from_tag", "from_tag_column"}, {"to_user", "to_user_column"},
	{"to_tag", "to_tag_column"}, {"pid_user", "pid_user_column"}, {"contact_user", "contact_user_column"},
	{"auth_user", "auth_user_column"}, {"callid", "callid_column"}, {"callid_aleg", "callid_aleg_column"},
	{"via_1", "via_1_column"}, {"via_1_branch", "via_1_branch_column"}, {"cseq", "cseq_column"},
	{"reason", "reason_column"}, {"content_type", "content_type_column"}, {"auth", "authorization_column"},
	{"user_agent", "user_agent_column"}, {"source_ip", "source_ip_column"}, {"source_port", "source_port_column"},
	{"destination_ip", "destination_ip_column"}, {"destination_port", "destination_port_column"},
	{"contact_ip", "contact_ip_column"}, {"contact_port", "contact_port_column"},
	{"originator_ip", "originator_ip_column"}, {"originator_port", "originator_port_column"},
	{"proto", "proto_column"}, {"family", "family_column"}, {"rtp_stat", "rtp_stat_column"},
	{"type", "type_column"}, {"node", "node_column"}, {"correlation_id", ""}, {"from_domain", ""},
	{"to_domain", ""}, {"ruri_domain", ""}, {"msg", "msg_column"}, {"custom_field1", ""},
	{"custom_field2", ""}, {"custom_field3", ""},
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	ps := []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("table_name", &m.table),
		api.StrParam("rtcp_table_name", &m.rtcpTable),
		api.IntParam("capture_on", &m.captureOn),
		api.StrParam("capture_node", &m.node),
		api.IntParam("hep_capture_on", &m.hepCaptureOn),
		api.IgnoredParam(api.IntParam("max_async_queries", &m.maxAsync), "captured messages are inserted one by one"),
		{Name: "hep_route", Type: api.ParamStr, Default: "sip", Set: func(v api.ParamValue) error { m.hepRoute = v.Str; return nil }},
		api.IgnoredParam(api.StrParam("id_column", new(string)), "the id column is always the table's auto-increment key"),
	}
	for _, c := range columns {
		if c.param == "" {
			continue
		}
		name := c.name
		ps = append(ps, api.Param{Name: c.param, Type: api.ParamStr, Default: name, Set: func(v api.ParamValue) error {
			if err := db.CheckIdent(v.Str); err != nil {
				return err
			}
			m.cols[name] = v.Str
			return nil
		}})
	}
	rawOff := func(name string) api.Param {
		return api.Param{Name: name, Type: api.ParamInt, Default: "0", Set: func(v api.ParamValue) error {
			if v.Int != 0 {
				return fmt.Errorf("%s: raw socket capture (IPIP, port mirroring) is not implemented; capture over HEP", name)
			}
			return nil
		}}
	}
	ps = append(ps, rawOff("raw_ipip_capture_on"), rawOff("raw_moni_capture_on"),
		api.IgnoredParam(api.StrParam("raw_socket_listen", new(string)), "raw socket capture is not implemented"),
		api.IgnoredParam(api.StrParam("raw_interface", new(string)), "raw socket capture is not implemented"),
		api.IgnoredParam(api.IntParam("raw_sock_children", new(int)), "raw socket capture is not implemented"),
		api.IgnoredParam(api.IntParam("promiscious_on", new(int)), "raw socket capture is not implemented"),
		api.IgnoredParam(api.IntParam("raw_moni_bpf_on", new(int)), "raw socket capture is not implemented"))
	return ps
}

func (m *Module) col(name string) string {
	if c, ok := m.cols[name]; ok {
		return c
	}
	return name
}

// Validate checks the database URL and that proto_hep is loaded when HEP
// capture is on.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.hepCaptureOn != 0 && !vc.Loaded("proto_hep") {
		return errors.New(`hep_capture_on needs loadmodule "proto_hep.so"`)
	}
	if _, _, err := splitTable(m.table); err != nil {
		return fmt.Errorf("table_name: %w", err)
	}
	return m.dbh.Validate(vc)
}

// Init opens the database and hooks the HEP receive path.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.on.Store(m.captureOn != 0)
	if ic.Stats != nil {
		g := ic.Stats.Group("sipcapture")
		m.reqs, m.rpls = g.Counter("captured_requests"), g.Counter("captured_replies")
	}
	if h, ok := ic.Module("proto_hep").(hep.API); ok {
		m.hep = h
		if m.hepCaptureOn != 0 {
			h.OnReceive(m.received)
		}
	}
	return m.dbh.Open(ic, m.log)
}

// SetCore keeps the runtime for hep_route.
func (m *Module) SetCore(c api.Core) { m.core = c }

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

// received runs for every HEP packet: hep_route "none" stores it without
// the script, a route name runs that route instead of the main one.
func (m *Module) received(r *hep.Received, msg *sip.Msg) bool {
	switch m.hepRoute {
	case "sip", "":
		return true
	case "none":
		if msg != nil {
			m.store(context.Background(), msg, r, m.table, "", "", "")
		}
		return false
	}
	if msg == nil || m.core == nil {
		return false
	}
	c := m.core.NewCtx(context.Background(), api.RequestRoute, msg)
	defer m.core.ReleaseCtx(c)
	resume := &resumeFlag{}
	c.SetSlot(slotKey{}, resume)
	proto := sip.ParseProto(hep.Transport(r.Packet.Proto))
	if proto == sip.ProtoNone {
		proto = sip.ProtoUDP
	}
	msg.SetRecv(&sip.RecvInfo{Proto: proto, Src: r.Packet.Src, Local: r.Packet.Dst,
		Socket: &sip.Socket{Proto: proto, IP: r.Packet.Dst.Addr().String(), Port: int(r.Packet.Dst.Port())}})
	m.withPacket(msg, r, func() { m.core.RunRoute(c, api.RequestRoute, m.hepRoute) })
	return resume.on
}

type slotKey struct{}
type resumeFlag struct{ on bool }

// withPacket makes r the packet of msg while f runs (for a route run
// outside proto_hep's dispatch).
func (m *Module) withPacket(msg *sip.Msg, r *hep.Received, f func()) {
	m.routed.Store(msg, r)
	defer m.routed.Delete(msg)
	f()
}

// packet returns the HEP packet the message in c came in.
func (m *Module) packet(c *api.Ctx) *hep.Received {
	if c == nil || c.Msg == nil {
		return nil
	}
	if v, ok := m.routed.Load(c.Msg); ok {
		return v.(*hep.Received)
	}
	if m.hep != nil {
		return m.hep.Received(c.Msg)
	}
	return nil
}

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
	_ api.Closer    = (*Module)(nil)
)

// captureTable is the sip_capture table as OpenSIPS 3.6's sipcapture
// writes it (its own SQL in modules/sipcapture/sql, MySQL only, lacks the
// ruri_domain and custom_field columns the module inserts), named name.
func captureTable(name string) *schema.Table {
	str := func(n, size string) schema.Column {
		return schema.Column{Name: n, Type: schema.String, Size: size, Default: "''"}
	}
	num := func(n string) schema.Column { return schema.Column{Name: n, Type: schema.Int, Default: "0"} }
	return &schema.Table{Name: name, Module: "sipcapture", Columns: []schema.Column{
		{Name: "id", Type: schema.Long, Size: "20", Unsigned: true, Auto: true},
		{Name: "date", Type: schema.DateTime, Default: "'1900-01-01 00:00:01'"},
		{Name: "micro_ts", Type: schema.Long, Size: "18", Default: "0"},
		str("method", "50"), str("reply_reason", "100"), str("ruri", "200"), str("ruri_user", "100"),
		str("from_user", "100"), str("from_tag", "64"), str("to_user", "100"), str("to_tag", "64"),
		str("pid_user", "100"), str("contact_user", "120"), str("auth_user", "120"), str("callid", "100"),
		str("callid_aleg", "100"), str("via_1", "256"), str("via_1_branch", "80"), str("cseq", "25"),
		str("reason", "200"), str("content_type", "256"), str("auth", "256"), str("user_agent", "256"),
		str("source_ip", "60"), num("source_port"), str("destination_ip", "60"), num("destination_port"),
		str("contact_ip", "60"), num("contact_port"), str("originator_ip", "60"), num("originator_port"),
		num("proto"), num("family"), str("rtp_stat", "256"), num("type"), str("node", "125"),
		str("correlation_id", "256"), str("from_domain", "150"), str("to_domain", "150"), str("ruri_domain", "150"),
		{Name: "msg", Type: schema.Text},
		str("custom_field1", "255"), str("custom_field2", "255"), str("custom_field3", "255"),
	}}
}

// CaptureTable is the sip_capture definition (gosips db create, tests).
func CaptureTable(name string) *schema.Table { return captureTable(name) }

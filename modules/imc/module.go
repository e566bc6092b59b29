// Package imc is OpenSIPS' imc module: instant messaging conference rooms
// driven by "#commands" in MESSAGE bodies (create, join, invite, accept,
// deny, remove, exit, destroy, list, help); other messages sent to a room
// go to all its members. Rooms live in memory; they are read from and
// written back to imc_rooms / imc_members at start and stop.
package imc

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "imc", Deps: []api.Dep{{Name: "tm"}},
		New: func() api.Module { return New() }, Doc: "instant messaging conferencing (chat rooms over MESSAGE)"})
}

// Module is one imc instance.
type Module struct {
	RoomsTable, MembersTable string
	HashSize                 int
	StartChar                string
	OutboundProxy            string

	log *slog.Logger
	dbh dbconn.Handle
	uac api.UAC

	mu    sync.Mutex
	rooms map[string]*room
}

// New returns an imc instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{RoomsTable: "imc_rooms", MembersTable: "imc_members", HashSize: 4, StartChar: "#",
		log: slog.New(slog.DiscardHandler), rooms: map[string]*room{}}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		// The rooms are in a Go map: the size is checked, not used.
		api.PositiveParam("hash_size", &m.HashSize),
		{Name: "imc_cmd_start_char", Type: api.ParamStr, Set: func(v api.ParamValue) error {
			if len(v.Str) != 1 {
				return fmt.Errorf("imc_cmd_start_char must be one character, got %q", v.Str)
			}
			m.StartChar = v.Str
			return nil
		}},
		api.StrParam("rooms_table", &m.RoomsTable),
		api.StrParam("members_table", &m.MembersTable),
		api.StrParam("outbound_proxy", &m.OutboundProxy),
	}
}

// Funcs lists imc_manager.
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "imc_manager", Routes: api.RequestRoute,
		Returns: "1 the command or message was handled, -1 error (empty body, unknown room, not allowed...)",
		Call:    func(c *api.Ctx, _ []any) api.Ret { return m.manager(c) }}}
}

// MICommands lists imc_list_rooms and imc_list_members.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "imc_list_rooms", Help: "list the conference rooms", Recipes: [][]string{{}},
			Handler: func(context.Context, api.MIParams) (any, error) { return m.listRooms(), nil }},
		{Name: "imc_list_members", Help: "list the members of a room", Recipes: [][]string{{"room"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				s, _ := p.Str("room")
				return m.listMembers(s)
			}},
	}
}

func (m *Module) listRooms() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	rooms := []map[string]any{}
	for _, r := range m.sorted() {
		owner := ""
		if len(r.members) > 0 {
			owner = r.members[0].uri
		}
		rooms = append(rooms, map[string]any{"URI": r.uri, "MEMBERS": len(r.members), "OWNER": owner})
	}
	return map[string]any{"ROOMS": rooms}
}

func (m *Module) listMembers(name string) (any, error) {
	if name == "" {
		return nil, &api.MIError{Code: 400, Msg: "empty param"}
	}
	u, err := sip.ParseURI(name)
	if err != nil {
		return nil, &api.MIError{Code: 400, Msg: "bad param"}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[roomKey(u.User, u.Host)]
	if r == nil {
		return nil, &api.MIError{Code: 404, Msg: "no such room"}
	}
	uris := []string{}
	for _, mb := range r.members {
		uris = append(uris, mb.uri)
	}
	return map[string]any{"ROOM": name, "MEMBERS": uris, "NO_MEMBERS": len(uris)}, nil
}

// sorted returns the rooms by URI (the caller holds mu).
func (m *Module) sorted() []*room {
	out := make([]*room, 0, len(m.rooms))
	for _, r := range m.rooms {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].uri < out[j].uri })
	return out
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init finds tm, opens the database and loads the rooms, emptying the
// tables as OpenSIPS does (they are written back at stop).
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if ic.Module != nil {
		m.uac, _ = ic.Module("tm").(api.UAC)
	}
	if m.uac == nil {
		return fmt.Errorf("imc: the tm module is needed to send messages (none loaded)")
	}
	if ic.Stats != nil {
		ic.Stats.Group("imc").Func("active_rooms", func() int64 {
			m.mu.Lock()
			defer m.mu.Unlock()
			return int64(len(m.rooms))
		})
	}
	for _, id := range []string{m.RoomsTable, m.MembersTable} {
		if err := db.CheckIdent(id); err != nil {
			return fmt.Errorf("imc: %w", err)
		}
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	ctx := context.Background()
	for _, t := range []string{m.RoomsTable, m.MembersTable} {
		if err := m.dbh.CheckVersion(ctx, t, 2); err != nil {
			return err
		}
	}
	return m.load(ctx)
}

func (m *Module) load(ctx context.Context) error {
	res, err := m.dbh.Conn.Query(ctx, m.RoomsTable, []string{"name", "domain", "flag"}, nil, "", 0)
	if err != nil {
		return fmt.Errorf("imc: loading %s: %w", m.RoomsTable, err)
	}
	for _, row := range res.Rows {
		r := newRoom(row[0].Str(), row[1].Str(), int(row[2].Int64()))
		mres, err := m.dbh.Conn.Query(ctx, m.MembersTable, []string{"username", "domain", "flag"},
			[]db.Cond{db.Eq("room", db.StringValue(r.uri))}, "", 0)
		if err != nil {
			return fmt.Errorf("imc: loading %s: %w", m.MembersTable, err)
		}
		if len(mres.Rows) == 0 {
			m.log.Info("room without members not loaded", "room", r.uri)
			continue
		}
		for _, mr := range mres.Rows {
			r.add(mr[0].Str(), mr[1].Str(), int(mr[2].Int64()))
		}
		m.rooms[roomKey(r.name, r.domain)] = r
	}
	if _, err := m.dbh.Conn.Delete(ctx, m.MembersTable, nil); err != nil {
		return fmt.Errorf("imc: emptying %s: %w", m.MembersTable, err)
	}
	if _, err := m.dbh.Conn.Delete(ctx, m.RoomsTable, nil); err != nil {
		return fmt.Errorf("imc: emptying %s: %w", m.RoomsTable, err)
	}
	return nil
}

// Close writes the rooms and their members back to the tables.
func (m *Module) Close() error {
	if m.dbh.Conn == nil {
		return nil
	}
	ctx := context.Background()
	m.mu.Lock()
	rooms := m.sorted()
	m.mu.Unlock()
	var errs []error
	for _, r := range rooms {
		if _, err := m.dbh.Conn.Insert(ctx, m.RoomsTable, []string{"name", "domain", "flag"},
			[]db.Value{db.StringValue(r.name), db.StringValue(r.domain), db.IntValue(int64(r.flags))}); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, mb := range r.members {
			if _, err := m.dbh.Conn.Insert(ctx, m.MembersTable, []string{"username", "domain", "flag", "room"},
				[]db.Value{db.StringValue(mb.user), db.StringValue(mb.domain), db.IntValue(int64(mb.flags)), db.StringValue(r.uri)}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, err := range errs {
		m.log.Error("storing the rooms failed", "err", err)
	}
	return m.dbh.Close()
}

// send originates a MESSAGE from one URI to another (no callback).
func (m *Module) send(from, to, body string, ctype bool) {
	m.sendCB(from, to, body, ctype, nil)
}

func (m *Module) sendCB(from, to, body string, ctype bool, onReply func(*sip.Msg, int)) {
	req := &api.UACRequest{Method: "MESSAGE", RURI: to, From: "<" + from + ">", To: "<" + to + ">",
		Body: body, NextHop: m.OutboundProxy, OnReply: onReply}
	if ctype {
		req.Headers = "Content-Type: text/plain\r\n"
	}
	if err := m.uac.SendRequest(context.Background(), req); err != nil {
		m.log.Error("sending a MESSAGE failed", "to", to, "err", err)
	}
}

// broadcast sends body from the room to its active members but skip.
func (m *Module) broadcast(r *room, body string, skip *member) {
	for _, mb := range r.active(skip) {
		m.send(r.uri, mb.uri, body, true)
	}
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)

// userURI completes a command's user argument as OpenSIPS does: "sip:"
// in front when missing, "@" and the room's domain when there is no "@".
func userURI(arg, domain string, strictSIP bool) string {
	s := arg
	if !strings.Contains(arg, "@") {
		s += "@" + domain
	}
	short := len(arg) < 4
	if strictSIP {
		short = len(arg) <= 4
	}
	if short || !strings.EqualFold(arg[:min(4, len(arg))], "sip:") {
		s = "sip:" + s
	}
	return s
}

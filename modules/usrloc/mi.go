package usrloc

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"gosips/api"
)

// MI errors, with OpenSIPS' codes and texts.
var (
	errTableNotFound   = &api.MIError{Code: 404, Msg: "Table not found"}
	errDomainMissing   = &api.MIError{Code: 400, Msg: "Domain missing in AOR"}
	errAORNotFound     = &api.MIError{Code: 404, Msg: "AOR not found"}
	errContactNotFound = &api.MIError{Code: 404, Msg: "Contact not found"}
	errDeleteAOR       = &api.MIError{Code: 500, Msg: "Failed to delete AOR"}
	errInternal        = &api.MIError{Code: 500, Msg: "Internal Error"}
	errBadValue        = &api.MIError{Code: 400, Msg: "Bad parameter value"}
	errAlreadySynced   = &api.MIError{Code: 200, Msg: "Contacts already synced"}
	errNoClustering    = &api.MIError{Code: 400, Msg: "Clustering not enabled"}
	errParams          = &api.MIError{Code: -32602, Msg: "Invalid params"}
)

// MI user agent, Call-ID and CSeq of contacts added by ul_add.
const (
	miUserAgent = "OpenSIPS MI Server"
	miCallID    = "dfjrewr12386fd6-343@opensips.mi"
	miCSeq      = 1
)

// MICommands lists the usrloc management commands (4.x names usrloc:*).
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "ul_rm", Aliases: []string{"usrloc:rm"},
			Recipes: [][]string{{"table_name", "aor"}}, Handler: m.miRm},
		{Name: "ul_rm_contact", Aliases: []string{"usrloc:rm_contact"},
			Recipes: [][]string{{"table_name", "aor", "contact"}}, Handler: m.miRmContact},
		{Name: "ul_dump", Aliases: []string{"usrloc:dump"},
			Recipes: [][]string{{}, {"brief"}}, Handler: m.miDump},
		{Name: "ul_flush", Aliases: []string{"usrloc:flush"},
			Recipes: [][]string{{}}, Handler: m.miFlush},
		{Name: "ul_add", Aliases: []string{"usrloc:add"},
			Recipes: [][]string{{"table_name", "aor", "contact", "expires", "q", "flags", "cflags", "methods"}},
			Handler: m.miAdd},
		{Name: "ul_show_contact", Aliases: []string{"usrloc:show_contact"},
			Recipes: [][]string{{"table_name", "aor"}}, Handler: m.miShowContact},
		{Name: "ul_sync", Aliases: []string{"usrloc:sync"},
			Recipes: [][]string{{"table_name"}, {"table_name", "aor"}}, Handler: m.miSync},
		{Name: "ul_cluster_sync", Aliases: []string{"usrloc:cluster_sync"},
			Recipes: [][]string{{}}, Handler: m.miClusterSync},
	}
}

func miStr(p api.MIParams, name string) (string, error) {
	switch v := p[name].(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", errParams
}

func miInt(p api.MIParams, name string) (int64, error) {
	switch v := p[name].(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case float64:
		return int64(v), nil
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, errParams
}

// miTable finds the table and fixes the AOR as mi_fix_aor does.
func (m *Module) miTable(p api.MIParams) (*Domain, error) {
	t, err := miStr(p, "table_name")
	if err != nil {
		return nil, err
	}
	d, ok := m.domains[t]
	if !ok {
		return nil, errTableNotFound
	}
	return d, nil
}

func (m *Module) miAOR(p api.MIParams) (string, error) {
	aor, err := miStr(p, "aor")
	if err != nil {
		return "", err
	}
	i := strings.IndexByte(aor, '@')
	if m.UseDomain != 0 {
		if i < 0 {
			return "", errDomainMissing
		}
	} else if i >= 0 {
		aor = aor[:i]
	}
	return aor, nil
}

// ContactObject renders a contact as ul_dump does.
func (m *Module) ContactObject(c *Contact, now int64) Object {
	o := make(Object, 0, 16)
	o.Add("Contact", c.URI)
	o.Add("ContactID", idString(c.ID))
	switch {
	case c.Expires == 0:
		o.Add("Expires", "permanent")
	case now > c.Expires:
		o.Add("Expires", "expired")
	default:
		o.Add("Expires", c.Expires-now)
	}
	o.Add("Q", FormatQ(c.Q))
	o.Add("Callid", c.CallID)
	o.Add("Cseq", c.CSeq)
	if c.UserAgent != "" {
		o.Add("User-agent", c.UserAgent)
	}
	if c.Received != "" {
		o.Add("Received", c.Received)
	}
	if c.Path != "" {
		o.Add("Path", c.Path)
	}
	o.Add("State", c.State.String())
	o.Add("Flags", c.Flags)
	o.Add("Cflags", m.FlagNames(c.CFlags))
	if c.SocketStr != "" {
		o.Add("Socket", c.SocketStr)
	}
	o.Add("Methods", c.Methods)
	if c.Attr != "" {
		o.Add("Attr", c.Attr)
	}
	if c.Instance != "" {
		o.Add("SIP_instance", c.Instance)
	}
	if m.MIDumpKVStore != 0 && len(c.KV) > 0 {
		o.Add("KV-Store", kvJSON(c.KV))
	}
	return o
}

func kvJSON(kv map[string]string) string {
	b, _ := json.Marshal(kv)
	return string(b)
}

func (m *Module) aorObject(r *Record, now int64, brief bool) Object {
	o := Object{{"AOR", r.AOR}}
	if brief {
		return o
	}
	cts := make([]Object, 0, len(r.Contacts))
	for _, c := range r.Contacts {
		cts = append(cts, m.ContactObject(c, now))
	}
	o.Add("Contacts", cts)
	if m.MIDumpKVStore != 0 && len(r.KV) > 0 {
		o.Add("KV-Store", kvJSON(r.KV))
	}
	return o
}

// Dump is the ul_dump answer.
func (m *Module) Dump(brief bool) Object {
	now := m.Now()
	doms := make([]Object, 0, len(m.order))
	for _, d := range m.Domains() {
		aors := []Object{}
		d.Each(func(r *Record) { aors = append(aors, m.aorObject(r, now, brief)) })
		doms = append(doms, Object{{"name", d.Name}, {"hash_size", d.Size()}, {"AORs", aors}})
	}
	return Object{{"Domains", doms}}
}

func (m *Module) miDump(_ context.Context, p api.MIParams) (any, error) {
	brief := false
	if _, ok := p["brief"]; ok {
		n, err := miInt(p, "brief")
		if err != nil {
			return nil, err
		}
		brief = n != 0
	}
	return m.Dump(brief), nil
}

func (m *Module) miShowContact(ctx context.Context, p api.MIParams) (any, error) {
	d, err := m.miTable(p)
	if err != nil {
		return nil, err
	}
	aor, err := m.miAOR(p)
	if err != nil {
		return nil, err
	}
	now := m.Now()
	d.Lock(aor)
	defer d.Unlock(aor)
	r, ok, err := d.Get(ctx, aor)
	if err != nil {
		return nil, errInternal
	}
	if !ok {
		return nil, errAORNotFound
	}
	return m.aorObject(r, now, false), nil
}

func (m *Module) miRm(ctx context.Context, p api.MIParams) (any, error) {
	d, err := m.miTable(p)
	if err != nil {
		return nil, err
	}
	aor, err := m.miAOR(p)
	if err != nil {
		return nil, err
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	if err := d.Delete(ctx, aor); err != nil {
		m.log.Error("ul_rm failed", "aor", aor, "err", err)
		return nil, errDeleteAOR
	}
	return "OK", nil
}

func (m *Module) miRmContact(ctx context.Context, p api.MIParams) (any, error) {
	d, err := m.miTable(p)
	if err != nil {
		return nil, err
	}
	aor, err := m.miAOR(p)
	if err != nil {
		return nil, err
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, ok, err := d.Get(ctx, aor)
	if err != nil {
		return nil, errInternal
	}
	if !ok {
		return nil, errAORNotFound
	}
	uri, err := miStr(p, "contact")
	if err != nil {
		return nil, err
	}
	c := r.FindURI(uri)
	if c == nil {
		return nil, errContactNotFound
	}
	if err := r.Delete(ctx, c); err != nil {
		m.log.Error("ul_rm_contact failed", "aor", aor, "err", err)
		return nil, errInternal
	}
	d.Release(r)
	return "OK", nil
}

func (m *Module) miAdd(ctx context.Context, p api.MIParams) (any, error) {
	d, err := m.miTable(p)
	if err != nil {
		return nil, err
	}
	aor, err := m.miAOR(p)
	if err != nil {
		return nil, err
	}
	uri, err := miStr(p, "contact")
	if err != nil {
		return nil, err
	}
	exp, err := miInt(p, "expires")
	if err != nil {
		return nil, err
	}
	qs, err := miStr(p, "q")
	if err != nil {
		return nil, err
	}
	q, ok := ParseQ(qs)
	if !ok {
		return nil, errBadValue
	}
	var nums [3]int64
	for i, n := range []string{"flags", "cflags", "methods"} {
		if nums[i], err = miInt(p, n); err != nil {
			return nil, err
		}
	}
	now := m.Now()
	ci := &ContactInfo{Q: q, Flags: uint32(nums[0]), CFlags: uint32(nums[1]), Methods: uint32(nums[2]),
		UserAgent: miUserAgent, CallID: miCallID, CSeq: miCSeq, LastModified: now}
	if exp != 0 {
		ci.Expires = exp + now
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, found, err := d.Get(ctx, aor)
	if err != nil {
		return nil, errInternal
	}
	if !found {
		r = d.Insert(aor)
	}
	if c := r.FindURI(uri); c != nil {
		ci.CSeq = c.CSeq
		err = r.Update(ctx, c, ci)
	} else {
		_, err = r.Insert(ctx, uri, ci)
	}
	d.Release(r)
	if err != nil {
		m.log.Error("ul_add failed", "aor", aor, "err", err)
		return nil, errInternal
	}
	return "OK", nil
}

func (m *Module) miFlush(ctx context.Context, _ api.MIParams) (any, error) {
	if err := m.Flush(ctx); err != nil {
		m.log.Error("ul_flush failed", "err", err)
	}
	return "OK", nil
}

// miSync rewrites the table (or one AOR) from memory: the rows are
// deleted and every contact is marked CS_NEW for the next flush.
func (m *Module) miSync(ctx context.Context, p api.MIParams) (any, error) {
	if m.conn == nil || m.mode.SQLWriteMode == "none" {
		return nil, errAlreadySynced
	}
	d, err := m.miTable(p)
	if err != nil {
		return nil, err
	}
	if _, ok := p["aor"]; !ok {
		if _, err := m.conn.Delete(ctx, d.Name, nil); err != nil {
			m.log.Error("ul_sync failed", "table", d.Name, "err", err)
			return nil, errInternal
		}
		d.Each(func(r *Record) { m.resync(ctx, d, r) })
		return "OK", nil
	}
	aor, err := miStr(p, "aor")
	if err != nil {
		return nil, err
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, ok, _ := d.Get(ctx, aor)
	if !ok {
		return nil, errAORNotFound
	}
	if err := m.dbDeleteAOR(ctx, d, aor); err != nil {
		return nil, errInternal
	}
	m.resync(ctx, d, r)
	return "OK", nil
}

// resync marks the contacts new; write-through writes them back at once.
func (m *Module) resync(ctx context.Context, d *Domain, r *Record) {
	for _, c := range r.Contacts {
		c.State = CSNew
		if m.writeThrough() && c.Flags&FlagMem == 0 {
			if err := m.writeRow(ctx, d, c); err != nil {
				m.log.Error("ul_sync write failed", "aor", r.AOR, "err", err)
				continue
			}
			c.State = CSSync
		}
	}
}

func (m *Module) miClusterSync(context.Context, api.MIParams) (any, error) {
	if m.LocationCluster == 0 {
		return nil, errNoClustering
	}
	return nil, &api.MIError{Code: 400, Msg: "Failed to send sync request"}
}

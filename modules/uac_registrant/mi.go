package uacregistrant

import (
	"context"
	"time"

	"gosips/api"
)

// MICommands lists the registrant management commands (4.x uac_registrant:*).
func (m *Module) MICommands() []api.MICommand {
	key := []string{"aor", "contact", "registrar"}
	return append([]api.MICommand{
		{Name: "reg_list", Aliases: []string{"uac_registrant:list"}, Recipes: [][]string{{}, key}, Handler: m.miList},
		{Name: "reg_reload", Aliases: []string{"uac_registrant:reload"}, Recipes: [][]string{{}, key}, Handler: m.miReload},
		{Name: "reg_enable", Aliases: []string{"uac_registrant:enable"}, Recipes: [][]string{key}, Handler: m.miEnable},
		{Name: "reg_disable", Aliases: []string{"uac_registrant:disable"}, Recipes: [][]string{key}, Handler: m.miDisable},
		{Name: "reg_force_register", Aliases: []string{"uac_registrant:force_register"}, Recipes: [][]string{key},
			Handler: m.miForceRegister},
	}, m.shtagCommands()...)
}

var (
	errParams   = &api.MIError{Code: -32602, Msg: "Invalid params"}
	errNoSuch   = &api.MIError{Code: 404, Msg: "No such registrant"}
	errNoSuchDB = &api.MIError{Code: 404, Msg: "No such registrant in database"}
	errReload   = &api.MIError{Code: 500, Msg: "Failed to reload"}
)

// miRecord is one reg_list entry, in OpenSIPS's key order.
type miRecord struct {
	AOR        string `json:"AOR"`
	Expires    int    `json:"expires"`
	State      string `json:"state"`
	Enabled    string `json:"enabled"`
	LastSent   string `json:"last_register_sent"`
	Timeout    string `json:"registration_t_out"`
	Registrar  string `json:"registrar"`
	Binding    string `json:"binding"`
	Params     string `json:"binding_params,omitempty"`
	ThirdParty string `json:"third_party_registrant,omitempty"`
	Socket     string `json:"socket,omitempty"`
	Proxy      string `json:"proxy,omitempty"`
	DstIP      string `json:"dst_IP,omitempty"`
	IP         string `json:"ip,omitempty"`
	Shtag      string `json:"shtag,omitempty"`
	ClusterID  *int   `json:"cluster_id,omitempty"`
}

// ctime prints a Unix time as C's ctime() without the newline.
func ctime(unix int64) string {
	return time.Unix(unix, 0).Local().Format("Mon Jan _2 15:04:05 2006")
}

func (m *Module) miRecordOf(r *record) miRecord {
	e := "no"
	if r.enabled {
		e = "yes"
	}
	out := miRecord{AOR: r.aor, Expires: r.expires, State: r.state.String(), Enabled: e,
		LastSent: ctime(r.lastSent), Timeout: ctime(r.timeout), Registrar: r.registrar, Binding: r.contact,
		Params: r.params, Socket: r.socket, Proxy: r.proxy}
	if r.from != r.aor {
		out.ThirdParty = r.from
	}
	if r.dstIP != "" {
		out.DstIP, out.IP = "IPv4", r.dstIP
		if len(r.dstIP) > 0 && containsColon(r.dstIP) {
			out.DstIP = "IPv6"
		}
	}
	if r.shtag != "" {
		out.Shtag = r.shtag
		id := m.EnableClustering
		out.ClusterID = &id
	}
	return out
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

func miStr(p api.MIParams, name string) (string, bool) { return p.Str(name) }

// miKey reads the aor, contact and registrar parameters.
func miKey(p api.MIParams) (*[3]string, error) {
	var k [3]string
	for i, n := range []string{"aor", "contact", "registrar"} {
		v, ok := miStr(p, n)
		if !ok {
			return nil, errParams
		}
		k[i] = v
	}
	return &k, nil
}

// find locates a record by its key; its bucket is returned locked.
func (m *Module) find(k *[3]string) (*record, *bucket) {
	b := m.buckets[bucketOf(k[0], len(m.buckets))]
	b.mu.Lock()
	for _, r := range b.recs {
		if r.matches(k[0], k[1], k[2]) {
			return r, b
		}
	}
	b.mu.Unlock()
	return nil, nil
}

// List returns the reg_list result: every record, or the one with key
// (nil, false when it does not exist).
func (m *Module) List(key *[3]string) (any, bool) {
	if key != nil {
		r, b := m.find(key)
		if r == nil {
			return nil, false
		}
		defer b.mu.Unlock()
		return struct {
			Registrant miRecord `json:"Registrant"`
		}{m.miRecordOf(r)}, true
	}
	res := struct {
		Records []miRecord `json:"Records"`
	}{Records: []miRecord{}}
	for _, b := range m.buckets {
		b.mu.Lock()
		for _, r := range b.recs {
			res.Records = append(res.Records, m.miRecordOf(r))
		}
		b.mu.Unlock()
	}
	return res, true
}

func (m *Module) miList(_ context.Context, p api.MIParams) (any, error) {
	var key *[3]string
	if len(p) > 0 {
		k, err := miKey(p)
		if err != nil {
			return nil, err
		}
		key = k
	}
	res, ok := m.List(key)
	if !ok {
		return nil, errNoSuch
	}
	return res, nil
}

func (m *Module) miReload(ctx context.Context, p api.MIParams) (any, error) {
	var key *[3]string
	if len(p) > 0 {
		k, err := miKey(p)
		if err != nil {
			return nil, err
		}
		key = k
	}
	if r, ok := m.conn.(interface {
		Reload(context.Context, string) error
	}); ok {
		_ = r.Reload(ctx, m.TableName)
	}
	recs, err := m.load(ctx, key)
	if err != nil {
		m.log.Error("unable to reload the registrant data", "err", err)
		return nil, errReload
	}
	if key != nil {
		if len(recs) == 0 {
			return nil, errNoSuchDB
		}
		nr := recs[0]
		b := m.buckets[nr.bucketIndex]
		b.mu.Lock()
		replaced := false
		for i, r := range b.recs {
			if r.matches(key[0], key[1], key[2]) {
				b.recs[i], replaced = nr, true
			}
		}
		if !replaced {
			b.recs = append(b.recs, nr)
		}
		b.mu.Unlock()
		return "OK", nil
	}
	fresh := make([][]*record, len(m.buckets))
	for _, r := range recs {
		fresh[r.bucketIndex] = append(fresh[r.bucketIndex], r)
	}
	for i, b := range m.buckets {
		b.mu.Lock()
		// A registered AOR keeps its registration (Call-ID, CSeq, timers).
		for _, nr := range fresh[i] {
			for _, old := range b.recs {
				if old.state == Registered && old.aor == nr.aor {
					nr.callID, nr.ftag, nr.cseq = old.callID, old.ftag, old.cseq
					nr.lastSent, nr.timeout, nr.state = old.lastSent, old.timeout, old.state
				}
			}
		}
		b.recs = fresh[i]
		b.mu.Unlock()
	}
	return "OK", nil
}

func (m *Module) miEnable(ctx context.Context, p api.MIParams) (any, error) {
	k, err := miKey(p)
	if err != nil {
		return nil, err
	}
	r, b := m.find(k)
	if r == nil {
		return nil, errNoSuch
	}
	var s *send
	if !r.enabled {
		if r.state == NotRegistered && m.owns(r) {
			now := m.now()
			r.newDialogID(now, m.seq.Add(1))
			r.lastSent, r.state = now.Unix(), Registering
			s = m.register(r, "")
		}
		r.enabled = true
		m.updateState(ctx, r)
	}
	b.mu.Unlock()
	m.dispatch([]*send{s})
	return "OK", nil
}

func (m *Module) miDisable(ctx context.Context, p api.MIParams) (any, error) {
	k, err := miKey(p)
	if err != nil {
		return nil, err
	}
	r, b := m.find(k)
	if r == nil {
		return nil, errNoSuch
	}
	var s *send
	if r.enabled {
		if r.state == Registered {
			r.state = Unregistering
			s = m.unregister(r, "", false)
		}
		r.enabled = false
		m.updateState(ctx, r)
	}
	b.mu.Unlock()
	m.dispatch([]*send{s})
	return "OK", nil
}

func (m *Module) miForceRegister(_ context.Context, p api.MIParams) (any, error) {
	k, err := miKey(p)
	if err != nil {
		return nil, err
	}
	r, b := m.find(k)
	if r == nil {
		return nil, errNoSuch
	}
	if r.enabled {
		r.timeout = 0
	}
	b.mu.Unlock()
	return "OK", nil
}

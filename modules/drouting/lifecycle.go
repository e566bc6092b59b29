package drouting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// runtime is what Init and Start set up; it is embedded in Module.
type runtime struct {
	log        *slog.Logger
	uac        api.UAC
	replyCodes []int
	configDir  string
	stop       context.CancelFunc
	done       chan struct{}
	reloading  chan struct{} // no_concurrent_reload token
}

// Init opens the partitions' databases and loads their tables.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.configDir = ic.ConfigDir
	m.reloading = make(chan struct{}, 1)
	if m.ProbingReplyCodes != "" {
		m.replyCodes, _ = parseCodes(m.ProbingReplyCodes)
	}
	if m.ProbingInterval > 0 && ic.Module != nil {
		m.uac, _ = ic.Module("tm").(api.UAC)
	}
	ctx := context.Background()
	if err := m.initBlacklists(ic); err != nil {
		return err
	}
	if m.UsePartitions == 0 {
		if m.Default.DBURL == "" && ic.Global != nil {
			if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
				m.Default.DBURL = v.S
			}
		}
		m.Partitions = []*Partition{&m.Default}
	} else if err := m.loadPartitions(ctx); err != nil {
		return err
	}
	for _, p := range m.Partitions {
		conn, err := db.Open(ctx, p.DBURL, db.WithBaseDir(m.configDir), db.WithLogger(m.log))
		if err != nil {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		p.rt = &partState{conn: conn}
		for _, t := range []struct{ name, table string }{{"dr_gateways", p.GWTable}, {"dr_rules", p.RuleTable},
			{"dr_carriers", p.CRTable}, {"dr_groups", p.GroupTable}} {
			if err := db.CheckVersion(ctx, conn, t.table, tableVersions[t.name]); err != nil &&
				!errors.Is(err, db.ErrNoVersion) && !(t.name == "dr_groups" && errors.Is(err, db.ErrNoTable)) {
				m.Close()
				return fmt.Errorf("partition %q: %w", p.Name, err)
			}
		}
		d, err := m.load(ctx, p, conn)
		if err != nil {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		p.rt.data = d
		m.fillBlacklists(p, d)
	}
	return nil
}

// loadPartitions reads the dr_partitions table (use_partitions).
func (m *Module) loadPartitions(ctx context.Context) error {
	conn, err := db.Open(ctx, m.PartitionsURL, db.WithBaseDir(m.configDir), db.WithLogger(m.log))
	if err != nil {
		return fmt.Errorf("db_partitions_url: %w", err)
	}
	defer conn.Close()
	res, err := conn.Query(ctx, m.PartitionsTable, []string{"partition_name", "db_url", "drd_table", "drr_table",
		"drg_table", "drc_table", "ruri_avp", "gw_id_avp", "gw_priprefix_avp", "gw_sock_avp", "rule_id_avp",
		"rule_prefix_avp", "carrier_id_avp", "id"}, nil, "", 0)
	if err != nil {
		return fmt.Errorf("table %s: %w", m.PartitionsTable, err)
	}
	for _, r := range res.Rows {
		p := &Partition{Name: r[0].Str(), DBURL: r[1].Str()}
		if p.Name == "" || p.DBURL == "" {
			return fmt.Errorf("table %s, id %d: empty partition_name or db_url", m.PartitionsTable, r[13].Int64())
		}
		or := func(v db.Value, def string) string {
			if v.Null || v.Str() == "" {
				return def
			}
			return v.Str()
		}
		d := &m.Default
		p.GWTable, p.RuleTable, p.GroupTable, p.CRTable = or(r[2], d.GWTable), or(r[3], d.RuleTable), or(r[4], d.GroupTable), or(r[5], d.CRTable)
		suffix := func(spec string) string {
			if n := avpName(spec); n != "" {
				return "$avp(" + n + "_" + p.Name + ")"
			}
			return ""
		}
		p.RURIAVP, p.GWIDAVP = or(r[6], suffix(d.RURIAVP)), or(r[7], suffix(d.GWIDAVP))
		p.GWPriAVP, p.GWSockAVP = or(r[8], suffix(d.GWPriAVP)), or(r[9], suffix(d.GWSockAVP))
		p.RuleIDAVP, p.RulePrefixAVP, p.CarrierIDAVP = or(r[10], suffix(d.RuleIDAVP)), or(r[11], suffix(d.RulePrefixAVP)), or(r[12], suffix(d.CarrierIDAVP))
		m.Partitions = append(m.Partitions, p)
	}
	return nil
}

// reload reads a partition's tables again; a bad row keeps the old data
// and is reported with its table and id.
func (m *Module) reload(ctx context.Context, p *Partition, inherit bool) error {
	if p.rt == nil {
		return errors.New("partition has no database")
	}
	select {
	case m.reloading <- struct{}{}:
		defer func() { <-m.reloading }()
	default:
		if m.NoConcurrent != 0 {
			return errors.New("Reload in progress")
		}
	}
	if r, ok := p.rt.conn.(db.Reloader); ok {
		if err := r.Reload(ctx, ""); err != nil {
			return err
		}
	}
	d, err := m.load(ctx, p, p.rt.conn)
	if err != nil {
		return err
	}
	p.rt.mu.Lock()
	if inherit {
		inheritStates(p.rt.data, d)
	}
	p.rt.data = d
	p.rt.mu.Unlock()
	m.fillBlacklists(p, d)
	return nil
}

// Start runs the prober and the state flusher.
func (m *Module) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	m.stop = cancel
	m.done = make(chan struct{})
	go m.run(ctx)
	return nil
}

func (m *Module) run(ctx context.Context) {
	defer close(m.done)
	var probe <-chan time.Time
	if m.ProbingInterval > 0 && m.uac != nil {
		t := time.NewTicker(time.Duration(m.ProbingInterval) * time.Second)
		defer t.Stop()
		probe = t.C
		m.probe(ctx)
	}
	flush := time.NewTicker(30 * time.Second)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-probe:
			m.probe(ctx)
		case <-flush.C:
			m.flush(ctx)
		}
	}
}

// probe sends a request to every gateway whose probe_mode asks for it:
// 2 always, 1 while disabled (not by an administrator).
func (m *Module) probe(ctx context.Context) {
	for _, p := range m.Partitions {
		d := p.rt.current()
		if d == nil {
			continue
		}
		var targets []*gateway
		p.rt.mu.RLock()
		for _, g := range d.gwOrder {
			if g.flags&gwByMI != 0 {
				continue
			}
			if g.probeMode == 2 || (g.probeMode == 1 && g.flags&gwDisabled != 0) {
				targets = append(targets, g)
			}
		}
		p.rt.mu.RUnlock()
		for _, g := range targets {
			m.ping(ctx, p, g)
		}
	}
}

func (m *Module) ping(ctx context.Context, p *Partition, g *gateway) {
	uri := "sip:" + g.address
	req := &api.UACRequest{Method: m.ProbingMethod, RURI: uri, From: "<" + m.ProbingFrom + ">", To: "<" + uri + ">",
		OnReply: func(_ *sip.Msg, code int) { m.probeReply(p, g, code) }}
	if err := m.uac.SendRequest(ctx, req); err != nil {
		m.probeReply(p, g, 0)
	}
}

func (m *Module) probeReply(p *Partition, g *gateway, code int) {
	ok := code == 200 || slices.Contains(m.replyCodes, code)
	p.rt.mu.Lock()
	before := g.flags
	switch {
	case ok && g.flags&gwByMI == 0:
		g.flags &^= gwDisabled | gwProbing
	case !ok && g.flags&gwDisabled == 0:
		g.flags |= gwDisabled | gwProbing
	}
	changed := before != g.flags
	if changed {
		g.dirty = true
	}
	state := stateName(g.flags)
	p.rt.mu.Unlock()
	if changed {
		reason := "negative probing reply"
		if ok {
			reason = "200 OK probing reply"
		}
		m.log.Info("gateway state changed", "gw", g.id, "partition", p.Name, "state", state, "reason", reason, "code", code)
	}
}

// flush writes changed gateway states back (persistent_state).
func (m *Module) flush(ctx context.Context) {
	if m.PersistentState == 0 {
		return
	}
	for _, p := range m.Partitions {
		if p.rt == nil || p.rt.conn == nil {
			continue
		}
		d := p.rt.current()
		if d == nil {
			continue
		}
		type upd struct {
			id    string
			state int64
		}
		var ups []upd
		p.rt.mu.Lock()
		for _, g := range d.gwOrder {
			if !g.dirty {
				continue
			}
			g.dirty = false
			st := int64(0)
			switch {
			case g.flags&gwByMI != 0:
				st = 1
			case g.flags&gwDisabled != 0:
				st = 2
			}
			ups = append(ups, upd{g.id, st})
		}
		p.rt.mu.Unlock()
		for _, u := range ups {
			if _, err := p.rt.conn.Update(ctx, p.GWTable, []db.Cond{db.Eq("gwid", db.StringValue(u.id))},
				[]string{"state"}, []db.Value{db.IntValue(u.state)}); err != nil {
				m.log.Error("cannot store the gateway state", "gw", u.id, "err", err)
			}
		}
	}
}

// Close stops the timers, flushes the states and closes the databases.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	m.flush(context.Background())
	var errs []error
	for _, p := range m.Partitions {
		if p.rt != nil && p.rt.conn != nil {
			errs = append(errs, p.rt.conn.Close())
			p.rt.conn = nil
		}
	}
	return errors.Join(errs...)
}

func stateName(flags int) string {
	switch {
	case flags&gwDisabled == 0:
		return "Active"
	case flags&gwByMI != 0:
		return "Disabled MI"
	case flags&gwProbing != 0:
		return "Probing"
	}
	return "Inactive"
}

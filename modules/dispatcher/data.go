package dispatcher

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/db"
	"gosips/sip"
)

// Destination state bits, as OpenSIPS keeps them.
const (
	flagInactive  = 1 << iota // DS_INACTIVE_DST
	flagProbing               // DS_PROBING_DST
	flagDirty                 // state changed since the last flush
	flagPermProbe             // probe_mode 1: always probed unless inactive
)

// dest is one destination of a set.
type dest struct {
	uri    string // as in the table
	dstURI string // uri without user, password and headers (what $du gets)
	socket string // socket column, as written
	weight int
	prio   int
	attrs  string
	desc   string
	// scriptAttrs are set by ds_push_script_attrs.
	scriptAttrs string

	flags    int
	failures int // consecutive probing failures
	rrCount  int // round-robin hits at the current position
	hits     int64
	addrs    []netip.AddrPort // resolved addresses

	// Running weight sums (all destinations / active ones), for the
	// weighted hash selection.
	runW, activeRunW int
}

func (d *dest) active() bool { return d.flags&(flagInactive|flagProbing) == 0 }

// stateName is the ds_list state text.
func (d *dest) stateName() string {
	switch {
	case d.flags&flagInactive != 0:
		return "Inactive"
	case d.flags&flagProbing != 0:
		return "Probing"
	}
	return "Active"
}

// dbState is the table's state value: 0 active, 1 inactive, 2 probing.
func (d *dest) dbState() int64 {
	switch {
	case d.flags&flagInactive != 0:
		return 1
	case d.flags&flagProbing != 0:
		return 2
	}
	return 0
}

// set is one destination set; dests are ordered by priority (highest
// value first), then by load order.
type set struct {
	id       int
	dests    []*dest
	activeNr int
	last     int
}

// recalc refreshes the running weights and the active count.
func (s *set) recalc() {
	s.activeNr = len(s.dests)
	lastActive := -1
	for j, d := range s.dests {
		d.runW = d.weight
		if j > 0 {
			d.runW += s.dests[j-1].runW
		}
		prev := 0
		if lastActive >= 0 {
			prev = s.dests[lastActive].activeRunW
		}
		if d.active() {
			d.activeRunW = d.weight + prev
			lastActive = j
		} else {
			d.activeRunW = prev
			s.activeNr--
		}
	}
}

// data is the loaded content of one partition's table. Sets keep
// OpenSIPS's order: the set met last in the table comes first.
type data struct {
	sets []*set
}

func (dt *data) set(id int) *set {
	if dt == nil {
		return nil
	}
	for _, s := range dt.sets {
		if s.id == id {
			return s
		}
	}
	return nil
}

// partData is the run-time state of a partition.
type partData struct {
	mu   sync.RWMutex
	conn db.Conn
	data *data
}

// loadData reads a partition's table.
func (m *Module) loadData(ctx context.Context, p *Partition, conn db.Conn) (*data, error) {
	c := m.Cols
	cols := []string{c.SetID, c.Destination, c.Socket, c.Weight, c.Attrs, c.Priority,
		c.Description, c.ProbeMode}
	persistent := p.PersistentState != "0"
	if persistent {
		cols = append(cols, c.State)
	}
	res, err := conn.Query(ctx, p.TableName, cols, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("load table %s: %w", p.TableName, err)
	}
	dt := &data{}
	for _, row := range res.Rows {
		if row[0].Null {
			m.log.Error("setid column cannot be NULL, skipping row")
			continue
		}
		id := int(row[0].Int64())
		uri := strings.TrimSpace(row[1].Str())
		d, err := m.newDest(ctx, uri)
		if err != nil {
			m.log.Warn("skipping destination", "set", id, "uri", uri, "err", err)
			continue
		}
		d.socket = row[2].Str()
		d.weight = 1
		if ws := strings.TrimSpace(row[3].Str()); !row[3].Null && ws != "" {
			w, err := strconv.Atoi(ws)
			if err != nil {
				m.log.Warn("skipping destination: weight is not a number", "set", id, "uri", uri, "weight", ws)
				continue
			}
			d.weight = w
		}
		d.attrs = row[4].Str()
		d.prio = int(row[5].Int64())
		d.desc = row[6].Str()
		if row[7].Int64() == 1 {
			d.flags |= flagPermProbe
		}
		if persistent {
			switch row[8].Int64() {
			case 1:
				d.flags |= flagInactive
			case 2:
				d.flags |= flagProbing
			}
		}
		s := dt.set(id)
		if s == nil {
			s = &set{id: id}
			dt.sets = append([]*set{s}, dt.sets...)
		}
		// Higher priority first; equal priorities keep the table order.
		i := 0
		for i < len(s.dests) && s.dests[i].prio >= d.prio {
			i++
		}
		s.dests = append(s.dests, nil)
		copy(s.dests[i+1:], s.dests[i:])
		s.dests[i] = d
	}
	for _, s := range dt.sets {
		s.recalc()
	}
	return dt, nil
}

// newDest parses a destination URI and resolves its addresses.
func (m *Module) newDest(ctx context.Context, uri string) (*dest, error) {
	u, err := sip.ParseURI(uri)
	if err != nil || u.IsTel() || u.Host == "" {
		return nil, fmt.Errorf("bad uri %q", uri)
	}
	d := &dest{uri: uri, dstURI: uri}
	if u.User != "" || u.HasPassword || u.Headers != "" {
		s := u.Scheme + ":" + u.Host
		if u.PortStr != "" {
			s += ":" + u.PortStr
		}
		if u.Params != "" {
			s += ";" + u.Params
		}
		d.dstURI = s
	}
	port := u.Port
	if port == 0 {
		port = 5060
		if u.IsSecure() || strings.EqualFold(u.Transport(), "tls") {
			port = 5061
		}
	}
	host := u.HostNoBrackets()
	if ip, err := netip.ParseAddr(host); err == nil {
		d.addrs = []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), uint16(port))}
		return d, nil
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ips, err := m.lookupHost(rctx, host)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("could not resolve %s: %v", host, err)
	}
	for _, s := range ips {
		if ip, err := netip.ParseAddr(s); err == nil {
			d.addrs = append(d.addrs, netip.AddrPortFrom(ip.Unmap(), uint16(port)))
		}
	}
	return d, nil
}

func defaultLookupHost(ctx context.Context, host string) ([]string, error) {
	return net.DefaultResolver.LookupHost(ctx, host)
}

// setState applies OpenSIPS's _ds_set_state: set (on) or clear (off) the
// state bits; a probing mark counts failures up to the threshold first.
// It reports whether the state bits changed. pd.mu must be held.
func (m *Module) setState(d *dest, bits int, on, countFailure bool, reset bool) bool {
	if bits&flagProbing != 0 && on {
		if d.flags&flagInactive != 0 {
			return false
		}
		if countFailure {
			d.failures++
			if d.failures < m.ProbingThreshold {
				return false
			}
			d.failures = m.ProbingThreshold
		}
	}
	if reset {
		d.failures = 0
	}
	old := d.flags
	if on {
		d.flags |= bits
	} else {
		d.flags &^= bits
	}
	if d.flags == old {
		return false
	}
	d.flags |= flagDirty
	return true
}

// markState moves a destination to Active, Inactive or Probing, as
// ds_mark_dst and ds_set_state do. pd.mu must be held (write).
func (m *Module) markState(s *set, d *dest, st State, reason string) {
	before := d.active()
	switch st {
	case Active:
		m.setState(d, flagInactive|flagProbing, false, false, false)
	case Probing:
		// As OpenSIPS: the probing mark waits for the failure threshold,
		// and the inactive bit is cleared in any case.
		m.setState(d, flagProbing, true, true, false)
		m.setState(d, flagInactive, false, false, false)
	default:
		m.setState(d, flagInactive, true, true, false)
		m.setState(d, flagProbing, false, false, false)
	}
	if before != d.active() {
		s.recalc()
		m.log.Info("destination state changed", "set", s.id, "uri", d.uri, "state", d.stateName(), "reason", reason)
	}
}

// findDest finds a destination of a set by URI (case-insensitive).
func (s *set) findDest(uri string) *dest {
	for _, d := range s.dests {
		if strings.EqualFold(d.uri, uri) || strings.EqualFold(d.dstURI, uri) {
			return d
		}
	}
	return nil
}

// inheritState copies the states of the destinations of old into dt, as
// ds_reload with inherit_state does.
func inheritState(old, dt *data) {
	if old == nil {
		return
	}
	for _, ns := range dt.sets {
		os := old.set(ns.id)
		if os == nil {
			continue
		}
		changed := false
		for _, nd := range ns.dests {
			od := os.findDest(nd.uri)
			if od == nil {
				continue
			}
			if nd.flags&^flagPermProbe != od.flags&^flagPermProbe {
				nd.flags = od.flags&^flagPermProbe | nd.flags&flagPermProbe
				changed = true
			}
			nd.scriptAttrs = od.scriptAttrs
		}
		if changed {
			ns.recalc()
		}
	}
}

// flush writes the changed states back to the table (persistent_state).
func (m *Module) flush(ctx context.Context) {
	for _, p := range m.allPartitions() {
		pd := p.rt
		if pd == nil || pd.conn == nil || p.PersistentState == "0" {
			continue
		}
		pd.mu.Lock()
		for _, s := range pd.data.setsOrNil() {
			for _, d := range s.dests {
				if d.flags&flagDirty == 0 {
					continue
				}
				where := []db.Cond{db.Eq(m.Cols.SetID, db.IntValue(int64(s.id))),
					db.Eq(m.Cols.Destination, db.StringValue(d.uri))}
				if _, err := pd.conn.Update(ctx, p.TableName, where, []string{m.Cols.State},
					[]db.Value{db.IntValue(d.dbState())}); err != nil {
					m.log.Error("state flush failed", "uri", d.uri, "err", err)
					continue
				}
				d.flags &^= flagDirty
			}
		}
		pd.mu.Unlock()
	}
}

func (dt *data) setsOrNil() []*set {
	if dt == nil {
		return nil
	}
	return dt.sets
}

// allPartitions lists the default partition and the others.
func (m *Module) allPartitions() []*Partition {
	out := []*Partition{&m.Default}
	return append(out, m.Partitions...)
}

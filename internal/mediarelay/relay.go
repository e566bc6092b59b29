// Package mediarelay holds what the media relay modules (rtpengine,
// rtpproxy) share: sets of weighted relay nodes parsed from their socket
// parameters, the OpenSIPS node selection, disabling and probing of dead
// nodes, a UDP control client matching answers to commands by cookie,
// and the show/enable management commands.
package mediarelay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
)

// Node is one relay instance of a set.
type Node struct {
	URL    string // as configured, e.g. "udp:127.0.0.1:2223"
	Weight int
	SetID  int
	Index  int

	network string // "udp" or "udp6"
	addr    string // host:port

	mu       sync.Mutex
	disabled bool
	forever  bool      // disabled by MI (enable 0)
	recheck  time.Time // when a disabled node may be probed again
	lastUsed atomic.Int64
	// Caps holds what a probe learnt about the node (rtpproxy
	// capabilities); set by the module's probe function.
	caps atomic.Value

	connMu  sync.Mutex
	conn    *net.UDPConn
	waiters map[string]chan []byte
}

// Set is one relay set (the id before "==").
type Set struct {
	ID    int
	Nodes []*Node
}

// Sets is a loaded configuration of sets; a module replaces it as a
// whole on reload.
type Sets struct {
	List []*Set
}

// ByID returns the set with that id, or nil.
func (e *Sets) ByID(id int) *Set {
	for _, s := range e.List {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// AddSocks parses one socket parameter value ("[id ==] url[=weight] ...")
// into e. setID >= 0 forces the set (database rows); defSet is the set of
// values without "==".
func (e *Sets) AddSocks(def string, setID, defSet int) error {
	def = strings.TrimSpace(def)
	if def == "" {
		return nil
	}
	id := defSet
	if setID >= 0 {
		id = setID
	} else if l, r, ok := strings.Cut(def, "=="); ok {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || n < 0 {
			return fmt.Errorf("invalid set id %q", strings.TrimSpace(l))
		}
		id, def = n, strings.TrimSpace(r)
		if def == "" {
			return fmt.Errorf("set %d: empty list", id)
		}
	}
	s := e.ByID(id)
	if s == nil {
		s = &Set{ID: id}
		e.List = append(e.List, s)
	}
	for _, tok := range strings.Fields(def) {
		url, w := tok, 1
		if i := strings.IndexByte(tok, '='); i >= 0 {
			url = tok[:i]
			n, err := strconv.Atoi(tok[i+1:])
			if err != nil || n < 0 {
				return fmt.Errorf("%s: bad weight %q", tok, tok[i+1:])
			}
			w = n
		}
		if lookup(s, url) != nil {
			continue
		}
		n, err := NewNode(url, w, id)
		if err != nil {
			return err
		}
		s.Nodes = append(s.Nodes, n)
	}
	e.number()
	return nil
}

// NewNode parses a node URL: udp:host:port or udp6:host:port.
func NewNode(url string, weight, setID int) (*Node, error) {
	n := &Node{URL: url, Weight: weight, SetID: setID, waiters: map[string]chan []byte{}}
	lower := strings.ToLower(url)
	switch {
	case strings.HasPrefix(lower, "udp6:"):
		n.network, n.addr = "udp6", url[5:]
	case strings.HasPrefix(lower, "udp:"):
		n.network, n.addr = "udp", url[4:]
	default:
		return nil, fmt.Errorf("%s: unix control sockets are not supported, use udp:host:port", url)
	}
	if _, _, err := net.SplitHostPort(n.addr); err != nil {
		return nil, fmt.Errorf("%s: missing or bad port", url)
	}
	return n, nil
}

func (e *Sets) number() {
	i := 0
	for _, s := range e.List {
		for _, n := range s.Nodes {
			n.Index = i
			i++
		}
	}
}

// Close releases every node's socket.
func (e *Sets) Close() {
	for _, s := range e.List {
		for _, n := range s.Nodes {
			n.closeConn()
		}
	}
}

// Lookup finds a node of s by URL.
func Lookup(s *Set, url string) *Node { return lookup(s, url) }

func lookup(s *Set, url string) *Node {
	for _, n := range s.Nodes {
		if n.URL == url {
			return n
		}
	}
	return nil
}

// IgnoreList holds nodes skipped for the rest of one command.
type IgnoreList []*Node

// Has reports whether n is in the list.
func (l IgnoreList) Has(n *Node) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

// Disabled reports whether the node is down.
func (n *Node) Disabled() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.disabled
}

// Caps returns what the last probe stored with SetCaps.
func (n *Node) Caps() any { return n.caps.Load() }

// SetCaps stores what a probe learnt about the node.
func (n *Node) SetCaps(v any) { n.caps.Store(v) }

// Select picks a node of s for callID the way OpenSIPS does: a byte sum
// of the Call-ID spread over the weights, redistributed over the enabled
// nodes when the first choice is disabled.
func Select(s *Set, callID string, ignore IgnoreList) *Node {
	if s == nil || len(s.Nodes) == 0 {
		return nil
	}
	usable := func(n *Node) bool { return !n.Disabled() && !ignore.Has(n) }
	if len(s.Nodes) == 1 {
		if usable(s.Nodes[0]) {
			return s.Nodes[0]
		}
		return nil
	}
	sum := 0
	for i := 0; i < len(callID); i++ {
		sum += int(callID[i])
	}
	sum &= 0xff
	total, enabled, any := 0, 0, false
	for _, n := range s.Nodes {
		total += n.Weight
		if usable(n) {
			enabled += n.Weight
			any = true
		}
	}
	if !any {
		return nil
	}
	cut := -1
	if enabled > 0 && total > 0 {
		cut = sum % total
	}
	forced := false
	for i := 0; i < len(s.Nodes); {
		n := s.Nodes[i]
		if cut < n.Weight {
			if usable(n) {
				return n
			}
			if !forced {
				cut = -1
				if enabled > 0 {
					cut = sum % enabled
				}
				i, forced = 0, true
				continue
			}
		}
		if usable(n) || !forced {
			cut -= n.Weight
		}
		i++
	}
	return nil
}

// ErrNoReply is a node that did not answer in time.
var ErrNoReply = errors.New("timeout waiting reply from the RTP proxy")

// cookies are unique per process and command.
var cookieSeq atomic.Uint64

var cookieBase = fmt.Sprintf("%d_%d", os.Getpid(), rand.Uint32())

func newCookie() string {
	return cookieBase + "_" + strconv.FormatUint(cookieSeq.Add(1), 10)
}

// dial connects the node's socket and starts its reader.
func (n *Node) dial() (*net.UDPConn, error) {
	n.connMu.Lock()
	defer n.connMu.Unlock()
	if n.conn != nil {
		return n.conn, nil
	}
	raddr, err := net.ResolveUDPAddr(n.network, n.addr)
	if err != nil {
		return nil, err
	}
	c, err := net.DialUDP(n.network, nil, raddr)
	if err != nil {
		return nil, err
	}
	n.conn = c
	go n.read(c)
	return c, nil
}

// read hands answers to the command waiting for their cookie; answers
// nobody waits for (late answers to retries) are dropped.
func (n *Node) read(c *net.UDPConn) {
	buf := make([]byte, 65536)
	for {
		k, err := c.Read(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				// ICMP port unreachable surfaces as a read error on a
				// connected socket: keep reading, the sender times out.
				continue
			}
			n.connMu.Lock()
			if n.conn == c {
				n.conn = nil
			}
			n.connMu.Unlock()
			return
		}
		msg := buf[:k]
		sp := strings.IndexByte(string(msg[:min(k, 64)]), ' ')
		if sp <= 0 {
			continue
		}
		cookie := string(msg[:sp])
		n.connMu.Lock()
		ch := n.waiters[cookie]
		delete(n.waiters, cookie)
		n.connMu.Unlock()
		if ch != nil {
			ch <- append([]byte(nil), msg[sp+1:]...)
		}
	}
}

func (n *Node) closeConn() {
	n.connMu.Lock()
	c := n.conn
	n.conn = nil
	n.connMu.Unlock()
	if c != nil {
		c.Close()
	}
}

// Call sends one command, prefixed by a fresh cookie, and returns the
// answer without its cookie. It sends retr times, waiting tout for each
// answer, and disables the node for disableTout when it never answers.
func (n *Node) Call(ctx context.Context, payload []byte, tout time.Duration, retr int, disableTout time.Duration) ([]byte, error) {
	cookie := newCookie()
	pkt := append([]byte(cookie+" "), payload...)
	ch := make(chan []byte, 1)
	n.connMu.Lock()
	n.waiters[cookie] = ch
	n.connMu.Unlock()
	defer func() {
		n.connMu.Lock()
		delete(n.waiters, cookie)
		n.connMu.Unlock()
	}()
	if retr < 1 {
		retr = 1
	}
	for i := 0; i < retr; i++ {
		c, err := n.dial()
		if err != nil {
			break
		}
		if _, err := c.Write(pkt); err != nil {
			n.closeConn()
			continue
		}
		t := time.NewTimer(tout)
		select {
		case reply := <-ch:
			t.Stop()
			n.lastUsed.Store(time.Now().Unix())
			return reply, nil
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	n.Disable(disableTout)
	return nil, ErrNoReply
}

// Disable marks the node down until d has passed.
func (n *Node) Disable(d time.Duration) {
	n.mu.Lock()
	n.disabled = true
	if !n.forever {
		n.recheck = time.Now().Add(d)
	}
	n.mu.Unlock()
}

// Prober pings one node and reports whether it is usable.
type Prober func(ctx context.Context, n *Node) bool

// Probe pings the nodes due for a check: all of them when all is set
// (start-up), otherwise the disabled ones whose disable time passed and,
// with pingIdle, the enabled ones idle for idle. A node that answers is
// enabled; one that does not stays or becomes disabled for disableTout.
func (e *Sets) Probe(ctx context.Context, log *slog.Logger, all, pingIdle bool, idle, disableTout time.Duration, ping Prober) {
	var wg sync.WaitGroup
	now := time.Now()
	for _, s := range e.List {
		for _, n := range s.Nodes {
			n.mu.Lock()
			due := all || (n.disabled && !now.Before(n.recheck)) ||
				(!n.disabled && pingIdle && n.lastUsed.Load() < now.Add(-idle).Unix())
			due = due && !n.forever
			n.mu.Unlock()
			if !due {
				continue
			}
			wg.Add(1)
			go func(n *Node) {
				defer wg.Done()
				ok := ping(ctx, n)
				n.mu.Lock()
				was := n.disabled
				if ok {
					n.disabled = false
				} else {
					n.disabled = true
					n.recheck = time.Now().Add(disableTout)
				}
				n.mu.Unlock()
				switch {
				case ok && was && !all:
					log.Info("media relay enabled again", "node", n.URL)
				case !ok:
					log.Warn("media relay does not answer, disabled", "node", n.URL)
				}
			}(n)
		}
	}
	wg.Wait()
}

// MINode and MISet are the show command's answer (rtpengine_show,
// rtpproxy_show).
type MINode struct {
	URL          string `json:"url"`
	Index        int    `json:"index"`
	Disabled     int    `json:"disabled"`
	Weight       int    `json:"weight"`
	RecheckTicks int64  `json:"recheck_ticks"`
}

type MISet struct {
	Set   int      `json:"Set"`
	Nodes []MINode `json:"Nodes"`
}

// Show lists the sets and the state of their nodes.
func (e *Sets) Show() []MISet {
	out := []MISet{}
	now := time.Now()
	for _, s := range e.List {
		ms := MISet{Set: s.ID, Nodes: []MINode{}}
		for _, n := range s.Nodes {
			n.mu.Lock()
			mn := MINode{URL: n.URL, Index: n.Index, Weight: n.Weight}
			if n.disabled {
				mn.Disabled = 1
				switch {
				case n.forever:
					mn.RecheckTicks = 4294967295
				case n.recheck.After(now):
					mn.RecheckTicks = int64(n.recheck.Sub(now).Seconds() + 0.5)
				}
			}
			n.mu.Unlock()
			ms.Nodes = append(ms.Nodes, mn)
		}
		out = append(out, ms)
	}
	return out
}

// Enable is the enable command: url, enable (0 off for good, 1 on, 2 off
// until the next probe) and an optional setid.
func (e *Sets) Enable(p api.MIParams, disableTout time.Duration, notFound string) (any, error) {
	url, ok := p.Str("url")
	if !ok {
		return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
	}
	if url == "" {
		return nil, &api.MIError{Code: 400, Msg: "Empty url"}
	}
	enable, ok := p.Int("enable")
	if !ok {
		return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
	}
	setID := -1
	if _, given := p["setid"]; given {
		if setID, ok = p.Int("setid"); !ok {
			return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
		}
	}
	found := false
	for _, s := range e.List {
		if setID != -1 && s.ID != setID {
			continue
		}
		for _, n := range s.Nodes {
			if n.URL != url {
				continue
			}
			found = true
			n.mu.Lock()
			switch enable {
			case 0:
				n.disabled, n.forever = true, true
			case 2:
				n.disabled, n.forever, n.recheck = true, false, time.Now().Add(disableTout)
			default:
				n.disabled, n.forever, n.recheck = false, false, time.Time{}
			}
			n.mu.Unlock()
		}
	}
	if !found {
		return nil, &api.MIError{Code: 404, Msg: notFound}
	}
	return "OK", nil
}

// KeepState moves the nodes of old that e still lists into e, with their
// state and sockets (a soft reload); it returns the nodes that went away.
func (e *Sets) KeepState(old *Sets) {
	for _, s := range e.List {
		os := old.ByID(s.ID)
		if os == nil {
			continue
		}
		for i, n := range s.Nodes {
			// A node whose weight changed starts afresh: weights are read
			// without locks by Select.
			if on := lookup(os, n.URL); on != nil && on.Weight == n.Weight {
				s.Nodes[i] = on
			}
		}
	}
	e.number()
}

// LoadSets reads the nodes from a database table of (socket, set id)
// rows, as OpenSIPS' rtpengine and rtpproxy db_url modes do, after
// checking the table's version row (a missing row is accepted).
func LoadSets(ctx context.Context, conn db.Conn, table, sockCol, setCol string, version, defSet int) (*Sets, error) {
	if err := db.CheckVersion(ctx, conn, table, version); err != nil && !errors.Is(err, db.ErrNoVersion) {
		return nil, err
	}
	res, err := conn.Query(ctx, table, []string{sockCol, setCol}, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("loading nodes from %s: %w", table, err)
	}
	s := &Sets{}
	for _, row := range res.Rows {
		if len(row) < 2 || row[0].Null {
			return nil, fmt.Errorf("NULL value in the %s column of %s", sockCol, table)
		}
		if err := s.AddSocks(row[0].Str(), int(row[1].Int64()), defSet); err != nil {
			return nil, fmt.Errorf("node %q: %w", row[0].Str(), err)
		}
	}
	return s, nil
}

// OpenDB connects to a db_url for LoadSets.
func OpenDB(dbURL, baseDir string, log *slog.Logger) (db.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, dbURL, db.WithBaseDir(baseDir), db.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("db_url: %w", err)
	}
	return conn, nil
}

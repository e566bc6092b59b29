package rtpengine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/internal/bencode"
)

// node is one rtpengine instance of a set.
type node struct {
	url     string // as configured, e.g. "udp:127.0.0.1:2223"
	network string // "udp" or "udp6"
	addr    string // host:port
	weight  int
	set     int
	idx     int

	mu       sync.Mutex
	disabled bool
	forever  bool      // disabled by MI (rtpengine_enable ... 0)
	recheck  time.Time // when a disabled node may be probed again
	lastUsed atomic.Int64

	connMu  sync.Mutex
	conn    *net.UDPConn
	waiters map[string]chan []byte
}

// set is one rtpengine set (the id before "==").
type set struct {
	id    int
	nodes []*node
}

// engines is the loaded configuration of sets; it is replaced as a whole
// by rtpengine_reload.
type engines struct {
	sets []*set
}

func (e *engines) byID(id int) *set {
	for _, s := range e.sets {
		if s.id == id {
			return s
		}
	}
	return nil
}

// addSocks parses one rtpengine_sock value ("[id ==] url[=weight] ...")
// into e. setID >= 0 forces the set (database rows).
func (e *engines) addSocks(def string, setID int) error {
	def = strings.TrimSpace(def)
	if def == "" {
		return nil
	}
	id := 0
	if setID >= 0 {
		id = setID
	} else if l, r, ok := strings.Cut(def, "=="); ok {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || n < 0 {
			return fmt.Errorf("invalid set id %q", strings.TrimSpace(l))
		}
		id, def = n, strings.TrimSpace(r)
		if def == "" {
			return fmt.Errorf("set %d: empty rtpengine list", id)
		}
	}
	s := e.byID(id)
	if s == nil {
		s = &set{id: id}
		e.sets = append(e.sets, s)
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
		dup := false
		for _, n := range s.nodes {
			dup = dup || n.url == url
		}
		if dup {
			continue
		}
		n, err := newNode(url, w, id)
		if err != nil {
			return err
		}
		s.nodes = append(s.nodes, n)
	}
	return nil
}

func newNode(url string, weight, setID int) (*node, error) {
	n := &node{url: url, weight: weight, set: setID, waiters: map[string]chan []byte{}}
	lower := strings.ToLower(url)
	switch {
	case strings.HasPrefix(lower, "udp6:"):
		n.network, n.addr = "udp6", url[5:]
	case strings.HasPrefix(lower, "udp:"):
		n.network, n.addr = "udp", url[4:]
	case strings.HasPrefix(lower, "unix:"):
		return nil, fmt.Errorf("%s: unix control sockets are not supported, use udp:", url)
	default:
		return nil, fmt.Errorf("%s: unix control sockets are not supported, use udp:host:port", url)
	}
	if _, _, err := net.SplitHostPort(n.addr); err != nil {
		if strings.HasPrefix(n.addr, "[") && strings.HasSuffix(n.addr, "]") || !strings.Contains(n.addr, ":") {
			return nil, fmt.Errorf("%s: missing port", url)
		}
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return n, nil
}

// number gives every node an index, as rtpengine_show lists them.
func (e *engines) number() {
	i := 0
	for _, s := range e.sets {
		for _, n := range s.nodes {
			n.idx = i
			i++
		}
	}
}

func (e *engines) close() {
	for _, s := range e.sets {
		for _, n := range s.nodes {
			n.closeConn()
		}
	}
}

// ignoreList holds nodes skipped for the rest of one command.
type ignoreList []*node

func (l ignoreList) has(n *node) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

func (n *node) isDisabled() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.disabled
}

// selectNode picks a node of s for callID the way OpenSIPS does: a byte
// sum of the Call-ID spread over the weights, redistributed over the
// enabled nodes when the first choice is disabled.
func selectNode(s *set, callID string, ignore ignoreList) *node {
	if s == nil || len(s.nodes) == 0 {
		return nil
	}
	usable := func(n *node) bool { return !n.isDisabled() && !ignore.has(n) }
	if len(s.nodes) == 1 {
		if usable(s.nodes[0]) {
			return s.nodes[0]
		}
		return nil
	}
	sum := 0
	for i := 0; i < len(callID); i++ {
		sum += int(callID[i])
	}
	sum &= 0xff
	total, enabled := 0, 0
	for _, n := range s.nodes {
		total += n.weight
		if usable(n) {
			enabled += n.weight
		}
	}
	any := false
	for _, n := range s.nodes {
		any = any || usable(n)
	}
	if !any {
		return nil
	}
	cut := -1
	if enabled > 0 && total > 0 {
		cut = sum % total
	}
	forced := false
	for i := 0; i < len(s.nodes); {
		n := s.nodes[i]
		if cut < n.weight {
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
			cut -= n.weight
		}
		i++
	}
	return nil
}

// errNoReply is a node that did not answer in time.
var errNoReply = errors.New("timeout waiting reply from the RTP proxy")

// cookies are unique per process and command.
var cookieSeq atomic.Uint64

var cookieBase = fmt.Sprintf("%d_%d", os.Getpid(), rand.Uint32())

func newCookie() string {
	return cookieBase + "_" + strconv.FormatUint(cookieSeq.Add(1), 10)
}

// dial connects the node's socket and starts its reader.
func (n *node) dial() (*net.UDPConn, error) {
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

// read hands replies to the command waiting for their cookie; replies
// nobody waits for (late answers to retries) are dropped.
func (n *node) read(c *net.UDPConn) {
	buf := make([]byte, 65536)
	for {
		k, err := c.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && !errors.Is(err, net.ErrClosed) {
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

func (n *node) closeConn() {
	n.connMu.Lock()
	c := n.conn
	n.conn = nil
	n.connMu.Unlock()
	if c != nil {
		c.Close()
	}
}

// call sends one ng command and returns the decoded reply dictionary. It
// retries retr times, waiting tout for each answer, and disables the
// node for disableTout when it never answers (OpenSIPS send_rtpe_command).
func (n *node) call(ctx context.Context, cmd map[string]any, tout time.Duration, retr int, disableTout time.Duration) (map[string]any, error) {
	body, err := bencode.Encode(nil, cmd)
	if err != nil {
		return nil, err
	}
	cookie := newCookie()
	pkt := append([]byte(cookie+" "), body...)
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
			v, err := bencode.Decode(reply)
			if err != nil {
				return nil, fmt.Errorf("failed to decode bencoded reply: %w", err)
			}
			d, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("failed to decode bencoded reply: not a dictionary")
			}
			return d, nil
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	n.disable(disableTout)
	return nil, errNoReply
}

// disable marks the node down until disableTout has passed.
func (n *node) disable(d time.Duration) {
	n.mu.Lock()
	n.disabled = true
	if !n.forever {
		n.recheck = time.Now().Add(d)
	}
	n.mu.Unlock()
}

// ping probes the node; it reports whether it answered "pong".
func (n *node) ping(ctx context.Context, tout time.Duration, retr int, disableTout time.Duration) bool {
	d, err := n.call(ctx, map[string]any{"command": "ping"}, tout, retr, disableTout)
	if err != nil {
		return false
	}
	r, _ := bencode.Str(d, "result")
	return r == "pong"
}

// Package trace runs SIP messages through a script with no sockets opened
// (gosips trace): the engine of "gosips run", its modules and their state,
// with a recording transport and a program that reports every statement it
// executes, each condition's value, each function's return code, every
// variable and message-state change, and every message it would send.
package trace

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gosips/api"
	"gosips/lang"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/runtime"
	"gosips/sip"
)

// Options configure a trace.
type Options struct {
	Config string   // the script
	Listen []string // proto:ip:port sockets replacing the script's (as run -l)
	Route  string   // run route[Route] instead of the main route
	// From is where the messages come from, [proto:]ip:port
	// (default udp:127.0.0.1:5080).
	From string
	Set  []string // PV=VALUE assignments run before the route
	// DB replaces the value of every *db_url modparam (e.g. a sqlite file
	// made with gosips db create), so that traced state stays off the
	// production database.
	DB    string
	Reply int  // feed a reply with this code to each relayed request
	JSON  bool // JSON lines instead of text
	Out   io.Writer
	// Version is reported where the server reports it (Server headers).
	Version string
}

// Input is one message to trace: raw SIP text, or a template name
// (register, invite, options, bye-in-dialog) with an optional ":user".
type Input struct {
	Name string // file name or template, for the header line
	Raw  []byte // nil for a template
}

// Sent is a message the traced script would have sent.
type Sent struct {
	From  *sip.Socket
	Dest  sip.Dest
	Raw   []byte
	Reply bool
}

// Run traces each input in order with one engine, so that state (usrloc
// registrations, dialogs, transactions) carries from one to the next. It
// returns the messages that would have been sent, in order.
func Run(opts Options, inputs []Input) ([]Sent, error) {
	src, err := parseFrom(opts.From)
	if err != nil {
		return nil, err
	}
	f, diags := lang.ParseFile(opts.Config, lang.Options{})
	if diags.HasErrors() {
		return nil, diagErr(opts.Config, diags)
	}
	if err := rewrite(f, opts); err != nil {
		return nil, err
	}
	p := newPrinter(opts.Out, opts.JSON)
	log := slog.New(p.logHandler())
	s, cd := runtime.Compile(f, runtime.Options{ConfigDir: filepath.Dir(opts.Config), Log: log})
	if cd.HasErrors() {
		if s != nil {
			s.Close()
		}
		return nil, diagErr(opts.Config, cd)
	}
	prog, err := s.BuildTraced(log, p.event)
	if err != nil {
		s.Close()
		return nil, err
	}
	eng := runtime.NewEngine(s, prog, runtime.EngineOptions{
		Log: log, Listen: opts.Listen, OnlyListen: len(opts.Listen) > 0, Version: opts.Version,
		Record: p.record,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := eng.Start(ctx); err != nil {
		s.Close()
		return nil, err
	}
	defer func() {
		// What shutdown sends (tm ending open transactions) is no part of
		// the trace.
		p.stop()
		eng.Shutdown()
	}()
	socks := eng.Transport().Sockets()
	if len(socks) == 0 {
		return nil, fmt.Errorf("%s: the script has no socket", opts.Config)
	}
	for i, in := range inputs {
		raw := in.Raw
		if raw == nil {
			if raw, err = fromTemplate(in.Name, src, socks); err != nil {
				return nil, err
			}
		}
		m, err := sip.Parse(normalize(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.Name, err)
		}
		sock := recvSocket(socks, src.proto)
		m.SetRecv(&sip.RecvInfo{Proto: src.proto, Src: src.addr, Socket: sock, Local: sockAddr(sock)})
		first := m.Method() + " " + m.RURI()
		if !m.IsRequest() {
			first = strconv.Itoa(m.StatusCode()) + " " + m.Reason()
		}
		p.header(fmt.Sprintf("message %d (%s): %s", i+1, in.Name, first), src.proto.String()+":"+src.addr.String(), sock.String())
		mark := p.sentCount()
		eng.Dispatch(m)
		if opts.Reply > 0 {
			if err := p.feedReply(eng, opts.Reply, mark); err != nil {
				return nil, err
			}
		}
	}
	return p.allSent(), nil
}

// feedReply answers the last request relayed since sent index mark with
// code, as the next hop would, and runs it through the script.
func (p *printer) feedReply(eng *runtime.Engine, code, mark int) error {
	sent := p.allSent()[mark:]
	for i := len(sent) - 1; i >= 0; i-- {
		s := sent[i]
		if s.Reply {
			continue
		}
		req, err := sip.Parse(s.Raw)
		if err != nil || !req.IsRequest() || req.Method() == "ACK" {
			continue
		}
		rep := sip.NewReply(req, code, "", "trace-callee")
		r, err := sip.Parse(rep.Bytes())
		if err != nil {
			return fmt.Errorf("reply %d: %w", code, err)
		}
		r.SetRecv(&sip.RecvInfo{Proto: s.Dest.Proto, Src: s.Dest.Addr, Socket: s.From, Local: sockAddr(s.From)})
		p.header(fmt.Sprintf("reply %d %s to %s %s", code, sip.StatusText(code), req.Method(), req.RURI()), s.Dest.String(), s.From.String())
		eng.Dispatch(r)
		return nil
	}
	p.note("--reply: no relayed request to answer")
	return nil
}

type source struct {
	proto sip.Proto
	addr  netip.AddrPort
}

func parseFrom(s string) (source, error) {
	if s == "" {
		s = "udp:127.0.0.1:5080"
	}
	src := source{proto: sip.ProtoUDP}
	if proto, rest, ok := strings.Cut(s, ":"); ok && sip.ParseProto(proto) != sip.ProtoNone {
		src.proto, s = sip.ParseProto(proto), rest
	}
	a, err := netip.ParseAddrPort(s)
	if err != nil {
		return src, fmt.Errorf("--from %q: want [proto:]ip:port", s)
	}
	src.addr = a
	return src, nil
}

// recvSocket is the socket a message from proto arrives on: the first of
// that protocol, else the first socket.
func recvSocket(socks []*sip.Socket, proto sip.Proto) *sip.Socket {
	for _, s := range socks {
		if s.Proto == proto {
			return s
		}
	}
	return socks[0]
}

func sockAddr(s *sip.Socket) netip.AddrPort {
	if s == nil {
		return netip.AddrPort{}
	}
	a, err := netip.ParseAddr(s.IP)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, uint16(s.Port))
}

func diagErr(path string, l diag.List) error {
	l.Sort()
	var b strings.Builder
	n := 0
	for _, d := range l.Errors() {
		if n == 10 {
			break
		}
		fmt.Fprintf(&b, "%s\n", d.Error())
		n++
	}
	return fmt.Errorf("%s does not compile:\n%s", path, strings.TrimRight(b.String(), "\n"))
}

var pvNameRE = regexp.MustCompile(`^\$[A-Za-z_(][^=]*$`)

// rewrite applies --db, --set and --route to the parsed script: the
// assignments and the route call are parsed from generated text (shown as
// file "<trace>") and put in front of the main route's body.
func rewrite(f *ast.File, opts Options) error {
	if opts.DB != "" {
		for _, it := range f.Items {
			if mp, ok := it.(*ast.ModParam); ok && strings.HasSuffix(mp.Param, "db_url") {
				mp.Value = &ast.Value{At: mp.Value.At, End: mp.Value.End, Kind: ast.ValString, Str: opts.DB, Raw: strconv.Quote(opts.DB)}
			}
		}
	}
	if len(opts.Set) == 0 && opts.Route == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString("route {\n")
	for _, kv := range opts.Set {
		name, val, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || !pvNameRE.MatchString(name) {
			return fmt.Errorf("--set %q: want $pv=value", kv)
		}
		if _, err := strconv.ParseInt(val, 10, 64); err == nil {
			fmt.Fprintf(&b, "\t%s = %s;\n", name, val)
		} else {
			fmt.Fprintf(&b, "\t%s = %s;\n", name, strconv.Quote(val))
		}
	}
	if opts.Route != "" {
		fmt.Fprintf(&b, "\troute(%s);\n", opts.Route)
	}
	b.WriteString("}\n")
	const name = "<trace>"
	g, diags := lang.Parse(name, []byte(b.String()), lang.Options{})
	if diags.HasErrors() || len(g.Items) != 1 {
		return fmt.Errorf("--set/--route: %v", diags.Err())
	}
	extra := g.Items[0].(*ast.Route)
	f.Files[name] = g.Files[name]
	for _, it := range f.Items {
		r, ok := it.(*ast.Route)
		if !ok || r.Kind != ast.RouteRequest || r.Name != "" {
			continue
		}
		if opts.Route == "" {
			r.Body.Stmts = append(extra.Body.Stmts, r.Body.Stmts...)
		} else {
			r.Body = extra.Body
		}
		return nil
	}
	f.Items = append(f.Items, extra)
	return nil
}

// normalize gives a message file CRLF line ends and a Content-Length that
// matches its body, so that hand-written files can be traced.
func normalize(raw []byte) []byte {
	s := strings.ReplaceAll(string(raw), "\r\n", "\n")
	head, body, _ := strings.Cut(s, "\n\n")
	head = strings.TrimLeft(head, "\n")
	var lines []string
	for _, l := range strings.Split(head, "\n") {
		name, _, _ := strings.Cut(l, ":")
		n := strings.ToLower(strings.TrimSpace(name))
		if strings.Contains(l, ":") && (n == "content-length" || n == "l") {
			continue
		}
		lines = append(lines, l)
	}
	body = strings.ReplaceAll(body, "\n", "\r\n")
	lines = append(lines, "Content-Length: "+strconv.Itoa(len(body)))
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n" + body)
}

// printer writes the trace; events come from the message's goroutine and
// from module goroutines, so it serialises them.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	json    bool
	sent    []Sent
	stopped bool
	msg     int
	depth   int
}

func newPrinter(w io.Writer, json bool) *printer { return &printer{w: w, json: json} }

func (p *printer) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}

func (p *printer) sentCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sent)
}

func (p *printer) allSent() []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Sent(nil), p.sent...)
}

// record is the engine's transport: it keeps and prints what would be sent.
func (p *printer) record(from *sip.Socket, d sip.Dest, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	reply := false
	if m, err := sip.Parse(b); err == nil {
		reply = !m.IsRequest()
	}
	p.sent = append(p.sent, Sent{From: from, Dest: d, Raw: append([]byte(nil), b...), Reply: reply})
	p.writeSend(from, d, b)
}

func (p *printer) event(_ *api.Ctx, ev runtime.TraceEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.depth = ev.Depth
	p.writeEvent(ev)
}

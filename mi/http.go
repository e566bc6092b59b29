package mi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults of the httpd, mi_http and mi_fifo modules. gosips binds the MI
// HTTP server to the loopback address unless httpd's "ip" says otherwise
// (OpenSIPS 3.x listens on all addresses; 4.x on 127.0.0.1, as here).
const (
	DefaultHTTPIP   = "127.0.0.1"
	DefaultHTTPPort = 8888
	DefaultRoot     = "mi"
	DefaultFIFO     = "/tmp/opensips_fifo"
	DefaultFIFOMode = 0o660
	DefaultReplyDir = "/tmp/"
)

// maxBody bounds a request body; MI requests are small.
const maxBody = 1 << 20

// Pages httpd answers with when the request does not reach mi_http.
const (
	pageBadURL    = "<html><body>Unable to parse URL!</body></html>"
	pageBadMethod = "<html><body>Unsupported HTTP request!</body></html>"
)

// Option tunes a transport.
type Option func(*options)

type options struct {
	log          *slog.Logger
	pretty       bool
	connTimeout  time.Duration
	replyTimeout time.Duration
	uid, gid     int // fifo owner; -1 keeps the process's
}

func buildOptions(opts []Option) options {
	o := options{
		log:          slog.New(slog.DiscardHandler),
		connTimeout:  30 * time.Second,
		replyTimeout: 10 * time.Second,
		uid:          -1,
		gid:          -1,
	}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithLogger sets the transport's logger.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithPretty indents responses (the pretty_printing modparam).
func WithPretty(on bool) Option { return func(o *options) { o.pretty = on } }

// WithConnTimeout bounds reading an HTTP request and writing its answer
// (httpd's conn_timeout, 30 s by default).
func WithConnTimeout(d time.Duration) Option { return func(o *options) { o.connTimeout = d } }

// WithFIFOOwner sets the owner and group of the fifo (fifo_user,
// fifo_group); -1 keeps the process's.
func WithFIFOOwner(uid, gid int) Option { return func(o *options) { o.uid, o.gid = uid, gid } }

// WithReplyTimeout bounds writing a FIFO reply to a slow client (10 s by
// default).
func WithReplyTimeout(d time.Duration) Option { return func(o *options) { o.replyTimeout = d } }

// HTTPHandler serves JSON-RPC requests POSTed to /<root> (or below it), as
// mi_http does: other methods on the root get 405, a URL outside the root
// 400, an empty body 400, a notification 202 with no body, and everything
// else 200 with the JSON-RPC response.
func HTTPHandler(root string, d *Dispatcher, opts ...Option) http.Handler {
	o := buildOptions(opts)
	root = strings.Trim(root, "/")
	if root == "" {
		root = DefaultRoot
	}
	return &httpHandler{root: "/" + root, d: d, o: o}
}

type httpHandler struct {
	root string
	d    *Dispatcher
	o    options
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p != h.root && !strings.HasPrefix(p, h.root+"/") {
		htmlPage(w, http.StatusBadRequest, pageBadURL)
		return
	}
	switch r.Method {
	case http.MethodPost:
	case http.MethodGet:
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	default:
		htmlPage(w, http.StatusNotAcceptable, pageBadMethod)
		return
	}
	// A web page can make a browser POST here (DNS rebinding, a no-cors
	// form): such requests carry a foreign Host or Origin, or a
	// Content-Type other than application/json (which a page can only
	// send after a CORS preflight this server never answers).
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.EqualFold(mt, "application/json") {
		http.Error(w, "unsupported Content-Type (want application/json)", http.StatusUnsupportedMediaType)
		return
	}
	if !hostAllowed(r) {
		http.Error(w, "Host is not the address this server is bound to", http.StatusForbidden)
		return
	}
	if !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusBadRequest)
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	resp := h.d.Handle(r.Context(), body)
	if resp == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if h.o.pretty {
		resp = Pretty(resp)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(resp); err != nil {
		h.o.log.Debug("mi http reply not sent", "remote", r.RemoteAddr, "err", err)
	}
}

// hostAllowed reports whether the Host header names the address the
// connection came in on (IP and port), or a loopback name when that
// address is a loopback one.
func hostAllowed(r *http.Request) bool {
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return true // not served from a listener (handler tests)
	}
	lhost, lport, err := net.SplitHostPort(local.String())
	if err != nil {
		return false
	}
	lip := net.ParseIP(lhost)
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, "80"
	}
	if port != lport || lip == nil {
		return false
	}
	host = strings.Trim(host, "[]")
	if ip := net.ParseIP(host); ip != nil {
		return ip.Equal(lip) || (ip.IsLoopback() && lip.IsLoopback())
	}
	return strings.EqualFold(host, "localhost") && lip.IsLoopback()
}

// sameOrigin refuses requests a browser marks as coming from another
// site: an Origin that is not this server, or Sec-Fetch-Site saying
// cross-site or same-site.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && !strings.EqualFold(o, "http://"+r.Host) && !strings.EqualFold(o, "https://"+r.Host) {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

func htmlPage(w http.ResponseWriter, code int, page string) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, page)
}

// BadURL answers a path no httpd module serves, as httpd does.
func BadURL(w http.ResponseWriter, _ *http.Request) { htmlPage(w, http.StatusBadRequest, pageBadURL) }

// HTTPServer is the MI over HTTP listener (httpd + mi_http).
type HTTPServer struct {
	addr string
	srv  *http.Server
	log  *slog.Logger

	mu   sync.Mutex
	ln   net.Listener
	done chan struct{}
}

// NewHTTPServer makes a server for addr ("ip:port"; see DefaultHTTPIP and
// DefaultHTTPPort) answering on /<root>. Start binds it.
func NewHTTPServer(addr, root string, d *Dispatcher, opts ...Option) *HTTPServer {
	return NewHTTPServerHandler(addr, HTTPHandler(root, d, opts...), opts...)
}

// NewHTTPServerHandler makes the httpd server for addr with any handler
// (mi_http and prometheus sharing one listener, as on OpenSIPS' httpd).
func NewHTTPServerHandler(addr string, h http.Handler, opts ...Option) *HTTPServer {
	o := buildOptions(opts)
	return &HTTPServer{
		addr: addr,
		log:  o.log,
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: o.connTimeout,
			ReadTimeout:       o.connTimeout,
			WriteTimeout:      o.connTimeout,
			IdleTimeout:       o.connTimeout,
			ErrorLog:          slog.NewLogLogger(o.log.Handler(), slog.LevelDebug),
		},
	}
}

// Start binds the address and serves in the background until Shutdown or
// until ctx is cancelled; ctx is also the parent of every request's context.
func (s *HTTPServer) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return errors.New("mi http server already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mi http: listen on %s: %w", s.addr, err)
	}
	s.ln = ln
	s.done = make(chan struct{})
	s.srv.BaseContext = func(net.Listener) context.Context { return ctx }
	s.log.Info("mi http server listening", "addr", ln.Addr().String())
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("mi http server stopped", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = s.srv.Shutdown(sctx)
		case <-s.done:
		}
	}()
	return nil
}

// Addr is the bound address (useful with port 0), or nil before Start.
func (s *HTTPServer) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops accepting, waits for running requests until ctx ends, and
// then closes what is left.
func (s *HTTPServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	<-done
	if err != nil {
		return fmt.Errorf("mi http shutdown: %w", err)
	}
	return nil
}

package api

import (
	"context"
	"log/slog"

	"gosips/sip"
)

// Ctx is the per-message execution context handed to script functions (the
// counterpart of OpenSIPS' sip_msg plus the route globals). The runtime owns
// and pools it; functions must not keep it after they return, except tm,
// which copies what a transaction needs.
type Ctx struct {
	Context   context.Context
	RouteType RouteType
	Log       *slog.Logger
	// Core gives access to the runtime's services.
	Core Core

	// Msg is the SIP message being processed: the request in request,
	// branch, failure and local routes, the reply in onreply routes; nil in
	// startup, timer and event routes.
	Msg *sip.Msg
	// Req is the request of the transaction in onreply and failure routes
	// (equal to Msg in request routes).
	Req *sip.Msg
	// Reply is the reply being processed (onreply) or the winning reply
	// (failure route); nil otherwise.
	Reply *sip.Msg

	// Flags are the message (transaction) flags; BFlags the flags of
	// branch 0 (the R-URI branch).
	Flags  uint32
	BFlags uint32
	// DstURI is $du: the next hop, overriding the R-URI when set.
	DstURI string
	// RURIQ is the q-value of the R-URI branch (×1000; -1 = unset).
	RURIQ int
	// Path is the Path vector of the R-URI branch (from lookup()).
	Path string
	// ForceSocket is the socket forced by force_send_socket / $socket_out.
	ForceSocket *sip.Socket
	// Branches are the extra branches (append_branch, lookup) beside the
	// R-URI branch.
	Branches []Branch
	// BranchIdx is $T_branch_idx in branch/onreply/failure routes.
	BranchIdx int

	// Tx is the transaction of the message, owned by tm (nil when none).
	Tx any
	// TxHooks are the routes armed for the transaction being created.
	OnFailure, OnReply, OnBranch string

	// Vars are the worker's $var values and AVPs the transaction's $avp
	// stack; their types belong to package pv.
	Vars any
	AVPs any

	// Err describes the last processing error for error_route ($err.*).
	Err *ErrInfo

	// ReplyHeaders (header lines, each CRLF-terminated) and ReplyBody are
	// added by append_to_reply() / append_body_to_reply() to every reply
	// generated locally for this request; every Replier includes them
	// (ReplyBody only when the reply has no body of its own).
	ReplyHeaders string
	ReplyBody    string
	// Slots hold per-message state of modules, keyed by a value each
	// module owns (OpenSIPS context slots: rr's Record-Route parameters,
	// the advertised address set by set_advertised_address()); nil until a
	// module stores something.
	Slots map[any]any

	// RetCode is $rc: the return code of the last executed action.
	RetCode Ret
	// Params are the arguments of the current route(name, args...) call.
	Params []Value

	// Priv is runtime-private state.
	Priv any
}

// Branch is one destination of the branch set.
type Branch struct {
	URI    string
	DstURI string
	Path   string
	Q      int // ×1000; -1 = unset
	Flags  uint32
	Socket *sip.Socket
}

// ErrInfo is $err.class/level/info/rcode/rreason.
type ErrInfo struct {
	Class  int
	Level  int
	Info   string
	RCode  int
	RReply string
}

// Slot returns the per-message value stored under key, or nil.
func (c *Ctx) Slot(key any) any {
	if c.Slots == nil {
		return nil
	}
	return c.Slots[key]
}

// SetSlot stores a per-message value under key.
func (c *Ctx) SetSlot(key, v any) {
	if c.Slots == nil {
		c.Slots = map[any]any{}
	}
	c.Slots[key] = v
}

// RURI returns the current Request-URI (the rewritten one, if any).
func (c *Ctx) RURI() string {
	if c.Msg == nil {
		return ""
	}
	return c.Msg.RURI()
}

// Core is what the runtime offers modules while a message is processed.
type Core interface {
	// Send transmits bytes to a destination.
	Send(dst sip.Dest, b []byte) error
	// Resolve turns a SIP URI ("sip:host:port;transport=tcp") into a
	// destination; forced, when set, is the outgoing socket.
	Resolve(ctx context.Context, uri string, forced *sip.Socket) (sip.Dest, error)
	// SendReply sends the bytes of a reply to the request it answers (RFC
	// 3261 §18.2.2 and RFC 3581: received/rport, the connection it came on).
	SendReply(req *sip.Msg, reply []byte) error
	// OutSocket picks the socket to send to dst from (forced, or by
	// protocol and address family).
	OutSocket(dst sip.Dest) *sip.Socket
	// IsMyself reports whether host (and port, 0 = any) is a local socket
	// address or an alias.
	IsMyself(host string, port int) bool
	// RunRoute runs a route block with c as its context and returns its
	// return code; ok is false when no such route exists.
	RunRoute(c *Ctx, kind RouteType, name string) (ret Ret, ok bool)
	// NewCtx makes a context for a message processed outside the receive
	// path (tm's failure/onreply/branch routes, local requests, timers).
	NewCtx(ctx context.Context, kind RouteType, msg *sip.Msg) *Ctx
	// ReleaseCtx returns a context made by NewCtx.
	ReleaseCtx(c *Ctx)
	// MsgFlagName and BranchFlagName turn flag bits into their script names.
	MsgFlagName(bit int) string
	BranchFlagName(bit int) string
	// Module returns a loaded module instance, or nil.
	Module(name string) Module
	// ServerHeader is the Server header value for local replies ("" = none).
	ServerHeader() string
}

// LogGenKey is a log attribute: true prints the record as OpenSIPS'
// LM_GEN lines (xlog, log(), acc's log backend), the level and the text
// without a module part: "NOTICE:ACC: transaction answered: ...".
const LogGenKey = "lm_gen"

// UserAgenter is implemented by a Core that signs the requests built
// locally (tm's ACK and CANCEL): UserAgentHeader is the User-Agent value
// ("" = none, server_signature=0).
type UserAgenter interface {
	UserAgentHeader() string
}

// UserAgentOf returns core's User-Agent value, "" when it has none.
func UserAgentOf(core Core) string {
	if u, ok := core.(UserAgenter); ok {
		return u.UserAgentHeader()
	}
	return ""
}

// ReplyReceiver is implemented by modules (tm) that want every received SIP
// reply after the global onreply_route ran. Returning true means the module
// took the reply over; otherwise the core forwards it statelessly.
type ReplyReceiver interface {
	ReceiveReply(c *Ctx) bool
}

// RequestFilter is implemented by modules (tm) that see every received
// request before the script, e.g. to absorb ACKs of their own replies.
// Returning false stops processing.
type RequestFilter interface {
	FilterRequest(c *Ctx) bool
}

// Replier is implemented by modules able to answer a request (sl
// statelessly, tm statefully when a transaction exists); signaling and the
// core use it for send_reply() and internal error replies.
type Replier interface {
	// Reply answers the request in c; extra holds header lines ("Name:
	// value\r\n...") and body the optional body.
	Reply(c *Ctx, code int, reason string, extra string, body string) error
}

// UAC is implemented by tm: it sends a locally built request as a new
// client transaction (retransmissions, timeout) and reports its final
// reply. msilo, dispatcher probing and uac_registrant use it.
type UAC interface {
	SendRequest(ctx context.Context, r *UACRequest) error
}

// UACRequest describes a request gosips originates.
type UACRequest struct {
	Method string
	RURI   string
	// From and To are full header values ("<sip:a@b>;tag=x"); a From
	// without tag gets one.
	From, To string
	// CallID and CSeq continue a dialog or a registration; empty/0 make
	// new ones.
	CallID string
	CSeq   uint32
	// Headers are extra header lines, each CRLF-terminated.
	Headers     string
	ContentType string
	Body        string
	// MaxForwards is the Max-Forwards value (0: 70).
	MaxForwards int
	// NextHop is an outbound proxy URI; empty sends to the R-URI.
	NextHop string
	// Socket forces the outgoing socket.
	Socket *sip.Socket
	// OnReply receives the final reply (a local 408 on timeout) and, if
	// Provisional is set, provisional ones too. It runs on a tm goroutine.
	OnReply     func(reply *sip.Msg, code int)
	Provisional bool
	// AVPs, when set, is the $avp store local_route sees (t_new_request's
	// $avp(uac_ctx)); its type belongs to package pv.
	AVPs any
	// Retransmitted2xx, with Provisional, also reports retransmissions of
	// a 2xx to an INVITE (the ACK for a 2xx is the sender's to repeat).
	Retransmitted2xx bool
	// Tx is set by SendRequest to tm's transaction (for UACCanceller).
	Tx any
}

// ReplyEditor is implemented by modules that edit the replies tm relays
// upstream (uac restores the From/To it replaced). tm calls EditReply for
// every reply received from downstream and forwarded, after the onreply
// routes and before the reply is serialised; never for replies tm builds
// itself. c is a view of the transaction: Req is the request as relayed
// and Slots what the request route stored; req and reply repeat c.Req and
// c.Reply. It runs with the transaction locked and must not block.
type ReplyEditor interface {
	EditReply(c *Ctx, req *sip.Msg, reply *sip.Msg)
}

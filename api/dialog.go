package api

import (
	"time"

	"gosips/sip"
)

// DialogAPI is implemented by the dialog module instance; other modules
// (acc, topology_hiding, load_balancer) find it with
//
//	d, ok := ic.Module("dialog").(api.DialogAPI)
//
// in Init (OpenSIPS' load_dlg_api). Every method is safe for concurrent
// use.
type DialogAPI interface {
	// Create creates the dialog of the initial INVITE in c as
	// create_dialog(flags) does (flags as the script's: "B", "Pp", ...);
	// when c already has a dialog, that one is returned.
	Create(c *Ctx, flags string) (Dialog, error)
	// Current returns the dialog of the message in c (created, or
	// matched by loose_route() / match_dialog()), or nil (get_dlg).
	Current(c *Ctx) Dialog
	// Match matches the sequential request in c to its dialog by the
	// dlg_match_mode parameter (match_dialog()); nil when none.
	Match(c *Ctx) Dialog
	// FixRoute rewrites the R-URI, $du and Route headers of the
	// sequential request in c from the dialog (fix_route_dialog()).
	FixRoute(c *Ctx, d Dialog) error
	// ByDID returns the dialog with that identifier ($DLG_did, the
	// Record-Route did value), or nil; ByCallID the dialog with that
	// Call-ID (and caller tag, when not empty).
	ByDID(did string) Dialog
	ByCallID(callID, fromTag string) Dialog
	// RRParam is the name of the Record-Route parameter carrying the
	// dialog id (the rr_param modparam, "did" by default).
	RRParam() string

	// OnDialog registers a callback for events of every dialog:
	// DlgCbCreated (after create_dialog, in the request route) and
	// DlgCbLoaded (dialogs restored from the database at start-up).
	// Register these in Init.
	OnDialog(events DialogEvent, cb DialogCallback)

	// AddProfile defines a profile at run time (load_balancer's); a
	// second definition with the same name is a no-op.
	AddProfile(name string, withValue bool)
	// HasProfile tells whether a profile is defined and if it takes
	// values.
	HasProfile(name string) (withValue, ok bool)
	// SetProfile, UnsetProfile and InProfile are set_dlg_profile(),
	// unset_dlg_profile() and is_in_profile() for dialog d; value is
	// ignored for profiles without value, and "" in UnsetProfile and
	// InProfile means any value.
	SetProfile(d Dialog, profile, value string) error
	UnsetProfile(d Dialog, profile, value string) error
	InProfile(d Dialog, profile, value string) bool
	// ProfileSize counts the dialogs in a profile ("" = every value).
	ProfileSize(profile, value string) (int, error)

	// Terminate ends a dialog by sending BYE to both sides, as
	// dlg_end_dlg does; reason is its $DLG_end_reason.
	Terminate(d Dialog, reason string) error
}

// Dialog is one dialog. Its methods are safe for concurrent use.
type Dialog interface {
	// ID is the dialog's numeric id, dlg_list's "db_id" and the dlg_id
	// column (h_entry<<32 | h_id); DID its text form, dlg_list's "ID",
	// $DLG_did and the Record-Route did parameter.
	ID() uint64
	DID() string
	CallID() string
	// FromURI and ToURI are the URIs of the initial request.
	FromURI() string
	ToURI() string
	// Leg returns the caller's (DlgCaller) or the callee's (DlgCallee)
	// side; the callee's is empty until a reply with a To tag arrived.
	Leg(which DialogLegID) DialogLeg
	State() DialogState
	// Created is when create_dialog() ran; Start is when the dialog was
	// confirmed (zero before); acc's setuptime is Start-Created and its
	// duration End-Start.
	Created() time.Time
	Start() time.Time
	// End is when the dialog ended (BYE, timeout, dlg_end_dlg), zero
	// while it lasts.
	End() time.Time
	// Lifetime is the timeout from confirmation ($DLG_lifetime);
	// SetTimeout changes the time left ($DLG_timeout).
	Lifetime() time.Duration
	SetTimeout(d time.Duration)
	// EndReason is $DLG_end_reason ("" while the dialog lasts).
	EndReason() string

	// Value and SetValue are fetch_dlg_value()/store_dlg_value() ($dlg_val):
	// values are persistent (database, restart) and shown by dlg_list.
	// Setting api.Null deletes the value.
	Value(name string) (Value, bool)
	SetValue(name string, v Value)
	// Values returns a copy of every value.
	Values() map[string]Value

	// ScriptFlags are the dialog flags of set_dlg_flag() ($DLG_flags).
	ScriptFlags() uint32
	// ModFlag tests bits of the flags reserved for modules
	// (is_mod_flag_set; topology_hiding keeps its mode there); SetModFlag
	// sets them. Both are persistent.
	ModFlag(mask uint32) bool
	SetModFlag(mask uint32)

	// SetCalleeCallID sets the Call-ID of the requests the dialog module
	// sends to the callee by itself (BYE on timeout or dlg_end_dlg,
	// pings) when the callee knows the call by another one
	// (topology_hiding's C flag); "" restores the dialog's. Not
	// persistent.
	SetCalleeCallID(v string)

	// Register adds a callback for events of this dialog (register_dlgcb).
	Register(events DialogEvent, cb DialogCallback)
	// Attr and SetAttr keep a module's per-dialog Go value under a key the
	// module owns (dlg_ctx_*_ptr); not persistent.
	Attr(key any) any
	SetAttr(key, v any)
}

// DialogLegID selects a side of a dialog.
type DialogLegID int

// The two legs of a dialog.
const (
	DlgCaller DialogLegID = 0
	DlgCallee DialogLegID = 1
)

// DialogLeg is what the dialog knows of one side.
type DialogLeg struct {
	Tag     string
	CSeq    string
	Contact string
	// RouteSet is the Record-Route set as seen from this side (the
	// Route headers to send requests to it), comma-separated.
	RouteSet string
	// Socket is the local socket facing this side.
	Socket *sip.Socket
}

// DialogState is a dialog's state, numbered as OpenSIPS' DLG_STATE_*
// (the "state" of dlg_list and of the dialog table).
type DialogState int

// Dialog states.
const (
	DlgStateUnconfirmed DialogState = 1
	DlgStateEarly       DialogState = 2
	DlgStateConfirmedNA DialogState = 3 // 2xx seen, ACK not yet
	DlgStateConfirmed   DialogState = 4
	DlgStateDeleted     DialogState = 5
)

// DialogDir is the direction of a sequential request ($DLG_dir).
type DialogDir int

// Directions of a sequential request.
const (
	DlgDirNone       DialogDir = 0
	DlgDirDownstream DialogDir = 1 // from the caller
	DlgDirUpstream   DialogDir = 2 // from the callee
)

// DialogEvent is a bit set of dialog callback types (DLGCB_*).
type DialogEvent uint32

// Dialog events, as OpenSIPS' DLGCB_* (same bit order).
const (
	// DlgCbLoaded: a dialog was restored from the database (global).
	DlgCbLoaded DialogEvent = 1 << iota
	// DlgCbCreated: create_dialog() made a dialog (global).
	DlgCbCreated
	// DlgCbFailed: the INVITE got a negative final reply.
	DlgCbFailed
	// DlgCbConfirmed: the INVITE got a 2xx.
	DlgCbConfirmed
	// DlgCbReqWithin: a sequential request was matched to the dialog.
	DlgCbReqWithin
	// DlgCbTerminated: a BYE ended the dialog (or dlg_end_dlg).
	DlgCbTerminated
	// DlgCbExpired: the lifetime ran out or pinging found a dead side.
	DlgCbExpired
	// DlgCbEarly: a provisional reply with a To tag arrived.
	DlgCbEarly
	// DlgCbResponseFwded: a reply to the initial INVITE is relayed.
	DlgCbResponseFwded
	// DlgCbResponseWithin: a reply to a sequential request is relayed.
	DlgCbResponseWithin
	// DlgCbMIContext: dlg_list_ctx asks for extra output (unused).
	DlgCbMIContext
	// DlgCbDestroy: the dialog is freed.
	DlgCbDestroy
)

// DialogEventInfo is what a DialogCallback is told.
type DialogEventInfo struct {
	Type   DialogEvent
	Dialog Dialog
	// Ctx is the context of the message behind the event (the request or
	// the reply, with Req set for replies); nil for events not caused by
	// a message (expiry, loading, dlg_end_dlg, destroy).
	Ctx *Ctx
	// Msg is that message (request or reply), nil as Ctx.
	Msg *sip.Msg
	// Dir is the direction of a sequential request or of the request a
	// reply answers.
	Dir DialogDir
}

// DialogCallback is called for the events it was registered for. It runs
// without the dialog's lock held; it must not block for long.
type DialogCallback func(e *DialogEventInfo)

// DialogFlagChecker is implemented by the dialog module: it validates
// create_dialog() flags ahead of time, for modules that take them as a
// parameter (script_helper's create_dialog_flags).
type DialogFlagChecker interface {
	CheckCreateFlags(flags string) error
}

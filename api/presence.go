package api

import (
	"context"
	"strings"
)

// Presence is implemented by the presence module instance; the event
// package modules (presence_xml, presence_mwi, presence_dialoginfo) find
// it in Init with
//
//	p, ok := ic.Module("presence").(api.Presence)
//
// and register their events (OpenSIPS' bind_presence + add_event).
type Presence interface {
	// AddEvent registers an event package; a second registration of the
	// same name is an error.
	AddEvent(ev *PresEvent) error
}

// Subscription states, as stored in active_watchers.status and
// watchers.status.
const (
	SubActive     = 1
	SubPending    = 2
	SubTerminated = 3
	SubWaiting    = 4
)

// PresEvent describes an event package (OpenSIPS' pres_ev_t).
type PresEvent struct {
	// Name is the Event header value ("presence", "dialog;sla").
	Name string
	// ContentType is the type of the bodies published and notified.
	ContentType string
	// DefaultExpires applies to a SUBSCRIBE or PUBLISH without Expires.
	DefaultExpires int
	// Winfo marks a watcher-info event (presence.winfo): it is not
	// published; its NOTIFYs list the watchers of its Peer event.
	Winfo bool
	// Peer names the winfo event of a published event and the reverse.
	Peer string
	// MandatoryBody: a NOTIFY always has a body (an empty document when
	// nothing is published).
	MandatoryBody bool
	// CheckBody validates a published body; an error means 415 (400 for
	// an empty body).
	CheckBody func(body []byte) error
	// Aggregate builds the body of a NOTIFY from the published bodies of
	// a presentity (oldest first); partial marks a NOTIFY triggered by one
	// PUBLISH for events that send partial state (dialog). Nil: the last
	// body is sent as is.
	Aggregate func(uri string, bodies [][]byte, partial bool) []byte
	// Offline builds the body that stands for a publication that expired
	// or was removed, in the NOTIFY that tells it (nil: none).
	Offline func(uri string, body []byte) []byte
	// Empty builds the body sent when nothing is published (nil: none).
	Empty func(uri string) []byte
	// PerWatcher rewrites the body for one watcher, given the NOTIFY's
	// version counter (the dialog-info version attribute).
	PerWatcher func(body []byte, version int) []byte
	// Authorize returns the status and reason of a new watcher (nil:
	// active).
	Authorize func(ctx context.Context, presURI, watcherURI string) (status int, reason string)
}

// Publisher is implemented by the pua module instance: it sends PUBLISH
// requests on behalf of other modules (pua_usrloc, pua_dialoginfo) and
// keeps the entity tag of each publication for refreshes and removals.
type Publisher interface {
	Publish(ctx context.Context, p *Publication) error
}

// Publication is one PUBLISH to send.
type Publication struct {
	// PresURI is the presentity (the request-uri, From and To).
	PresURI string
	// ID tells apart several publications of one presentity (a contact,
	// a dialog); it keys the stored entity tag.
	ID string
	// Event is the Event header value; ContentType and Body the state.
	Event       string
	ContentType string
	Body        string
	// Expires is the lifetime asked for; 0 removes the publication.
	Expires int
	// OutboundProxy is where the PUBLISH goes ("" = to PresURI).
	OutboundProxy string
	// ExtraHeaders are added header lines, each CRLF-terminated.
	ExtraHeaders string
}

// XCAP is implemented by the xcap module: the documents of its table
// (OpenSIPS' bind_xcap / get_xcap_doc).
type XCAP interface {
	// GetDoc returns the document of a user of one type (filename, when
	// not empty, selects doc_uri); nil when there is none.
	GetDoc(ctx context.Context, user, domain string, docType int, filename string) (doc []byte, etag string, err error)
}

// XCAP document types (xcap.doc_type).
const (
	XCAPPresRules        = 1 << 1
	XCAPResourceLists    = 1 << 2
	XCAPRLSServices      = 1 << 3
	XCAPPIDFManipulation = 1 << 4
	XCAPOMAPresRules     = 1 << 5
)

// PresenceEvents is implemented by the presence module instance: the
// names of the event packages registered (OpenSIPS' search_event and
// get_event_list, used by rls).
type PresenceEvents interface {
	EventNames() []string
}

// XCAPDatabase is implemented by the xcap module: the database holding
// its table, which rls shares for its own tables (OpenSIPS' xcap_api.db_url).
type XCAPDatabase interface {
	DatabaseURL() string
}

// PUASubscriber is implemented by the pua module instance: it keeps SUBSCRIBE
// dialogs on behalf of other modules (rls, pua_bla), refreshing them
// before they expire (OpenSIPS' send_subscribe, get_record_id, is_dialog,
// get_subs_list).
type PUASubscriber interface {
	// Subscribe starts, refreshes (same presentity, watcher, event, id and
	// source) or, with Expires 0, ends a subscription.
	Subscribe(ctx context.Context, s *SubscribeRequest) error
	// SubscriptionID finds the subscription a NOTIFY belongs to: its
	// Call-ID, its To-tag (the SUBSCRIBE's From-tag) and From-tag; it
	// returns the ID the subscription was made with.
	SubscriptionID(source, callID, localTag, remoteTag string) (id string, ok bool)
	// SubscribedURIs lists the presentities subscribed with id.
	SubscribedURIs(source, id string) []string
}

// SubscribeRequest is one subscription pua keeps.
type SubscribeRequest struct {
	// PresURI is the request-URI; ToURI the To header ("" = PresURI).
	PresURI, ToURI string
	// WatcherURI is the From header.
	WatcherURI string
	// Contact is the local Contact URI of the dialog.
	Contact string
	// ID tells apart subscriptions of one watcher (the rls list dialog).
	ID string
	// Source is the module subscribing (OpenSIPS' source flag).
	Source string
	// Event is the Event header value.
	Event string
	// Expires is the lifetime asked for; 0 ends the subscription, a
	// negative value uses pua's default_expires.
	Expires int
	// OutboundProxy is where the initial SUBSCRIBE goes ("" = PresURI).
	OutboundProxy string
	// ExtraHeaders are added header lines, each CRLF-terminated.
	ExtraHeaders string
}

// ParseEvent splits an Event header value into the package name (lower
// case, with ";sla" kept: "dialog;sla" is a package of its own) and its
// id parameter.
func ParseEvent(v string) (name, id string) {
	parts := strings.Split(v, ";")
	name = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "id":
			id = strings.TrimSpace(val)
		case "sla":
			name += ";sla"
		}
	}
	return name, id
}

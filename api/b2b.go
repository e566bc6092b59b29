package api

import "gosips/sip"

// ServerTxs is implemented by tm: it makes a received request stateful
// outside the script's t_relay and lets the module answer it later from
// any goroutine (b2b_entities answers the caller when the callee does).
type ServerTxs interface {
	// NewServerTx creates (or finds) the transaction of the request in c,
	// sending 100 Trying for an INVITE. ok is false for a retransmission,
	// which tm answered with the last reply. For an ACK no transaction is
	// made: ok is false when the ACK belonged to a negative (or local 2xx)
	// reply tm sent and was absorbed.
	NewServerTx(c *Ctx) (tx ServerTx, ok bool, err error)
}

// ServerTx is a server transaction made by ServerTxs.
type ServerTx interface {
	// Reply sends a reply; toTag is the To tag of replies above 100 when
	// the request has none; headers are CRLF-terminated lines.
	Reply(code int, reason, toTag, headers, body string) error
	// Final reports whether a final reply was sent.
	Final() bool
}

// UACCanceller is implemented by tm: CancelRequest cancels a pending
// INVITE sent with UAC.SendRequest (CANCEL on the wire once a provisional
// reply arrived); the final reply still reaches r.OnReply.
type UACCanceller interface {
	CancelRequest(r *UACRequest) bool
}

// B2BEntityType tells a B2B entity's side: a dialog where gosips is the
// UAS (server) or the UAC (client); the numbers are OpenSIPS'.
type B2BEntityType int

// The two entity types.
const (
	B2BServer B2BEntityType = 0
	B2BClient B2BEntityType = 1
)

// B2BEntity is one dialog of the B2BUA (b2b_entities' b2b_dlg_t).
type B2BEntity interface {
	// Key is the entity's key: the To tag gosips gave a server entity,
	// the Call-ID of a client entity.
	Key() string
	Type() B2BEntityType
	// Param is what the creator stored with the entity (the b2b_logic
	// key).
	Param() string
	// Dialog returns the entity's Call-ID and its From and To tags as
	// the dialog's messages carry them.
	Dialog() (callID, fromTag, toTag string)
	// FromURI and ToURI are the URIs of the dialog's From and To.
	FromURI() string
	ToURI() string
}

// B2BHandler receives what happens on entities; it runs on the goroutine
// that received the message.
type B2BHandler interface {
	// B2BRequest is a request received within the entity's dialog
	// (CANCEL of the initial INVITE of a server entity too); c.Msg is the
	// request and tx its transaction, nil for an ACK. The request was
	// consumed: the script's main route does not see it.
	B2BRequest(e B2BEntity, c *Ctx, tx ServerTx)
	// B2BReply is a reply to a request sent on the entity (a local 408
	// on timeout); method is the request's.
	B2BReply(e B2BEntity, method string, reply *sip.Msg, code int)
}

// B2BClientSpec describes the initial INVITE of a client entity.
type B2BClientSpec struct {
	Method string // INVITE when empty
	RURI   string
	// NextHop is the outbound proxy (or $du); empty sends to RURI.
	NextHop string
	// From and To are full header values without tag; From gets one.
	From, To string
	// CallID, when empty, is the new entity key.
	CallID      string
	CSeq        uint32
	Headers     string // CRLF-terminated lines
	ContentType string
	Body        string
	// Contact is the URI advertised in the entity's Contact header.
	Contact string
	Socket  *sip.Socket
	// Created, when set, is called with the new entity before its
	// request is sent, so that replies find it known to the caller.
	Created func(e B2BEntity)
}

// B2BEntities is implemented by the b2b_entities module (load_b2b): the
// lower layer of the B2BUA that b2b_logic drives.
type B2BEntities interface {
	// ServerNew makes a server entity of the initial request in c,
	// answering through a new transaction (tm); contact is the URI to
	// advertise. It returns nil and no error for a retransmission.
	ServerNew(c *Ctx, contact string, h B2BHandler, param string) (B2BEntity, error)
	// ClientNew creates a client entity and sends its initial request.
	ClientNew(spec *B2BClientSpec, h B2BHandler, param string) (B2BEntity, error)
	// SendRequest sends a request within the entity's dialog: an ACK
	// acknowledges the last INVITE answered 2xx, CANCEL cancels the
	// pending initial INVITE of a client entity.
	SendRequest(e B2BEntity, method, headers, contentType, body string) error
	// SendReply answers the pending request of that method received on
	// the entity (its last INVITE when method is empty).
	SendReply(e B2BEntity, method string, code int, reason, headers, contentType, body string) error
	// Delete removes the entity (no message is sent).
	Delete(e B2BEntity)
	// Entity looks an entity up by type and key.
	Entity(t B2BEntityType, key string) B2BEntity
	// SetParam changes the entity's stored param.
	SetParam(e B2BEntity, param string)
	// SetHandler gives an entity restored from the database (which has
	// none) to the module owning it.
	SetHandler(e B2BEntity, h B2BHandler)
}

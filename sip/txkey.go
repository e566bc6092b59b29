package sip

import (
	"encoding/hex"
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// MagicCookie starts every RFC 3261 branch.
const MagicCookie = "z9hG4bK"

// NewBranch returns a fresh branch: the magic cookie and 16 random hex
// digits (math/rand/v2's per-goroutine generator: unique, not secret).
func NewBranch() string {
	var b [len(MagicCookie) + 16]byte
	copy(b[:], MagicCookie)
	var r [8]byte
	v := rand.Uint64()
	for i := range r {
		r[i] = byte(v >> (8 * i))
	}
	hex.Encode(b[len(MagicCookie):], r[:])
	return string(b[:])
}

// StatelessBranch derives a branch from the request, so that a stateless
// proxy forwards a retransmission with the same branch (RFC 3261 §16.11):
// a hash of the top Via branch (or, for RFC 2543 peers, of Call-ID, CSeq,
// From tag and R-URI) plus idx for parallel branches.
func StatelessBranch(m *Msg, idx int) string {
	h := fnv.New64a()
	v, _ := m.TopVia()
	if IsRFC3261Branch(v.Branch) {
		_, _ = h.Write([]byte(v.Branch))
		_, _ = h.Write([]byte(v.SentBy()))
	} else {
		num, meth, _ := m.CSeq()
		_, _ = h.Write([]byte(m.CallID()))
		_, _ = h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(num >> 24)})
		_, _ = h.Write([]byte(meth))
		_, _ = h.Write([]byte(m.FromTag()))
		_, _ = h.Write([]byte(m.OrigRURI()))
	}
	_, _ = h.Write([]byte{byte(idx)})
	sum := h.Sum64()
	var b [len(MagicCookie) + 16]byte
	copy(b[:], MagicCookie)
	var r [8]byte
	for i := range r {
		r[i] = byte(sum >> (8 * i))
	}
	hex.Encode(b[len(MagicCookie):], r[:])
	return string(b[:])
}

// IsRFC3261Branch reports whether a Via branch is an RFC 3261
// transaction id: the magic cookie followed by something (a bare
// "z9hG4bK" identifies nothing, RFC 4475 badbranch).
func IsRFC3261Branch(b string) bool {
	return len(b) > len(MagicCookie) && strings.HasPrefix(b, MagicCookie)
}

// TxKey identifies a transaction. It is comparable and can key a map; its
// strings point into the message text.
type TxKey struct {
	Branch string
	SentBy string // top Via sent-by (server transactions)
	Method string // "INVITE" for INVITE and its ACK; CANCEL has its own
	// RFC 2543 peers send no magic cookie: then Legacy holds Call-ID,
	// CSeq number, From tag, To tag and R-URI (RFC 3261 §17.2.3).
	Legacy string
}

// ServerTxKey is the server transaction key of a request (RFC 3261
// §17.2.3): top Via branch + sent-by + method, where an ACK maps to the
// INVITE transaction it acknowledges.
func ServerTxKey(m *Msg) (TxKey, error) {
	v, err := m.TopVia()
	if err != nil {
		return TxKey{}, err
	}
	meth := m.Method()
	if m.MethodID() == MethodAck {
		meth = "INVITE"
	}
	k := TxKey{Branch: v.Branch, SentBy: v.SentBy(), Method: meth}
	if !IsRFC3261Branch(v.Branch) {
		num, _, _ := m.CSeq()
		toTag := m.ToTag()
		if m.MethodID() == MethodAck {
			// The ACK to a non-2xx carries the To tag of the reply,
			// which the INVITE did not have.
			toTag = ""
		}
		k.Legacy = m.CallID() + "|" + itoa(int(num)) + "|" + m.FromTag() + "|" + toTag + "|" + m.OrigRURI()
		k.Branch = ""
	}
	return k, nil
}

// CancelTargetKey returns the key of the INVITE server transaction a CANCEL
// (or ACK) refers to: same branch and sent-by, method INVITE.
func CancelTargetKey(m *Msg) (TxKey, error) {
	k, err := ServerTxKey(m)
	if err != nil {
		return k, err
	}
	k.Method = "INVITE"
	return k, nil
}

// ClientTxKey is the client transaction key a reply matches (RFC 3261
// §17.1.3): top Via branch + CSeq method. For a request we sent, it is the
// key its replies will carry.
func ClientTxKey(m *Msg) (TxKey, error) {
	v, err := m.TopVia()
	if err != nil {
		return TxKey{}, err
	}
	_, meth, err := m.CSeq()
	if err != nil {
		return TxKey{}, err
	}
	if meth == "ACK" {
		meth = "INVITE"
	}
	return TxKey{Branch: v.Branch, Method: meth}, nil
}

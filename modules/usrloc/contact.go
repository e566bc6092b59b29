package usrloc

import (
	"strconv"
	"strings"

	"gosips/sip"
)

// State is the database synchronisation state of a contact.
type State uint8

// Contact states, as OpenSIPS names them in ul_dump.
const (
	CSNew   State = iota // not in the database yet
	CSSync               // in sync with the database
	CSDirty              // changed since the last write
)

func (s State) String() string {
	switch s {
	case CSNew:
		return "CS_NEW"
	case CSSync:
		return "CS_SYNC"
	case CSDirty:
		return "CS_DIRTY"
	}
	return "CS_UNKNOWN"
}

// QUnspecified is the q value of a contact registered without q.
const QUnspecified = -1

// FlagMem marks a contact saved with the memory-only flag: it is never
// written to the database (OpenSIPS FL_MEM).
const FlagMem uint32 = 1 << 0

// AllMethods is the methods mask of a contact that listed none.
const AllMethods uint32 = 0xFFFFFFFF

// Contact is one binding of an AOR.
type Contact struct {
	ID  uint64 // contact_id: AOR hash, record label and contact label
	AOR string
	URI string
	// Expires is the absolute Unix time the binding ends; 0 is permanent.
	Expires int64
	Q       int // ×1000; QUnspecified when not given
	CallID  string
	CSeq    int
	Flags   uint32 // FlagMem...
	// CFlags are the branch flags saved with the contact (nat_bflag...).
	CFlags       uint32
	UserAgent    string
	Received     string
	Path         string
	Socket       *sip.Socket // nil when unknown
	SocketStr    string      // "proto:ip:port"
	Methods      uint32      // OpenSIPS method bits; AllMethods when not given
	Instance     string      // +sip.instance, with its quotes
	RegID        int
	Attr         string
	LastModified int64
	State        State
	KV           map[string]string
}

// Valid reports whether the binding is still active at now (OpenSIPS
// VALID_CONTACT).
func (c *Contact) Valid(now int64) bool { return c.Expires == 0 || c.Expires > now }

// ContactInfo carries the fields of a contact to insert or update.
type ContactInfo struct {
	Expires      int64
	Q            int
	CallID       string
	CSeq         int
	Flags        uint32
	CFlags       uint32
	UserAgent    string
	Received     string
	Path         string
	Socket       *sip.Socket
	SocketStr    string // "proto:ip:port"; Socket.String() when empty
	Methods      uint32
	Instance     string
	RegID        int
	Attr         string
	LastModified int64
}

func (c *Contact) apply(ci *ContactInfo) {
	c.Expires, c.Q, c.CallID, c.CSeq = ci.Expires, ci.Q, ci.CallID, ci.CSeq
	c.Flags, c.CFlags, c.UserAgent = ci.Flags, ci.CFlags, ci.UserAgent
	c.Received, c.Path, c.Methods = ci.Received, ci.Path, ci.Methods
	c.Instance, c.RegID, c.Attr, c.LastModified = ci.Instance, ci.RegID, ci.Attr, ci.LastModified
	c.Socket, c.SocketStr = ci.Socket, ci.SocketStr
	if c.SocketStr == "" && ci.Socket != nil {
		c.SocketStr = ci.Socket.String()
	}
	c.own()
}

// own copies the text fields into one allocation of their own. They
// usually are substrings of the REGISTER that carried them, and would
// keep its whole text alive as long as the binding: this saves memory
// per binding and leaves the GC one small object to mark.
func (c *Contact) own() {
	fields := [...]*string{&c.URI, &c.CallID, &c.UserAgent, &c.Received, &c.Path, &c.Instance, &c.Attr}
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range fields {
		b.WriteString(*f)
	}
	all, off := b.String(), 0
	for _, f := range fields {
		l := len(*f)
		*f = all[off : off+l]
		off += l
	}
}

// FormatQ prints a q value as OpenSIPS does: "" unspecified, "1", "0",
// else "0.5", "0.25", "0.125".
func FormatQ(q int) string {
	switch {
	case q == QUnspecified:
		return ""
	case q >= 1000:
		return "1"
	case q <= 0:
		return "0"
	}
	b := []byte("0.")
	b = append(b, byte('0'+q/100))
	if q %= 100; q != 0 {
		b = append(b, byte('0'+q/10))
		if q %= 10; q != 0 {
			b = append(b, byte('0'+q))
		}
	}
	return string(b)
}

// ParseQ parses a q value ("0.5", "1", "1.0", ".3") into q×1000; ok is
// false outside [0, 1] or on bad syntax.
func ParseQ(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart != "0" && intPart != "1" && intPart != "" {
		return 0, false
	}
	if len(frac) > 3 {
		return 0, false
	}
	q := 0
	if intPart == "1" {
		q = 1000
	}
	mul := 100
	for i := 0; i < len(frac); i++ {
		d := frac[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		q += int(d-'0') * mul
		mul /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// OpenSIPS method bits (the location table's methods column and lookup's
// method-filtering use them).
const (
	methodInvite    uint32 = 1 << 0
	methodCancel    uint32 = 1 << 1
	methodAck       uint32 = 1 << 2
	methodBye       uint32 = 1 << 3
	methodInfo      uint32 = 1 << 4
	methodOptions   uint32 = 1 << 5
	methodUpdate    uint32 = 1 << 6
	methodRegister  uint32 = 1 << 7
	methodMessage   uint32 = 1 << 8
	methodSubscribe uint32 = 1 << 9
	methodNotify    uint32 = 1 << 10
	methodPrack     uint32 = 1 << 11
	methodRefer     uint32 = 1 << 12
	methodPublish   uint32 = 1 << 13
	methodOther     uint32 = 1 << 14
)

// MethodBit maps a method to its OpenSIPS bit.
func MethodBit(m sip.Method) uint32 {
	switch m {
	case sip.MethodInvite:
		return methodInvite
	case sip.MethodCancel:
		return methodCancel
	case sip.MethodAck:
		return methodAck
	case sip.MethodBye:
		return methodBye
	case sip.MethodInfo:
		return methodInfo
	case sip.MethodOptions:
		return methodOptions
	case sip.MethodUpdate:
		return methodUpdate
	case sip.MethodRegister:
		return methodRegister
	case sip.MethodMessage:
		return methodMessage
	case sip.MethodSubscribe:
		return methodSubscribe
	case sip.MethodNotify:
		return methodNotify
	case sip.MethodPrack:
		return methodPrack
	case sip.MethodRefer:
		return methodRefer
	case sip.MethodPublish:
		return methodPublish
	}
	return methodOther
}

// ParseMethods turns a method list ("INVITE, BYE" or with quotes, as in an
// Allow header or a Contact methods param) into OpenSIPS bits.
func ParseMethods(s string) uint32 {
	var bits uint32
	for _, tok := range strings.Split(strings.Trim(s, "\" "), ",") {
		if tok = strings.TrimSpace(tok); tok != "" {
			bits |= MethodBit(sip.LookupMethod(tok))
		}
	}
	return bits
}

// SameURI compares two contact URIs as OpenSIPS' compare_uris does (RFC
// 3261 §19.1.4): scheme and host ignore case, user and password do not,
// and the transport, user, ttl, method and maddr parameters must agree.
// Unparsable URIs are compared as text.
func SameURI(a, b string) bool {
	if a == b {
		return true
	}
	ua, err1 := sip.ParseURI(a)
	ub, err2 := sip.ParseURI(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if !strings.EqualFold(ua.Scheme, ub.Scheme) || ua.User != ub.User || ua.Password != ub.Password ||
		!strings.EqualFold(ua.Host, ub.Host) || ua.Port != ub.Port {
		return false
	}
	for _, p := range [...]string{"transport", "user", "ttl", "method", "maddr"} {
		va, oka := ua.Param(p)
		vb, okb := ub.Param(p)
		if oka != okb || !strings.EqualFold(va, vb) {
			return false
		}
	}
	// Any other parameter present in both must match.
	same := true
	sip.EachParam(ua.Params, func(name, va string) bool {
		if vb, ok := ub.Param(name); ok && !strings.EqualFold(va, vb) {
			same = false
		}
		return same
	})
	return same && ua.Headers == ub.Headers
}

// contactID packs the AOR hash, record label and contact label as OpenSIPS
// does: 14 bits of contact label, 32 of record label, 16 of hash.
func contactID(aorHash uint16, rlabel uint32, clabel uint16) uint64 {
	return uint64(clabel)&clabelMask + uint64(rlabel)<<14 + uint64(aorHash)<<46
}

const clabelMask = 1<<14 - 1

// idString is the MI form of a contact id.
func idString(id uint64) string { return strconv.FormatUint(id, 10) }

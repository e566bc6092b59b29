package uacregistrant

import (
	"crypto/md5"
	"encoding/hex"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/sip"
)

// State is a registration state, numbered as OpenSIPS's.
type State int

// The registration states.
const (
	NotRegistered State = iota
	Registering
	Authenticating
	Registered
	RegisterTimeout
	InternalError
	WrongCredentials
	RegistrarError
	Unregistering
	AuthenticatingUnregister
)

var stateNames = [...]string{"NOT_REGISTERED_STATE", "REGISTERING_STATE", "AUTHENTICATING_STATE",
	"REGISTERED_STATE", "REGISTER_TIMEOUT_STATE", "INTERNAL_ERROR_STATE", "WRONG_CREDENTIALS_STATE",
	"REGISTRAR_ERROR_STATE", "UNREGISTERING_STATE", "AUTHENTICATING_UNREGISTER_STATE"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN_STATE"
}

// record is one registrant (a row of the table) and its registration.
type record struct {
	aor       string // To
	from      string // third_party_registrant, or the AOR
	registrar string // R-URI
	proxy     string
	user      string
	password  string
	contact   string // binding_URI
	params    string // binding_params
	socket    string
	shtag     string
	// wanted is the expiry asked for; expires the one granted.
	wanted, expires int
	enabled         bool
	// single: reg-id and +sip.instance make the binding unique, so other
	// bindings of the AOR are removed.
	single bool

	state       State
	lastSent    int64 // Unix time of the last REGISTER
	timeout     int64 // Unix time of the next action
	callID      string
	ftag        string
	cseq        uint32
	dstIP       string // address the registrar answered from
	bucketIndex int
}

// key identifies a record for MI: AOR, binding and registrar.
func (r *record) matches(aor, contact, registrar string) bool {
	return r.aor == aor && r.contact == contact && r.registrar == registrar
}

// bucket is one slot of the hash table; the timer visits one per tick.
type bucket struct {
	mu   sync.Mutex
	recs []*record
}

// bucketOf hashes an AOR over n buckets.
func bucketOf(aor string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(aor))
	return int(h.Sum32() % uint32(n))
}

// newDialogID gives a record a fresh Call-ID and From tag, from the AOR
// and the time (and resets the CSeq), as OpenSIPS derives them.
func (r *record) newDialogID(now time.Time, seq uint64) {
	sum := md5.Sum([]byte(r.aor + "|" + now.Format(time.RFC3339Nano) + "|" + strconv.FormatUint(seq, 10)))
	s := hex.EncodeToString(sum[:])
	r.callID, r.ftag, r.cseq = s[:27], s[27:], 0
}

// sameURI compares a Contact of a reply with the binding (scheme, user,
// host and port).
func sameURI(a, b string) bool {
	ua, err1 := sip.ParseURI(strings.TrimSpace(a))
	ub, err2 := sip.ParseURI(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	port := func(u sip.URI) int {
		if u.Port == 0 {
			if u.IsSecure() {
				return 5061
			}
			return 5060
		}
		return u.Port
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && ua.User == ub.User &&
		strings.EqualFold(ua.Host, ub.Host) && port(ua) == port(ub)
}

// uniqueBinding reports whether binding params carry both reg-id and
// +sip.instance.
func uniqueBinding(params string) bool {
	regID, inst := false, false
	for _, p := range strings.Split(params, ";") {
		name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "reg-id":
			regID = true
		case "+sip.instance":
			inst = true
		}
	}
	return regID && inst
}

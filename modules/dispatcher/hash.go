package dispatcher

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/digest"
	"gosips/sip"
)

// dsHash is OpenSIPS's ds_get_hash over one or two keys, so that a
// given Call-ID or URI picks the same destination as OpenSIPS would.
func dsHash(x, y string) uint32 {
	if x == "" && y == "" {
		return 0
	}
	var h uint32
	mix := func(s string) {
		p := 0
		// Bytes are signed chars in the original.
		b := func(i int) uint32 { return uint32(int32(int8(s[i]))) }
		for ; p+4 <= len(s); p += 4 {
			v := b(p)<<24 + b(p+1)<<16 + b(p+2)<<8 + b(p+3)
			h += v ^ (v >> 3)
		}
		var v uint32
		for ; p < len(s); p++ {
			v <<= 8
			v += b(p)
		}
		h += v ^ (v >> 3)
	}
	if x != "" {
		mix(x)
	}
	if y != "" {
		mix(y)
	}
	h = (h + (h >> 11)) + ((h >> 13) + (h >> 23))
	if h == 0 {
		return 1
	}
	return h
}

// uriHash hashes user and host[:port] of a URI (the port only when it is
// not the protocol's default); with userOnly just the user.
func uriHash(uri string, userOnly bool) (uint32, error) {
	u, err := sip.ParseURI(strings.TrimSpace(uri))
	if err != nil || u.Host == "" && !u.IsTel() {
		return 0, fmt.Errorf("invalid uri %q", uri)
	}
	key2 := ""
	if !userOnly {
		key2 = u.Host
		if u.PortStr != "" {
			def := 5060
			if u.IsSecure() || strings.EqualFold(u.Transport(), "tls") {
				def = 5061
			}
			if u.Port != def {
				key2 += ":" + u.PortStr
			}
		}
	}
	return dsHash(u.User, key2), nil
}

// hashFor computes the hash of the hashing algorithms 0, 1, 2, 3 and 7.
func (m *Module) hashFor(c *api.Ctx, alg int64, flags Flags) (uint32, error) {
	msg := c.Msg
	if msg == nil {
		return 0, fmt.Errorf("no message")
	}
	userOnly := flags&HashUserOnly != 0
	switch alg {
	case 0:
		cid := strings.TrimSpace(msg.CallID())
		if cid == "" {
			return 0, fmt.Errorf("no Call-ID")
		}
		return dsHash(cid, ""), nil
	case 1:
		f, err := msg.From()
		if err != nil {
			return 0, fmt.Errorf("cannot parse From: %w", err)
		}
		return uriHash(f.URI, userOnly)
	case 2:
		t, err := msg.To()
		if err != nil {
			return 0, fmt.Errorf("cannot parse To: %w", err)
		}
		return uriHash(t.URI, userOnly)
	case 3:
		return uriHash(msg.RURI(), userOnly)
	case 7:
		s, err := m.fmts.Eval(c, m.HashPVar)
		if err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, fmt.Errorf("hash_pvar %q is empty", m.HashPVar)
		}
		return dsHash(s, ""), nil
	}
	return 0, nil
}

// authUserHash hashes the username of the Proxy-Authorization (or else
// Authorization) header; ok is false when there is none.
func authUserHash(msg *sip.Msg) (uint32, bool) {
	for _, name := range []string{"Proxy-Authorization", "Authorization"} {
		v, found := msg.Header(name)
		if !found {
			continue
		}
		cr, err := digest.ParseCredentials(v)
		if err != nil || cr.User == "" {
			continue
		}
		// A username with a domain hashes on its user part.
		return dsHash(strings.TrimSpace(cr.User), ""), true
	}
	return 0, false
}

// intValue turns a PV value into an integer for algorithm 9.
func intValue(v api.Value) int64 {
	if v.IsInt() {
		return v.I
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(v.S), 10, 64)
	return n
}

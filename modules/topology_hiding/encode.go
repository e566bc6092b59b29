package topology_hiding

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// word64 is OpenSIPS' "word64": base64 with '+' and '.' as the last two
// digits and '-' as padding, so that the text is a SIP token (it goes into
// Call-IDs and URI parameters). word32 is base32 padded with '-'.
var (
	word64 = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.").WithPadding('-')
	word32 = base32.StdEncoding.WithPadding('-')
)

// xorWith XORs b in place with the password, repeated.
func xorWith(b []byte, pw string) {
	if pw == "" {
		return
	}
	for i := range b {
		b[i] ^= pw[i%len(pw)]
	}
}

// encodeCallID is the Call-ID sent to the callee under the C flag: the
// prefix, then word64 of the Call-ID XORed with the password (OpenSIPS'
// encoding, so that either can decode what the other sent).
func (m *Module) encodeCallID(callID string) string {
	b := []byte(callID)
	xorWith(b, m.CallIDPasswd)
	return m.CallIDPrefix + word64.EncodeToString(b)
}

// decodeCallID reverses encodeCallID; ok is false when v does not carry
// the prefix or does not decode.
func (m *Module) decodeCallID(v string) (string, bool) {
	if len(v) <= len(m.CallIDPrefix) || !strings.HasPrefix(v, m.CallIDPrefix) {
		return "", false
	}
	b, err := word64.DecodeString(v[len(m.CallIDPrefix):])
	if err != nil || len(b) == 0 {
		return "", false
	}
	xorWith(b, m.CallIDPasswd)
	return string(b), true
}

// Flag bits as OpenSIPS stores them in the dialog's module flags and in
// the encoded Contact (TOPOH_* of its dialog module).
const (
	flagKeepUser  = 1 << 2
	flagHideCall  = 1 << 3
	flagDIDInUser = 1 << 4
	flagKeepAdvA  = 1 << 5
	flagKeepAdvB  = 1 << 6
)

// bits returns f as OpenSIPS' flag bits.
func (f Flags) bits() int {
	n := 0
	if f.KeepUser {
		n |= flagKeepUser
	}
	if f.HideCallID {
		n |= flagHideCall
	}
	if f.DIDUser {
		n |= flagDIDInUser
	}
	if f.KeepCaller {
		n |= flagKeepAdvA
	}
	if f.KeepCallee {
		n |= flagKeepAdvB
	}
	return n
}

// ctInfo is what topology hiding without a dialog keeps in the Contact it
// advertises (the thinfo parameter): the route set towards the side the
// Contact stands for, that side's real Contact URI, the flags and the
// socket facing that side ("udp:127.0.0.1:5060").
type ctInfo struct {
	routes, contact, flags, socket string
}

// errInfo reports a thinfo value that does not decode.
var errInfo = errors.New("malformed topology hiding contact information")

// encodeInfo packs i as OpenSIPS does: four fields, each a 16-bit length
// (little-endian, as OpenSIPS writes a C short on the usual hosts) and
// its bytes, XORed with th_contact_encode_passwd and encoded with the
// th_contact_encode_scheme.
func (m *Module) encodeInfo(i *ctInfo) (string, error) {
	fields := [4]string{i.routes, i.contact, i.flags, i.socket}
	n := 0
	for _, f := range fields {
		if len(f) > 0x7fff {
			return "", fmt.Errorf("contact information too long (%d bytes)", len(f))
		}
		n += 2 + len(f)
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	xorWith(b, m.ContactPasswd)
	if m.ContactScheme == "base32" {
		return word32.EncodeToString(b), nil
	}
	return word64.EncodeToString(b), nil
}

// decodeInfo unpacks a thinfo value.
func (m *Module) decodeInfo(v string) (*ctInfo, error) {
	var b []byte
	var err error
	if m.ContactScheme == "base32" {
		b, err = word32.DecodeString(strings.ToUpper(v))
	} else {
		b, err = word64.DecodeString(v)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInfo, err)
	}
	xorWith(b, m.ContactPasswd)
	var fields [4]string
	for k := range fields {
		if len(b) < 2 {
			return nil, errInfo
		}
		n := int(int16(binary.LittleEndian.Uint16(b)))
		b = b[2:]
		if n < 0 || n > len(b) {
			return nil, errInfo
		}
		fields[k], b = string(b[:n]), b[n:]
	}
	return &ctInfo{routes: fields[0], contact: fields[1], flags: fields[2], socket: fields[3]}, nil
}

// splitRoutes splits a comma-separated route set into its elements,
// ignoring commas inside <> and quotes.
func splitRoutes(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			if depth > 0 {
				depth--
			}
		case c == ',' && depth == 0:
			if e := strings.TrimSpace(s[start:i]); e != "" {
				out = append(out, e)
			}
			start = i + 1
		}
	}
	if e := strings.TrimSpace(s[start:]); e != "" {
		out = append(out, e)
	}
	return out
}

// routeURI returns the URI of one route element ("<sip:x;lr>;p" → sip:x;lr).
func routeURI(e string) string {
	if i := strings.IndexByte(e, '<'); i >= 0 {
		e = e[i+1:]
		if j := strings.IndexByte(e, '>'); j >= 0 {
			e = e[:j]
		}
		return e
	}
	if j := strings.IndexByte(e, ';'); j >= 0 {
		return strings.TrimSpace(e[:j])
	}
	return strings.TrimSpace(e)
}

package sipmsgops

import (
	"fmt"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
)

// Method bits, as OpenSIPS numbers them (parser/msg_parser.h).
const (
	MethodInvite uint32 = 1 << iota
	MethodCancel
	MethodAck
	MethodBye
	MethodInfo
	MethodOptions
	MethodUpdate
	MethodRegister
	MethodMessage
	MethodSubscribe
	MethodNotify
	MethodPrack
	MethodRefer
	MethodPublish
)

// MethodNames are the methods known by ID, bit i each.
var MethodNames = []string{"INVITE", "CANCEL", "ACK", "BYE", "INFO", "OPTIONS", "UPDATE",
	"REGISTER", "MESSAGE", "SUBSCRIBE", "NOTIFY", "PRACK", "REFER", "PUBLISH"}

// Methods is the fixed form of is_method()'s argument: a bit mask of known
// methods, or, for a single unknown method, its name (compared without
// case).
type Methods struct {
	Mask  uint32
	Other string
}

// ParseMethods parses "INVITE", "INVITE|BYE" or "INVITE,BYE". A list may
// only hold known methods.
func ParseMethods(s string) (Methods, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Methods{}, fmt.Errorf("empty method name")
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' })
	var m Methods
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || !isToken(p) {
			return Methods{}, fmt.Errorf("bad method name %q", p)
		}
		i := indexFold(MethodNames, p)
		if i >= 0 {
			m.Mask |= 1 << i
			continue
		}
		if len(parts) > 1 {
			if h := diag.DidYouMean(strings.ToUpper(p), MethodNames); h != "" {
				return Methods{}, fmt.Errorf("unknown method %q in list (%s); a list may only hold known methods", p, h)
			}
			return Methods{}, fmt.Errorf("unknown method %q in list; a list may only hold known methods", p)
		}
		m.Other = p
	}
	return m, nil
}

func methodFixup(fc *api.FixupCtx, a *api.FixArg) error {
	m, err := ParseMethods(a.Str)
	if err != nil {
		return err
	}
	if m.Other != "" {
		if h := diag.DidYouMean(strings.ToUpper(m.Other), MethodNames); h != "" {
			warn(fc, fmt.Sprintf("%q is not a known method; it is compared by name", m.Other), h)
		}
	}
	a.Fixed = m
	return nil
}

// HeaderName is the fixed form of a header-name argument.
type HeaderName string

func headerFixup(fc *api.FixupCtx, a *api.FixArg) error {
	n := strings.TrimSpace(a.Str)
	if n == "" {
		return fmt.Errorf("empty header name")
	}
	if strings.HasSuffix(n, ":") {
		return fmt.Errorf("header name %q must not end with \":\"", n)
	}
	if !isToken(n) {
		return fmt.Errorf("bad header name %q", n)
	}
	a.Fixed = HeaderName(n)
	return nil
}

// Mime is the fixed form of a MIME-type argument; "" matches any body.
type Mime string

func mimeFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if s == "" {
		a.Fixed = Mime("")
		return nil
	}
	if strings.Contains(s, ",") {
		return fmt.Errorf("multiple MIME types %q are not supported", s)
	}
	typ, sub, ok := strings.Cut(s, "/")
	if !ok || !isToken(typ) || !isToken(sub) {
		return fmt.Errorf("unsupported MIME type %q (expected type/subtype)", s)
	}
	a.Fixed = Mime(strings.ToLower(s))
	return nil
}

// Privacy values of is_privacy().
var PrivacyNames = []string{"user", "header", "session", "none", "critical", "id", "history"}

// Privacy is the fixed form of is_privacy()'s argument (bit i =
// PrivacyNames[i]).
type Privacy uint8

func privacyFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if s == "" {
		return fmt.Errorf("empty privacy value")
	}
	i := indexFold(PrivacyNames, s)
	if i < 0 {
		return unknown("privacy value", s, PrivacyNames)
	}
	a.Fixed = Privacy(1 << i)
	return nil
}

func revertFixup(fc *api.FixupCtx, a *api.FixArg) error {
	a.Fixed = a.Str == "revert"
	if a.Str != "revert" {
		warn(fc, fmt.Sprintf("%q is not \"revert\": the matching parts are removed", a.Str), `"revert"`)
	}
	return nil
}

// ValidateFlags of sipmsg_validate().
type ValidateFlags uint8

const (
	ValidateSDP      ValidateFlags = 1 << iota // s
	ValidateHeaders                            // h
	ValidateNoMaxFwd                           // m
	ValidateRURI                               // r
	ValidateTo                                 // t
	ValidateFrom                               // f
	ValidateContact                            // c
)

func validateFlagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	var f ValidateFlags
	for _, c := range strings.ToLower(a.Str) {
		switch c {
		case 's':
			f |= ValidateSDP
		case 'h':
			f |= ValidateHeaders
		case 'm':
			f |= ValidateNoMaxFwd
		case 'r':
			f |= ValidateRURI
		case 't':
			f |= ValidateTo
		case 'f':
			f |= ValidateFrom
		case 'c':
			f |= ValidateContact
		default:
			// OpenSIPS ignores unknown letters; say so.
			warn(fc, fmt.Sprintf("unknown sipmsg_validate flag %q ignored", c), "s, h, m, r, t, f, c")
		}
	}
	a.Fixed = f
	return nil
}

// statusFixup checks change_reply_status()'s new code.
func statusFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Int < 100 || a.Int > 699 {
		return fmt.Errorf("reply code %d out of range (allowed 100-699)", a.Int)
	}
	return nil
}

func isToken(s string) bool {
	for _, c := range s {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	return s != ""
}

func indexFold(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

func unknown(what, got string, candidates []string) error {
	if h := diag.DidYouMean(got, candidates); h != "" {
		return fmt.Errorf("unknown %s %q (%s)", what, got, h)
	}
	return fmt.Errorf("unknown %s %q", what, got)
}

func warn(fc *api.FixupCtx, msg, hint string) {
	if fc != nil && fc.Warn != nil {
		fc.Warn(msg, hint)
	}
}

package sip

// Hdr identifies a well-known header field so that lookups compare small
// integers instead of names. Unknown headers are HdrOther and are matched by
// name (case-insensitively).
type Hdr uint8

// Well-known headers. Compact forms (RFC 3261 §7.3.3 and extensions) map to
// the same value as their long names.
const (
	HdrOther Hdr = iota
	HdrVia
	HdrFrom
	HdrTo
	HdrCallID
	HdrCSeq
	HdrContact
	HdrMaxForwards
	HdrContentLength
	HdrContentType
	HdrRoute
	HdrRecordRoute
	HdrExpires
	HdrAllow
	HdrSupported
	HdrRequire
	HdrProxyRequire
	HdrUnsupported
	HdrUserAgent
	HdrServer
	HdrAuthorization
	HdrProxyAuthorization
	HdrWWWAuthenticate
	HdrProxyAuthenticate
	HdrContentEncoding
	HdrSubject
	HdrEvent
	HdrReferTo
	HdrReferredBy
	HdrAcceptContact
	HdrRejectContact
	HdrRequestDisposition
	HdrSessionExpires
	HdrIdentity
	HdrAllowEvents
	HdrPath
	HdrMinExpires
	HdrPrivacy
	HdrPAssertedIdentity
	HdrPPreferredIdentity
	HdrRPID
	HdrDiversion
	HdrAccept
	HdrSubscriptionState
	HdrRAck
	HdrRSeq
	hdrCount
)

// canonical names, indexed by Hdr.
var hdrNames = [hdrCount]string{
	HdrVia:                "Via",
	HdrFrom:               "From",
	HdrTo:                 "To",
	HdrCallID:             "Call-ID",
	HdrCSeq:               "CSeq",
	HdrContact:            "Contact",
	HdrMaxForwards:        "Max-Forwards",
	HdrContentLength:      "Content-Length",
	HdrContentType:        "Content-Type",
	HdrRoute:              "Route",
	HdrRecordRoute:        "Record-Route",
	HdrExpires:            "Expires",
	HdrAllow:              "Allow",
	HdrSupported:          "Supported",
	HdrRequire:            "Require",
	HdrProxyRequire:       "Proxy-Require",
	HdrUnsupported:        "Unsupported",
	HdrUserAgent:          "User-Agent",
	HdrServer:             "Server",
	HdrAuthorization:      "Authorization",
	HdrProxyAuthorization: "Proxy-Authorization",
	HdrWWWAuthenticate:    "WWW-Authenticate",
	HdrProxyAuthenticate:  "Proxy-Authenticate",
	HdrContentEncoding:    "Content-Encoding",
	HdrSubject:            "Subject",
	HdrEvent:              "Event",
	HdrReferTo:            "Refer-To",
	HdrReferredBy:         "Referred-By",
	HdrAcceptContact:      "Accept-Contact",
	HdrRejectContact:      "Reject-Contact",
	HdrRequestDisposition: "Request-Disposition",
	HdrSessionExpires:     "Session-Expires",
	HdrIdentity:           "Identity",
	HdrAllowEvents:        "Allow-Events",
	HdrPath:               "Path",
	HdrMinExpires:         "Min-Expires",
	HdrPrivacy:            "Privacy",
	HdrPAssertedIdentity:  "P-Asserted-Identity",
	HdrPPreferredIdentity: "P-Preferred-Identity",
	HdrRPID:               "Remote-Party-ID",
	HdrDiversion:          "Diversion",
	HdrAccept:             "Accept",
	HdrSubscriptionState:  "Subscription-State",
	HdrRAck:               "RAck",
	HdrRSeq:               "RSeq",
}

// hdrIdx buckets the known headers by first letter and name length; built
// once, read-only.
var hdrIdx = func() (t [26][24][2]Hdr) {
	for h := HdrVia; h < hdrCount; h++ {
		n := hdrNames[h]
		b := &t[(n[0]|0x20)-'a'][len(n)]
		if b[0] == HdrOther {
			b[0] = h
		} else if b[1] == HdrOther {
			b[1] = h
		} else {
			panic("sip: header index bucket overflow: " + n)
		}
	}
	return t
}()

// compact forms (single letters), indexed by lower-case letter.
var compactHdr = [26]Hdr{
	'a' - 'a': HdrAcceptContact,
	'b' - 'a': HdrReferredBy,
	'c' - 'a': HdrContentType,
	'd' - 'a': HdrRequestDisposition,
	'e' - 'a': HdrContentEncoding,
	'f' - 'a': HdrFrom,
	'i' - 'a': HdrCallID,
	'j' - 'a': HdrRejectContact,
	'k' - 'a': HdrSupported,
	'l' - 'a': HdrContentLength,
	'm' - 'a': HdrContact,
	'o' - 'a': HdrEvent,
	'r' - 'a': HdrReferTo,
	's' - 'a': HdrSubject,
	't' - 'a': HdrTo,
	'u' - 'a': HdrAllowEvents,
	'v' - 'a': HdrVia,
	'x' - 'a': HdrSessionExpires,
	'y' - 'a': HdrIdentity,
}

// String returns the canonical (long) header name, or "" for HdrOther.
func (h Hdr) String() string {
	if h < hdrCount {
		return hdrNames[h]
	}
	return ""
}

// LookupHdr maps a header name (long or compact form, any case) to its Hdr.
// Callers that look a name up per message should do it once, at fixup time.
func LookupHdr(name string) Hdr {
	switch len(name) {
	case 0:
		return HdrOther
	case 1:
		c := name[0] | 0x20
		if c >= 'a' && c <= 'z' {
			return compactHdr[c-'a']
		}
		return HdrOther
	}
	c := name[0] | 0x20
	if len(name) >= len(hdrIdx[0]) || c < 'a' || c > 'z' {
		return HdrOther
	}
	// At most two known names share a first letter and a length, so this
	// costs one or two comparisons per header line.
	for _, h := range hdrIdx[c-'a'][len(name)] {
		if h != HdrOther && eqFoldASCII(hdrNames[h], name) {
			return h
		}
	}
	return HdrOther
}

// CanonicalName returns the long form of a known header name, or name itself.
func CanonicalName(name string) string {
	if h := LookupHdr(name); h != HdrOther {
		return h.String()
	}
	return name
}

package trace

import (
	"fmt"
	"strings"

	"gosips/sip"
)

// Templates are the messages --msg can build.
var Templates = []string{"register", "invite", "options", "bye-in-dialog"}

// IsTemplate reports whether name (possibly with ":user") names a template.
func IsTemplate(name string) bool {
	base, _, _ := strings.Cut(name, ":")
	for _, t := range Templates {
		if base == t {
			return true
		}
	}
	return false
}

// fromTemplate fills a template: messages come from src, to the first
// socket of its protocol. "register[:user]" registers user (default bob)
// with a contact at src; "invite[:user]" calls user from alice;
// "options[:user]" asks our domain (or user); "bye-in-dialog[:user]" ends
// the call the last invite template started, through our Record-Route.
func fromTemplate(name string, src source, socks []*sip.Socket) ([]byte, error) {
	base, user, _ := strings.Cut(name, ":")
	if user == "" {
		user = "bob"
	}
	sock := recvSocket(socks, src.proto)
	domain := sock.IP
	if sock.Port != sock.Proto.DefaultPort() {
		domain = fmt.Sprintf("%s:%d", sock.IP, sock.Port)
	}
	from := src.addr.String()
	tr := strings.ToUpper(src.proto.String())
	via := fmt.Sprintf("Via: SIP/2.0/%s %s;branch=z9hG4bK-trace-%s;rport", tr, from, base)
	var m string
	switch base {
	case "register":
		m = fmt.Sprintf(`REGISTER sip:%[1]s SIP/2.0
%[2]s
Max-Forwards: 70
From: <sip:%[3]s@%[1]s>;tag=trace-reg
To: <sip:%[3]s@%[1]s>
Call-ID: trace-register-%[3]s
CSeq: 1 REGISTER
Contact: <sip:%[3]s@%[4]s>
Expires: 3600
User-Agent: gosips-trace

`, domain, via, user, from)
	case "invite":
		m = fmt.Sprintf(`INVITE sip:%[3]s@%[1]s SIP/2.0
%[2]s
Max-Forwards: 70
From: <sip:alice@%[1]s>;tag=trace-caller
To: <sip:%[3]s@%[1]s>
Call-ID: trace-call
CSeq: 1 INVITE
Contact: <sip:alice@%[4]s>
Content-Type: application/sdp
User-Agent: gosips-trace

v=0
o=alice 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 40000 RTP/AVP 0
`, domain, via, user, from)
	case "options":
		ruri := "sip:" + domain
		if user != "bob" {
			ruri = "sip:" + user + "@" + domain
		}
		m = fmt.Sprintf(`OPTIONS %[1]s SIP/2.0
%[2]s
Max-Forwards: 70
From: <sip:alice@%[3]s>;tag=trace-options
To: <%[1]s>
Call-ID: trace-options
CSeq: 1 OPTIONS
User-Agent: gosips-trace

`, ruri, via, domain)
	case "bye-in-dialog":
		m = fmt.Sprintf(`BYE sip:%[3]s@%[4]s SIP/2.0
%[2]s
Max-Forwards: 70
Route: <sip:%[1]s;lr>
From: <sip:alice@%[1]s>;tag=trace-caller
To: <sip:%[3]s@%[1]s>;tag=trace-callee
Call-ID: trace-call
CSeq: 2 BYE
User-Agent: gosips-trace

`, domain, via, user, from)
	default:
		return nil, fmt.Errorf("unknown message template %q (want one of %s)", name, strings.Join(Templates, ", "))
	}
	return []byte(m), nil
}

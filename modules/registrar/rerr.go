package registrar

// rerr is a registrar error, as OpenSIPS' rerrno: each has a reply code
// and the text sent in P-Registrar-Error.
type rerr uint8

const (
	rFine rerr = iota
	rInternal
	rULDelR
	rULGetR
	rULNewR
	rInvCSeq
	rULInsC
	rULDelC
	rULUpdC
	rAORLen
	rAORParse
	rInvQ
	rParse
	rToMiss
	rCIDMiss
	rCSMiss
	rParseExp
	rParseCont
	rStarExp
	rStarCont
	rOOO
	rRetrans
	rUnescape
	rTooMany
	rContactLen
	rCallIDLen
	rParsePath
	rPathUnsup
)

var rerrInfo = [...]struct {
	code int
	info string
}{
	rFine:       {200, "No problem"},
	rInternal:   {500, "Server Internal Error"},
	rULDelR:     {500, "usrloc_record_delete failed"},
	rULGetR:     {500, "usrloc_record_get failed"},
	rULNewR:     {500, "usrloc_record_new failed"},
	rInvCSeq:    {400, "Invalid CSeq number"},
	rULInsC:     {500, "usrloc_contact_insert failed"},
	rULDelC:     {500, "usrloc_contact_delete failed"},
	rULUpdC:     {500, "usrloc_contact_update failed"},
	rAORLen:     {500, "Address Of Record too long"},
	rAORParse:   {400, "Error while parsing AOR"},
	rInvQ:       {400, "Invalid q param in contact"},
	rParse:      {400, "Message parse error"},
	rToMiss:     {400, "To header not found"},
	rCIDMiss:    {400, "Call-ID header not found"},
	rCSMiss:     {400, "CSeq header not found"},
	rParseExp:   {400, "Expires parse error"},
	rParseCont:  {400, "Contact parse error"},
	rStarExp:    {400, "* used in contact and expires is not zero"},
	rStarCont:   {400, "* used in contact and more than 1 contact"},
	rOOO:        {200, "Out of order request"},
	rRetrans:    {200, "Retransmission"},
	rUnescape:   {400, "Error while unescaping username"},
	rTooMany:    {503, "Too many registered contacts"},
	rContactLen: {400, "Contact/received too long"},
	rCallIDLen:  {400, "Callid too long"},
	rParsePath:  {400, "Path parse error"},
	rPathUnsup:  {420, "No support for found Path indicated"},
}

// reasons are the reply reasons registrar uses (OpenSIPS MSG_*).
func reason(code int) string {
	switch code {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 420:
		return "Bad Extension"
	case 500:
		return "Server Internal Error"
	case 503:
		return "Service Unavailable"
	}
	return ""
}

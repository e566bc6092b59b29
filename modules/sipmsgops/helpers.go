package sipmsgops

import (
	"gosips/api"
	"gosips/sip"
)

// msgOf returns the message a function works on (nil outside SIP routes).
func msgOf(c *api.Ctx) *sip.Msg { return c.Msg }

// withCRLF makes sure header text ends with a line break.
func withCRLF(s string) string {
	if s == "" || s[len(s)-1] == '\n' {
		return s
	}
	return s + "\r\n"
}

// hdrArg returns a header-name argument (fixed or evaluated).
func hdrArg(a any) string {
	switch v := a.(type) {
	case HeaderName:
		return string(v)
	case string:
		return v
	}
	return ""
}

// ret turns a condition into 1 / -1.
func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}

package sip

import "strings"

// Method is a bit per well-known SIP method, so that "is_method(INVITE|BYE)"
// becomes one AND at run time.
type Method uint32

// Well-known methods. MethodOther stands for any extension method.
const (
	MethodInvite Method = 1 << iota
	MethodAck
	MethodBye
	MethodCancel
	MethodRegister
	MethodOptions
	MethodInfo
	MethodUpdate
	MethodPrack
	MethodSubscribe
	MethodNotify
	MethodMessage
	MethodRefer
	MethodPublish
	MethodOther
)

var methodNames = [...]struct {
	name string
	m    Method
}{
	{"INVITE", MethodInvite}, {"ACK", MethodAck}, {"BYE", MethodBye}, {"CANCEL", MethodCancel},
	{"REGISTER", MethodRegister}, {"OPTIONS", MethodOptions}, {"INFO", MethodInfo},
	{"UPDATE", MethodUpdate}, {"PRACK", MethodPrack}, {"SUBSCRIBE", MethodSubscribe},
	{"NOTIFY", MethodNotify}, {"MESSAGE", MethodMessage}, {"REFER", MethodRefer},
	{"PUBLISH", MethodPublish},
}

// LookupMethod maps a method name to its bit. Method names are
// case-sensitive in SIP, but scripts often write them in lower case, so the
// comparison ignores case; unknown names give MethodOther.
func LookupMethod(name string) Method {
	for _, e := range methodNames {
		if len(e.name) == len(name) && (e.name == name || strings.EqualFold(e.name, name)) {
			return e.m
		}
	}
	return MethodOther
}

// exactMethod maps a case-sensitive method name to its bit.
func exactMethod(name string) Method {
	for _, e := range methodNames {
		if e.name == name {
			return e.m
		}
	}
	return MethodOther
}

// String returns the method name for a single well-known bit.
func (m Method) String() string {
	for _, e := range methodNames {
		if e.m == m {
			return e.name
		}
	}
	if m == MethodOther {
		return "OTHER"
	}
	return ""
}

package mi

import (
	"errors"
	"fmt"

	"gosips/api"
)

// JSON-RPC error codes and messages, worded as OpenSIPS words them.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeServerError    = -32000
	CodeAmbiguous      = -32001

	MsgParseError     = "Parse error"
	MsgInvalidRequest = "Invalid Request"
	MsgMethodNotFound = "Method not found"
	MsgInvalidParams  = "Invalid params"
	MsgServerError    = "Server error"
	MsgAmbiguous      = "Method ambiguous"
)

// Details carried in "data" of an Invalid params error.
const (
	DetailNamedOnly    = "Command only supports named parameters"
	DetailAmbiguousPos = "Ambiguous call, use named parameters instead"
	DetailCount        = "Too few or too many parameters"
	DetailNamesMatch   = "Named parameters do not match"
)

// Error is a JSON-RPC error object. Handlers in this package return it when
// they need the "data" member; module handlers use *api.MIError.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data,omitempty"`
}

func (e *Error) Error() string {
	if e.Data != "" {
		return fmt.Sprintf("%d: %s (%s)", e.Code, e.Message, e.Data)
	}
	return fmt.Sprintf("%d: %s", e.Code, e.Message)
}

// Errorf makes an error with a code and message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalidParams is -32602 "Invalid params" with a detail.
func invalidParams(detail string) *Error {
	return &Error{Code: CodeInvalidParams, Message: MsgInvalidParams, Data: detail}
}

// toError turns a handler error into the JSON-RPC error to send.
func toError(err error) *Error {
	var me *Error
	if errors.As(err, &me) {
		return me
	}
	if errors.Is(err, api.ErrMINoResult) {
		return &Error{Code: CodeServerError, Message: MsgServerError, Data: api.ErrMINoResult.Error()}
	}
	var ae *api.MIError
	if errors.As(err, &ae) {
		return &Error{Code: ae.Code, Message: ae.Msg}
	}
	return &Error{Code: 500, Message: err.Error()}
}

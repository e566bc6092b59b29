package pv

import (
	"strings"

	"gosips/api"
)

// SDP transformations. sdp.line is implemented on the body text; the
// stream forms are declared without an evaluator: not implemented yet.
func init() {
	RegisterTrans(
		TransDef{Class: "sdp", Name: "line", MinArgs: 1, MaxArgs: 2, Kinds: []ArgKind{ArgStr, ArgInt}, Apply: sdpLine},
		TransDef{Class: "sdp", Name: "stream", MinArgs: 1, MaxArgs: 1},
		TransDef{Class: "sdp", Name: "stream-delete", MinArgs: 1, MaxArgs: 1},
	)
}

// sdpLine returns the idx-th (0-based) line starting with "<type>=",
// without its line break; NULL when there is none.
func sdpLine(in api.Value, a []api.Value) (api.Value, error) {
	s, err := inputStr(in)
	if err != nil {
		return api.Null, err
	}
	typ, err := argStr(a[0], "line type")
	if err != nil {
		return api.Null, err
	}
	idx := 0
	if len(a) > 1 {
		if idx, err = argInt(a[1], "index"); err != nil {
			return api.Null, err
		}
	}
	prefix := typ + "="
	for s != "" {
		line := s
		if nl := strings.IndexByte(s, '\n'); nl >= 0 {
			line, s = s[:nl], s[nl+1:]
		} else {
			s = ""
		}
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, prefix) {
			if idx == 0 {
				return api.StrValue(line), nil
			}
			idx--
		}
	}
	return api.Null, nil
}

package pv

import (
	"errors"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/sdp"
)

// SDP transformations: {sdp.line,type[,idx]}, {sdp.stream,media|idx} and
// {sdp.stream-delete,media|idx}.
func init() {
	RegisterTrans(
		TransDef{Class: "sdp", Name: "line", MinArgs: 1, MaxArgs: 2, Kinds: []ArgKind{ArgStr, ArgInt}, Apply: sdpLine},
		TransDef{Class: "sdp", Name: "stream", MinArgs: 1, MaxArgs: 1, Apply: sdpStream},
		TransDef{Class: "sdp", Name: "stream-delete", MinArgs: 1, MaxArgs: 1, Apply: sdpStreamDelete},
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

// sdpStreamSel is the stream argument: a media type ("audio") or an index
// (negative from the end); a string holding a number is an index.
func sdpStreamSel(a api.Value) (media string, idx int) {
	if a.IsInt() {
		return "", int(a.I)
	}
	s := Str(a)
	if n, err := strconv.Atoi(s); err == nil {
		return "", n
	}
	return s, 0
}

// sdpStreams parses the input of an SDP transformation.
func sdpStreams(in api.Value) (string, *sdp.Session, error) {
	s, err := inputStr(in)
	if err != nil {
		return "", nil, err
	}
	if s == "" {
		return "", nil, errTransInput
	}
	if err := sdp.Check(s); err != nil {
		return "", nil, err
	}
	sess, err := sdp.Parse(s)
	if err != nil {
		return "", nil, err
	}
	return s, sess, nil
}

// errNoStream is returned when the selected stream does not exist; the
// transformation then yields NULL, as in OpenSIPS.
var errNoStream = errors.New("no such SDP stream")

// sdpStreamAt returns the media section at idx (negative from the end).
func sdpStreamAt(sess *sdp.Session, idx int) (*sdp.Media, error) {
	if idx < 0 {
		idx += len(sess.Media)
	}
	if idx < 0 || idx >= len(sess.Media) {
		return nil, errNoStream
	}
	return &sess.Media[idx], nil
}

// sdpStream returns the text of one media section (from its m= line to
// the next one, line breaks included): the first of that media type, or
// the one at that index.
func sdpStream(in api.Value, a []api.Value) (api.Value, error) {
	body, sess, err := sdpStreams(in)
	if err != nil {
		return api.Null, err
	}
	media, idx := sdpStreamSel(a[0])
	if media == "" {
		m, err := sdpStreamAt(sess, idx)
		if err != nil {
			return api.Null, err
		}
		return api.StrValue(body[m.Start:m.End]), nil
	}
	for _, m := range sess.Media {
		if strings.EqualFold(m.Type, media) {
			return api.StrValue(body[m.Start:m.End]), nil
		}
	}
	return api.Null, errNoStream
}

// sdpStreamDelete returns the body without the media section at that
// index, or without every section of that media type.
func sdpStreamDelete(in api.Value, a []api.Value) (api.Value, error) {
	body, sess, err := sdpStreams(in)
	if err != nil {
		return api.Null, err
	}
	media, idx := sdpStreamSel(a[0])
	if media == "" {
		m, err := sdpStreamAt(sess, idx)
		if err != nil {
			return api.Null, err
		}
		return api.StrValue(body[:m.Start] + body[m.End:]), nil
	}
	var b strings.Builder
	pos, found := 0, false
	for _, m := range sess.Media {
		if strings.EqualFold(m.Type, media) {
			b.WriteString(body[pos:m.Start])
			pos, found = m.End, true
		}
	}
	if !found {
		return api.Null, errNoStream
	}
	b.WriteString(body[pos:])
	return api.StrValue(b.String()), nil
}

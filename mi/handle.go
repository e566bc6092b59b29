package mi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"gosips/api"
)

// response is a JSON-RPC response; the field order is the one OpenSIPS
// prints.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

var nullID = json.RawMessage("null")

// Handle runs one JSON-RPC request (or a batch array of them) and returns
// the response bytes, or nil when nothing must be answered (notifications).
func (d *Dispatcher) Handle(ctx context.Context, body []byte) []byte {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		return d.handleBatch(ctx, body)
	}
	r := d.handleOne(ctx, body)
	if r == nil {
		return nil
	}
	return encodeResponse(r)
}

func (d *Dispatcher) handleBatch(ctx context.Context, body []byte) []byte {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return encodeResponse(errResponse(nullID, &Error{Code: CodeParseError, Message: MsgParseError}))
	}
	if len(items) == 0 {
		return encodeResponse(errResponse(nullID, &Error{Code: CodeInvalidRequest, Message: MsgInvalidRequest}))
	}
	var out [][]byte
	for _, it := range items {
		if r := d.handleOne(ctx, it); r != nil {
			out = append(out, encodeResponse(r))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append(append([]byte{'['}, bytes.Join(out, []byte{','})...), ']')
}

// request is the parsed request; id is nil for a notification.
type request struct {
	id     json.RawMessage
	method string
	pos    []any
	named  map[string]any
}

func (d *Dispatcher) handleOne(ctx context.Context, raw []byte) *response {
	req, perr := parseRequest(raw)
	if perr != nil {
		// Parse and invalid-request errors are answered even without an
		// id, with a null id.
		id := nullID
		if req != nil && req.id != nil {
			id = req.id
		}
		return errResponse(id, perr)
	}
	r := d.run(ctx, req)
	if req.id == nil {
		return nil
	}
	r.ID = req.id
	return r
}

// parseRequest validates a JSON-RPC 2.0 request object. On an invalid
// request it still returns what it could read of the id.
func parseRequest(raw []byte) (*request, *Error) {
	if !json.Valid(raw) {
		return nil, &Error{Code: CodeParseError, Message: MsgParseError}
	}
	invalid := &Error{Code: CodeInvalidRequest, Message: MsgInvalidRequest}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, invalid
	}
	req := &request{}
	bad := false
	if id, ok := obj["id"]; ok {
		switch kindOf(id) {
		case 'n', 's', '0':
			req.id = id
		default:
			bad = true
		}
	}
	var ver string
	if v, ok := obj["jsonrpc"]; !ok || json.Unmarshal(v, &ver) != nil || ver != "2.0" {
		bad = true
	}
	if m, ok := obj["method"]; !ok || kindOf(m) != 's' || json.Unmarshal(m, &req.method) != nil {
		bad = true
	}
	if p, ok := obj["params"]; ok {
		switch kindOf(p) {
		case '[':
			var arr []any
			if decodeNumbers(p, &arr) != nil {
				bad = true
			} else if len(arr) > 0 {
				req.pos = arr
			}
		case '{':
			var m map[string]any
			if decodeNumbers(p, &m) != nil {
				bad = true
			} else if len(m) > 0 {
				req.named = m
			}
		default:
			bad = true
		}
	}
	if bad {
		if req.id != nil {
			return req, invalid
		}
		return nil, invalid
	}
	return req, nil
}

// kindOf classifies a JSON value by its first byte: 's' string, '0' number,
// 'n' null, '[' array, '{' object, 'b' boolean.
func kindOf(v json.RawMessage) byte {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0
	}
	switch c := v[0]; {
	case c == '"':
		return 's'
	case c == '-' || (c >= '0' && c <= '9'):
		return '0'
	case c == 'n':
		return 'n'
	case c == 't' || c == 'f':
		return 'b'
	default:
		return c
	}
}

func decodeNumbers(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// run resolves and calls the command; the response has no id yet.
func (d *Dispatcher) run(ctx context.Context, req *request) *response {
	c, lerr := d.lookup(req.method)
	if lerr != nil {
		return errResponse(nil, lerr)
	}
	recipe, merr := c.match(req.pos, req.named)
	if merr != nil {
		return errResponse(nil, merr)
	}
	params := api.MIParams{}
	if req.pos != nil {
		for i, name := range recipe {
			params[name] = req.pos[i]
		}
	} else {
		for k, v := range req.named {
			params[k] = v
		}
	}
	res, err := d.call(ctx, c, params)
	if err != nil {
		e := toError(err)
		d.log.Debug("mi command failed", "command", c.Name, "code", e.Code, "msg", e.Message)
		return errResponse(nil, e)
	}
	if res == nil {
		res = "OK"
	}
	b, err := marshal(res)
	if err != nil {
		d.log.Error("mi result not encodable", "command", c.Name, "err", err)
		return errResponse(nil, &Error{Code: CodeServerError, Message: MsgServerError,
			Data: fmt.Sprintf("failed to encode result: %v", err)})
	}
	return &response{JSONRPC: "2.0", Result: b}
}

func errResponse(id json.RawMessage, e *Error) *response {
	return &response{JSONRPC: "2.0", Error: e, ID: id}
}

func encodeResponse(r *response) []byte {
	if r.ID == nil {
		r.ID = nullID
	}
	b, err := marshal(r)
	if err != nil {
		// Only a broken id could do this; parseRequest has validated it.
		b, _ = marshal(errResponse(nullID, &Error{Code: CodeServerError, Message: MsgServerError}))
	}
	return b
}

// Pretty indents a response the way the pretty_printing option asks.
func Pretty(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "\t"); err != nil {
		return b
	}
	return out.Bytes()
}

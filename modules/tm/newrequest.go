package tm

import (
	"strings"

	"gosips/api"
	"gosips/pv"
)

// fNewRequest is t_new_request(method, ruri, from, to[, body[, ctx]]): a
// new stateful request, unrelated to the current message, sent to the
// R-URI. from and to are "[display ]URI"; body starts with its content
// type and a blank ("text/plain Hello"); ctx is $avp(uac_ctx) in
// local_route. It returns once the request is sent.
func (t *TM) fNewRequest(c *api.Ctx, args []any) api.Ret {
	r := &api.UACRequest{
		Method: strArg(args, 0),
		RURI:   strArg(args, 1),
		From:   nameAddr(strArg(args, 2)),
		To:     nameAddr(strArg(args, 3)),
	}
	if body, ok := args[4].(string); ok {
		ct, b, found := strings.Cut(body, " ")
		if !found {
			t.logFor(c).Error("t_new_request: no content type at the start of the body", "body", body)
			return api.RetFalse
		}
		r.ContentType, r.Body = ct, b
	}
	if ctx, ok := args[5].(string); ok {
		avps := pv.NewAVPStore()
		avps.Push("uac_ctx", api.StrValue(ctx))
		r.AVPs = avps
	}
	// The transaction outlives the message: it runs on tm's own context.
	if err := t.SendRequest(nil, r); err != nil {
		t.logFor(c).Error("t_new_request: cannot send", "method", r.Method, "ruri", r.RURI, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// nameAddr turns "[display ]URI" into a header value: the URI is what
// follows the last blank.
func nameAddr(s string) string {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return "<" + s + ">"
	}
	return strings.TrimSpace(s[:i]) + " <" + s[i+1:] + ">"
}

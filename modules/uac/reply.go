package uac

import (
	"gosips/api"
	"gosips/sip"
)

// receivedKey is the api.Ctx slot holding the From/To values of a
// request as received, before uac changed them.
type receivedKey struct{}

// received holds the "display <uri>" part of the From and To headers
// the request arrived with, for those uac rewrote ("" = untouched).
type received struct {
	from, to string
}

// remember records, before its first change, the value a header had when
// the request arrived, so that replies get it back (OpenSIPS restores the
// From/To of every reply relayed for a request whose From/To it changed,
// in both the replace and the restore case).
func remember(c *api.Ctx, to bool, na sip.NameAddr) {
	r, _ := c.Slot(receivedKey{}).(*received)
	if r == nil {
		r = &received{}
		c.SetSlot(receivedKey{}, r)
	}
	dst := &r.from
	if to {
		dst = &r.to
	}
	if *dst == "" {
		*dst = buildValue(na.Display, "<"+na.URI+">", "")
	}
}

// EditReply implements api.ReplyEditor: a reply relayed upstream gets back
// the From/To display name and URI of the request as it was received,
// keeping its own header parameters (the tag).
func (m *Module) EditReply(c *api.Ctx, _ *sip.Msg, reply *sip.Msg) {
	r, _ := c.Slot(receivedKey{}).(*received)
	if r == nil || reply == nil || reply.IsRequest() {
		return
	}
	for _, h := range []struct {
		to  bool
		val string
	}{{false, r.from}, {true, r.to}} {
		if h.val == "" {
			continue
		}
		f, na, err := hdrField(reply, h.to)
		if err != nil {
			if c.Log != nil {
				c.Log.Error("uac: cannot restore reply: "+err.Error(), "callid", reply.CallID())
			}
			continue
		}
		v := h.val
		if na.Params != "" {
			v += ";" + na.Params
		}
		reply.SetHeaderValue(f, v)
	}
}

var _ api.ReplyEditor = (*Module)(nil)

package signaling

import (
	"fmt"

	"gosips/api"
	"gosips/sip"
)

// ToTagger is implemented by repliers that can tell the To-tag of their
// local replies to the request of c ($sig_local_totag): sl always, tm when
// the request has a transaction.
type ToTagger interface {
	LocalToTag(c *api.Ctx) (string, bool)
}

// slTagger is what sl offers: the tag is a function of the request alone.
type slTagger interface {
	ToTag(req *sip.Msg) string
}

// Init finds the loaded repliers.
func (s *Signaling) Init(ic *api.InitCtx) error {
	if ic.Module == nil {
		return nil
	}
	s.tm, _ = ic.Module("tm").(api.Replier)
	s.sl, _ = ic.Module("sl").(api.Replier)
	s.ready = true
	return nil
}

// repliers returns tm's and sl's repliers (nil when not loaded).
func (s *Signaling) repliers(c *api.Ctx) (tm, sl api.Replier) {
	if s.ready || c.Core == nil {
		return s.tm, s.sl
	}
	tm, _ = c.Core.Module("tm").(api.Replier)
	sl, _ = c.Core.Module("sl").(api.Replier)
	return tm, sl
}

// pick chooses the replier as OpenSIPS signaling does: tm when the request
// has a transaction, else sl, else tm (which then creates the
// transaction).
func (s *Signaling) pick(c *api.Ctx) api.Replier {
	tm, sl := s.repliers(c)
	switch {
	case tm != nil && c.Tx != nil:
		return tm
	case sl != nil:
		return sl
	}
	return tm
}

// Reply answers the request of c statefully or statelessly.
func (s *Signaling) Reply(c *api.Ctx, code int, reason, extra, body string) error {
	r := s.pick(c)
	if r == nil {
		return fmt.Errorf("signaling: neither tm nor sl is loaded")
	}
	return r.Reply(c, code, reason, extra, body)
}

// sendReply is send_reply(code, reason).
func (s *Signaling) sendReply(c *api.Ctx, args []any) api.Ret {
	code, ok := api.IntArg(args[0])
	if !ok {
		c.Log.Error("send_reply: bad reply code", "code", args[0])
		return api.RetFalse
	}
	if err := s.Reply(c, int(code), api.StrArg(args[1]), "", ""); err != nil {
		c.Log.Error("send_reply failed", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// LocalToTag is the To-tag of the local replies to the request of c
// (OpenSIPS' sigb.gen_totag), for modules that reply with a new dialog
// and must know its tag (presence).
func (s *Signaling) LocalToTag(c *api.Ctx) (string, bool) { return s.localToTag(c) }

// localToTag is $sig_local_totag.
func (s *Signaling) localToTag(c *api.Ctx) (string, bool) {
	tm, sl := s.repliers(c)
	if t, ok := tm.(ToTagger); ok && c.Tx != nil {
		if tag, ok := t.LocalToTag(c); ok {
			return tag, true
		}
	}
	req := c.Req
	if req == nil {
		req = c.Msg
	}
	if t, ok := sl.(slTagger); ok && req != nil && req.IsRequest() {
		return t.ToTag(req), true
	}
	return "", false
}

var (
	_ api.Replier = (*Signaling)(nil)
	_ api.Initer  = (*Signaling)(nil)
)

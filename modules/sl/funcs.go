package sl

import (
	"gosips/api"
)

// sendReply is sl_send_reply(code, reason).
func (s *SL) sendReply(c *api.Ctx, args []any) api.Ret {
	code, ok := api.IntArg(args[0])
	if !ok {
		c.Log.Error("sl_send_reply: bad reply code", "code", args[0])
		return api.RetFalse
	}
	if err := s.Reply(c, int(code), api.StrArg(args[1]), "", ""); err != nil {
		c.Log.Error("sl_send_reply failed", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// replyError is sl_reply_error(): the code and reason of the last internal
// error, 500 when none was recorded.
func (s *SL) replyError(c *api.Ctx, _ []any) api.Ret {
	code, reason := 500, "Server Internal Error"
	if e := c.Err; e != nil && e.RCode >= 100 && e.RCode <= 699 {
		code, reason = e.RCode, e.RReply
	}
	if err := s.Reply(c, code, reason, "", ""); err != nil {
		c.Log.Error("sl_reply_error failed", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

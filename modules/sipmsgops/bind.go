package sipmsgops

import (
	"gosips/api"
	"gosips/sip"
)

// calls maps function names to their implementations; functions missing
// here keep a nil Call (not implemented).
func (s *SipMsgOps) calls() map[string]func(*api.Ctx, []any) api.Ret {
	return map[string]func(*api.Ctx, []any) api.Ret{
		"is_method":               isMethod,
		"has_totag":               hasToTag,
		"append_hf":               appendHF,
		"insert_hf":               insertHF,
		"append_urihf":            appendURIHF,
		"remove_hf":               removeHF,
		"remove_hf_re":            removeHFRe,
		"remove_hf_glob":          removeHFGlob,
		"is_present_hf":           isPresentHF,
		"append_time":             appendTime,
		"append_to_reply":         appendToReply,
		"append_body_to_reply":    appendBodyToReply,
		"has_body":                hasBody,
		"has_body_part":           hasBody,
		"is_privacy":              isPrivacy,
		"ruri_has_param":          ruriHasParam,
		"ruri_add_param":          ruriAddParam,
		"ruri_del_param":          ruriDelParam,
		"ruri_tel2sip":            ruriTel2SIP,
		"is_uri_user_e164":        isURIUserE164,
		"change_reply_status":     changeReplyStatus,
		"list_hdr_has_option":     listHdrHasOption,
		"list_hdr_add_option":     listHdrAddOption,
		"list_hdr_remove_option":  listHdrRemoveOption,
		"sipmsg_validate":         sipmsgValidate,
		"codec_exists":            codecExists,
		"codec_delete":            codecDelete,
		"codec_exists_re":         codecExistsRe,
		"codec_delete_re":         codecDeleteRe,
		"get_glob_headers_values": getGlobHeadersValues,
		"remove_body_part":        removeBodyPart,
		"strip_body":              removeBodyPart,
		"filter_body":             filterBody,
		"add_body_part":           addBodyPart,
		"add_body":                addBodyPart,
		"get_updated_body_part":   getUpdatedBodyPart,
		"stream_exists":           streamExists,
		"stream_delete":           streamDelete,
		"is_audio_on_hold":        isAudioOnHold,
		"codec_move_up":           codecMoveUp,
		"codec_move_up_re":        codecMoveUp,
		"codec_move_down":         codecMoveDown,
		"codec_move_down_re":      codecMoveDown,
		"codec_delete_except_re":  codecDeleteExceptRe,
		"sip_to_json":             sipToJSON,
	}
}

// bind sets the Call of every implemented function.
func (s *SipMsgOps) bind(fs []api.Func) []api.Func {
	impl := s.calls()
	for i := range fs {
		if f, ok := impl[fs[i].Name]; ok {
			fs[i].Call = f
		}
	}
	return fs
}

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

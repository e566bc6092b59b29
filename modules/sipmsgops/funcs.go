package sipmsgops

import "gosips/api"

const (
	rofbl = api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute
	rfbl  = api.RequestRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute
	rfbe  = api.RequestRoute | api.FailureRoute | api.BranchRoute | api.ErrorRoute

	retOK = "1 ok, -1 error"
	retTF = "1 true, -1 false"
)

// Funcs lists sipmsgops' script functions (OpenSIPS 3.6 sipmsgops.c) and
// the body functions of 1.8-1.11.
func (s *SipMsgOps) Funcs() []api.Func {
	hdr := fix(argS("header"), headerFixup)
	hdrOpt := fix(argSo("header"), headerFixup)
	mime := fix(argSo("mime"), mimeFixup)
	codec := func(name string, call func(*api.Ctx, []any) api.Ret) api.Func {
		return api.Func{Name: name, Call: call, Routes: rofbl, Returns: retTF, Args: []api.Arg{argS("codec"), argSo("clock")}}
	}
	codecRe := func(name string, call func(*api.Ctx, []any) api.Ret) api.Func {
		return api.Func{Name: name, Call: call, Routes: rofbl, Returns: retTF, Args: []api.Arg{argRe("regex")}}
	}
	listHdr := func(name string, call func(*api.Ctx, []any) api.Ret) api.Func {
		return api.Func{Name: name, Call: call, Routes: rofbl, Returns: retTF, Args: []api.Arg{hdr, argS("option")}}
	}
	return []api.Func{
		{Name: "append_to_reply", Call: appendToReply, Routes: rfbe, Returns: retOK, Args: []api.Arg{argS("text")}},
		{Name: "append_body_to_reply", Call: appendBodyToReply, Routes: rfbe, Returns: retOK, Args: []api.Arg{argS("text")}},
		{Name: "append_hf", Call: appendHF, Routes: rofbl, Returns: retOK, Args: []api.Arg{argS("text"), hdrOpt}},
		{Name: "insert_hf", Call: insertHF, Routes: rofbl, Returns: retOK, Args: []api.Arg{argS("text"), hdrOpt}},
		{Name: "append_urihf", Call: appendURIHF, Routes: api.RequestRoute | api.FailureRoute | api.BranchRoute, Returns: retOK,
			Args: []api.Arg{argS("prefix"), argS("suffix")}},
		{Name: "remove_hf", Call: removeHF, Routes: rofbl, Returns: "1 at least one removed, -1 none", Args: []api.Arg{hdr}},
		{Name: "remove_hf_re", Call: removeHFRe, Routes: rofbl, Returns: "1 at least one removed, -1 none", Args: []api.Arg{argRe("regex")}},
		{Name: "remove_hf_glob", Call: removeHFGlob, Routes: rofbl, Returns: "1 at least one removed, -1 none", Args: []api.Arg{argS("pattern")}},
		{Name: "is_present_hf", Call: isPresentHF, Routes: rofbl, Returns: retTF, Args: []api.Arg{hdr}},
		{Name: "append_time", Call: appendTime, Routes: rfbl, Returns: retOK},
		{Name: "is_method", Call: isMethod, Routes: rofbl, Returns: retTF, Args: []api.Arg{fix(argS("methods"), methodFixup)}},
		{Name: "has_body", Call: hasBody, Routes: rofbl, Returns: retTF, Args: []api.Arg{mime}},
		{Name: "has_body_part", Call: hasBody, Routes: rofbl, Returns: retTF, Args: []api.Arg{mime}},
		{Name: "is_privacy", Call: isPrivacy, Routes: rofbl, Returns: retTF, Args: []api.Arg{fix(argS("privacy"), privacyFixup)}},
		{Name: "remove_body_part", Call: removeBodyPart, Routes: rofbl, Returns: retTF,
			Args: []api.Arg{mime, fix(argSo("revert"), revertFixup)}},
		{Name: "add_body_part", Call: addBodyPart, Routes: rofbl, Returns: retOK,
			Args: []api.Arg{argS("body"), argS("mime"), argSo("headers")}},
		{Name: "get_updated_body_part", Call: getUpdatedBodyPart, Routes: rofbl, Returns: retOK, Args: []api.Arg{mime, argV("result")}},
		codec("codec_exists", codecExists),
		codecRe("codec_exists_re", codecExistsRe),
		codec("codec_delete", codecDelete),
		codecRe("codec_delete_re", codecDeleteRe),
		codecRe("codec_delete_except_re", codecDeleteExceptRe),
		codec("codec_move_up", codecMoveUp),
		codecRe("codec_move_up_re", codecMoveUp),
		codec("codec_move_down", codecMoveDown),
		codecRe("codec_move_down_re", codecMoveDown),
		{Name: "is_audio_on_hold", Call: isAudioOnHold, Routes: rofbl, Returns: retTF},
		{Name: "sipmsg_validate", Call: sipmsgValidate, Routes: api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute,
			Returns: "1 valid; <0 the kind of error",
			Args:    []api.Arg{fix(argSo("flags"), validateFlagsFixup), argVo("result")}},
		{Name: "change_reply_status", Call: changeReplyStatus, Routes: api.OnReplyRoute, Returns: retOK,
			Args: []api.Arg{fix(argI("code"), statusFixup), argS("reason")}},
		{Name: "stream_exists", Call: streamExists, Routes: rofbl, Returns: retTF, Args: []api.Arg{argRe("regex"), argReo("regex2")}},
		{Name: "stream_delete", Call: streamDelete, Routes: rofbl, Returns: retTF, Args: []api.Arg{argRe("regex"), argReo("regex2")}},
		listHdr("list_hdr_has_option", listHdrHasOption),
		listHdr("list_hdr_add_option", listHdrAddOption),
		listHdr("list_hdr_remove_option", listHdrRemoveOption),
		{Name: "has_totag", Call: hasToTag, Routes: rofbl, Returns: retTF},
		{Name: "ruri_has_param", Call: ruriHasParam, Routes: rfbl, Returns: retTF, Args: []api.Arg{argS("param"), argSo("value")}},
		{Name: "ruri_add_param", Call: ruriAddParam, Routes: rfbl, Returns: retOK, Args: []api.Arg{argS("param")}},
		{Name: "ruri_del_param", Call: ruriDelParam, Routes: rfbl, Returns: retOK, Args: []api.Arg{argS("param")}},
		{Name: "ruri_tel2sip", Call: ruriTel2SIP, Routes: rfbl, Returns: retOK},
		{Name: "is_uri_user_e164", Call: isURIUserE164, Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute, Returns: retTF,
			Args: []api.Arg{argS("uri")}},
		{Name: "get_glob_headers_values", Call: getGlobHeadersValues, Routes: rofbl, Returns: retOK,
			Args: []api.Arg{argS("glob"), argV("names_avp"), argV("values_avp")}},
		{Name: "sip_to_json", Call: sipToJSON, Routes: rofbl, Returns: retOK, Args: []api.Arg{argV("result")}},

		// 1.8-1.11 body functions (filter_body came from textops).
		{Name: "filter_body", Call: filterBody, Routes: rofbl, Returns: retOK, Args: []api.Arg{fix(argS("mime"), mimeFixup)},
			Legacy: `remove_body_part() and has_body_part("type/subtype") (review: filter_body kept only that part)`},
		{Name: "strip_body", Call: removeBodyPart, Routes: rofbl, Returns: retOK, Args: []api.Arg{mime},
			Legacy: `remove_body_part(["type/subtype"])`},
		{Name: "add_body", Call: addBodyPart, Routes: rofbl, Returns: retOK, Args: []api.Arg{argS("body"), argSo("mime")},
			Legacy: `add_body_part(body, "type/subtype")`},
	}
}

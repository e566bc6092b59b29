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
	codec := func(name string) api.Func {
		return api.Func{Name: name, Routes: rofbl, Returns: retTF, Args: []api.Arg{argS("codec"), argSo("clock")}}
	}
	codecRe := func(name string) api.Func {
		return api.Func{Name: name, Routes: rofbl, Returns: retTF, Args: []api.Arg{argRe("regex")}}
	}
	listHdr := func(name string) api.Func {
		return api.Func{Name: name, Routes: rofbl, Returns: retTF, Args: []api.Arg{hdr, argS("option")}}
	}
	return s.bind([]api.Func{
		{Name: "append_to_reply", Routes: rfbe, Returns: retOK, Args: []api.Arg{argS("text")}},
		{Name: "append_body_to_reply", Routes: rfbe, Returns: retOK, Args: []api.Arg{argS("text")}},
		{Name: "append_hf", Routes: rofbl, Returns: retOK, Args: []api.Arg{argS("text"), hdrOpt}},
		{Name: "insert_hf", Routes: rofbl, Returns: retOK, Args: []api.Arg{argS("text"), hdrOpt}},
		{Name: "append_urihf", Routes: api.RequestRoute | api.FailureRoute | api.BranchRoute, Returns: retOK,
			Args: []api.Arg{argS("prefix"), argS("suffix")}},
		{Name: "remove_hf", Routes: rofbl, Returns: "1 at least one removed, -1 none", Args: []api.Arg{hdr}},
		{Name: "remove_hf_re", Routes: rofbl, Returns: "1 at least one removed, -1 none", Args: []api.Arg{argRe("regex")}},
		{Name: "remove_hf_glob", Routes: rofbl, Returns: "1 at least one removed, -1 none", Args: []api.Arg{argS("pattern")}},
		{Name: "is_present_hf", Routes: rofbl, Returns: retTF, Args: []api.Arg{hdr}},
		{Name: "append_time", Routes: rfbl, Returns: retOK},
		{Name: "is_method", Routes: rofbl, Returns: retTF, Args: []api.Arg{fix(argS("methods"), methodFixup)}},
		{Name: "has_body", Routes: rofbl, Returns: retTF, Args: []api.Arg{mime}},
		{Name: "has_body_part", Routes: rofbl, Returns: retTF, Args: []api.Arg{mime}},
		{Name: "is_privacy", Routes: rofbl, Returns: retTF, Args: []api.Arg{fix(argS("privacy"), privacyFixup)}},
		{Name: "remove_body_part", Routes: rofbl, Returns: retTF,
			Args: []api.Arg{mime, fix(argSo("revert"), revertFixup)}},
		{Name: "add_body_part", Routes: rofbl, Returns: retOK,
			Args: []api.Arg{argS("body"), argS("mime"), argSo("headers")}},
		{Name: "get_updated_body_part", Routes: rofbl, Returns: retOK, Args: []api.Arg{mime, argV("result")}},
		codec("codec_exists"),
		codecRe("codec_exists_re"),
		codec("codec_delete"),
		codecRe("codec_delete_re"),
		codecRe("codec_delete_except_re"),
		codec("codec_move_up"),
		codecRe("codec_move_up_re"),
		codec("codec_move_down"),
		codecRe("codec_move_down_re"),
		{Name: "is_audio_on_hold", Routes: rofbl, Returns: retTF},
		{Name: "sipmsg_validate", Routes: api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute,
			Returns: "1 valid; <0 the kind of error",
			Args:    []api.Arg{fix(argSo("flags"), validateFlagsFixup), argVo("result")}},
		{Name: "change_reply_status", Routes: api.OnReplyRoute, Returns: retOK,
			Args: []api.Arg{fix(argI("code"), statusFixup), argS("reason")}},
		{Name: "stream_exists", Routes: rofbl, Returns: retTF, Args: []api.Arg{argRe("regex"), argReo("regex2")}},
		{Name: "stream_delete", Routes: rofbl, Returns: retTF, Args: []api.Arg{argRe("regex"), argReo("regex2")}},
		listHdr("list_hdr_has_option"),
		listHdr("list_hdr_add_option"),
		listHdr("list_hdr_remove_option"),
		{Name: "has_totag", Routes: rofbl, Returns: retTF},
		{Name: "ruri_has_param", Routes: rfbl, Returns: retTF, Args: []api.Arg{argS("param"), argSo("value")}},
		{Name: "ruri_add_param", Routes: rfbl, Returns: retOK, Args: []api.Arg{argS("param")}},
		{Name: "ruri_del_param", Routes: rfbl, Returns: retOK, Args: []api.Arg{argS("param")}},
		{Name: "ruri_tel2sip", Routes: rfbl, Returns: retOK},
		{Name: "is_uri_user_e164", Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute, Returns: retTF,
			Args: []api.Arg{argS("uri")}},
		{Name: "get_glob_headers_values", Routes: rofbl, Returns: retOK,
			Args: []api.Arg{argS("glob"), argV("names_avp"), argV("values_avp")}},
		{Name: "sip_to_json", Routes: rofbl, Returns: retOK, Args: []api.Arg{argV("result")}},

		// 1.8-1.11 body functions (filter_body came from textops).
		{Name: "filter_body", Routes: rofbl, Returns: retOK, Args: []api.Arg{fix(argS("mime"), mimeFixup)},
			Legacy: `remove_body_part() and has_body_part("type/subtype") (review: filter_body kept only that part)`},
		{Name: "strip_body", Routes: rofbl, Returns: retOK, Args: []api.Arg{mime},
			Legacy: `remove_body_part(["type/subtype"])`},
		{Name: "add_body", Routes: rofbl, Returns: retOK, Args: []api.Arg{argS("body"), argSo("mime")},
			Legacy: `add_body_part(body, "type/subtype")`},
	})
}

package tm

import (
	"gosips/api"
)

const (
	rF   = api.RequestRoute | api.FailureRoute
	rFOB = api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute
	rFB  = api.RequestRoute | api.FailureRoute | api.BranchRoute

	retRelay = "1 ok; -1 generic error, -2 bad message, -3 no destination, -4 bad destination, -5 blacklisted, -6 send failed"
)

// Funcs lists tm's script functions (OpenSIPS 3.6 tm.c) and the removed
// names old configs use.
func (t *TM) Funcs() []api.Func {
	code := fix(argI("code"), api.ReplyCodeFixup)
	fs := []api.Func{
		{Name: "t_newtran", Call: t.fNewtran, Routes: api.RequestRoute,
			Returns: "1 created; 0 (stops the script) for a retransmission; <0 error"},
		{Name: "t_reply", Call: t.fReply, Routes: rF, Returns: "1 ok, <0 error",
			Args: []api.Arg{code, argS("reason")}},
		{Name: "t_replicate", Call: t.fReplicate, Routes: rF, Returns: "1 ok, <0 error",
			Args: []api.Arg{argS("uri"), fix(argSo("flags"), replicateFlagsFixup)}},
		{Name: "t_relay", Call: t.fRelay, Routes: rF, Returns: retRelay,
			Args: []api.Arg{fix(argSo("flags"), relayFlagsFixup), fix(argSo("outbound_proxy"), proxyFixup)}},
		{Name: "t_on_failure", Call: onRoute(api.FailureRoute), Routes: rFOB | api.LocalRoute, Returns: "1",
			Args: []api.Arg{fix(argS("route"), routeFixup(api.FailureRoute))}},
		{Name: "t_on_reply", Call: onRoute(api.OnReplyRoute), Routes: rFOB | api.LocalRoute, Returns: "1",
			Args: []api.Arg{fix(argS("route"), routeFixup(api.OnReplyRoute))}},
		{Name: "t_on_branch", Call: onRoute(api.BranchRoute), Routes: rFOB, Returns: "1",
			Args: []api.Arg{fix(argS("route"), routeFixup(api.BranchRoute))}},
		{Name: "t_check_status", Call: t.fCheckStatus, Routes: rFOB, Returns: "1 the reply code matches, -1 not",
			Args: []api.Arg{argRe("regex")}},
		{Name: "t_write_req", Call: t.fWriteReq, Routes: rFB, Returns: "1 ok, <0 error",
			Args: []api.Arg{fix(argS("info"), t.twInfoFixup), argS("fifo")}},
		{Name: "t_write_unix", Call: t.fWriteUnix, Routes: rFB, Returns: "1 ok, <0 error",
			Args: []api.Arg{fix(argS("info"), t.twInfoFixup), argS("socket")}},
		{Name: "t_flush_flags", Call: t.fFlushFlags, Routes: api.RequestRoute | api.BranchRoute, Returns: "1"},
		{Name: "t_local_replied", Call: t.fLocalReplied, Routes: rFOB, Returns: "1 locally replied, -1 not",
			Args: []api.Arg{fix(argS("selector"), localRepliedFixup)}},
		{Name: "t_check_trans", Call: t.fCheckTrans, Routes: api.RequestRoute | api.BranchRoute,
			Returns: "CANCEL: 1 if the INVITE transaction exists; ACK: 1 hop-by-hop, -2 end-to-end; other: 0 (stops) for a retransmission, else -1"},
		{Name: "t_was_cancelled", Call: t.fWasCancelled, Routes: rFOB, Returns: "1 cancelled, -1 not"},
		{Name: "t_cancel_branch", Call: t.fCancelBranch, Routes: api.OnReplyRoute, Returns: "1",
			Args: []api.Arg{fix(argSo("flags"), cancelBranchFixup)}},
		{Name: "t_add_hdrs", Call: t.fAddHdrs, Routes: api.RequestRoute, Returns: "1 ok, -1 error", Args: []api.Arg{argS("headers")}},
		{Name: "t_reply_with_body", Call: t.fReply, Routes: rF, Returns: "1 ok, <0 error",
			Args: []api.Arg{code, argS("reason"), argS("body")}},
		{Name: "t_new_request", Call: t.fNewRequest, Routes: api.AllRoutes, Returns: "1 sent, <0 error",
			Args: []api.Arg{argS("method"), argS("ruri"), argS("from"), argS("to"), argSo("body"), argSo("context")}},
		{Name: "t_add_cancel_reason", Call: t.fAddCancelReason, Routes: api.RequestRoute, Returns: "1 ok, -1 error", Args: []api.Arg{argS("reason")}},
		{Name: "t_inject_branches", Call: t.fInjectBranches, Routes: api.RequestRoute | api.OnReplyRoute, Returns: "1 ok, <0 error",
			Args: []api.Arg{fix(argS("source"), injectSourceFixup), fix(argSo("flags"), injectFlagsFixup)}},
		{Name: "t_wait_for_new_branches", Call: t.fWaitForNewBranches, Routes: api.RequestRoute, Returns: "1 ok, <0 error",
			Args: []api.Arg{argIo("branches")}},
		{Name: "t_wait_no_more_branches", Call: t.fWaitNoMoreBranches, Routes: rFOB, Returns: "1 ok, <0 error"},
		{Name: "t_anycast_replicate", Routes: api.RequestRoute, Returns: "1 ok, <0 error"},
		{Name: "t_reply_by_callid", Call: t.fReplyByCallID, Routes: api.RequestRoute, Returns: "1 ok, <0 error",
			Args: []api.Arg{code, argS("reason"), argSo("callid"), argSo("cseq")}},
		{Name: "t_get_branch_idx_by_attr", Call: t.fBranchIdxByAttr, Routes: api.OnReplyRoute | api.BranchRoute | api.FailureRoute,
			Returns: "1 found, -1 not found",
			Args:    []api.Arg{argS("attr"), argSo("value_str"), argIo("value_int"), argVo("result"), argIo("offset")}},
	}
	return append(fs, t.legacyFuncs()...)
}

// legacyFuncs are tm functions removed before 3.x.
func (t *TM) legacyFuncs() []api.Func {
	relayTo := func(name, proto string) api.Func {
		return api.Func{Name: name, Call: t.relayTo(proto), Routes: rF, Returns: retRelay, Args: []api.Arg{argSo("host"), argSo("port")},
			Legacy: `t_relay(, "` + proto + `:host:port")`}
	}
	return []api.Func{
		relayTo("t_relay_to_udp", "udp"),
		relayTo("t_relay_to_tcp", "tcp"),
		relayTo("t_relay_to_tls", "tls"),
		relayTo("t_forward_nonack", "udp"),
		relayTo("t_forward_nonack_udp", "udp"),
		relayTo("t_forward_nonack_tcp", "tcp"),
		relayTo("t_forward_nonack_tls", "tls"),
		{Name: "t_release", Call: func(*api.Ctx, []any) api.Ret { return api.RetTrue }, Routes: api.RequestRoute, Returns: "1", Legacy: "remove it: transactions are released automatically"},
		{Name: "t_retransmit_reply", Call: t.fRetransmit, Routes: api.RequestRoute, Returns: "1", Legacy: "remove it: t_newtran()/t_check_trans() absorb retransmissions"},
		{Name: "t_lookup_request", Call: t.fCheckTrans, Routes: api.RequestRoute, Returns: "1 found, -1 not", Legacy: "t_check_trans()"},
		{Name: "t_cancel_call", Call: func(c *api.Ctx, _ []any) api.Ret { return t.fCancelBranch(c, []any{CancelAll}) }, Routes: api.OnReplyRoute, Returns: "1", Legacy: `t_cancel_branch("a")`},
		{Name: "t_on_negative", Call: onRoute(api.FailureRoute), Routes: rFOB | api.LocalRoute, Returns: "1", Legacy: `t_on_failure("route")`,
			Args: []api.Arg{fix(argS("route"), routeFixup(api.FailureRoute))}},
	}
}

package core

import "gosips/api"

// calls maps every core function name (legacy names included) to its
// implementation; a function missing here is not implemented (nil Call).
func (co *Core) calls() map[string]func(*api.Ctx, []any) api.Ret {
	fwd := co.forwardFn("")
	return map[string]func(*api.Ctx, []any) api.Ret{
		"forward": fwd, "send": send,
		"setflag": setflag, "resetflag": resetflag, "isflagset": isflagset,
		"setbflag": setbflag, "resetbflag": resetbflag, "isbflagset": isbflagset,
		"sethost": sethost, "sethostport": sethostport, "setuser": setuser, "setuserpass": setuserpass,
		"setport": setport, "seturi": seturi, "prefix": prefix, "strip": strip, "strip_tail": stripTail,
		"append_branch_old": appendBranchOld, "append_msg_branch": appendMsgBranch,
		"remove_msg_branch": removeMsgBranch, "move_msg_branch": moveMsgBranch, "swap_msg_branches": swapMsgBranches,
		"pv_printf": pvPrintf, "revert_uri": revertURI,
		"setdsturi": setdsturi, "resetdsturi": resetdsturi, "isdsturiset": isdsturiset,
		"force_rport": forceRport, "add_local_rport": addLocalRport, "force_tcp_alias": forceTCPAlias,
		"set_advertised_address": setAdvertisedAddress, "set_advertised_port": setAdvertisedPort,
		"force_send_socket":  forceSendSocket,
		"serialize_branches": serializeBranches, "next_branches": nextBranches,
		"raise_event":   raiseEvent,
		"construct_uri": constructURI, "get_timestamp": getTimestamp,
		"is_myself": isMyself, "avp_print": avpPrint,
		"set_via_handling": setViaHandling,
		"cache_store":      cacheStore, "cache_remove": cacheRemove, "cache_fetch": cacheFetch,
		"cache_counter_fetch": cacheCounterFetch, "cache_add": cacheAdd, "cache_sub": cacheSub,
		"cache_raw_query": cacheRawQuery,
		"xlog":            co.xlog, "xdbg": co.xdbg, "log": co.logMsg,

		// Legacy names.
		"append_branch": appendBranchOld, "remove_branch": removeMsgBranch,
		"move_branch": moveMsgBranch, "swap_branches": swapMsgBranches,
		"rewritehost": sethost, "seth": sethost, "rewritehostport": sethostport, "sethp": sethostport,
		"rewriteuser": setuser, "setu": setuser, "rewriteuserpass": setuserpass, "setup": setuserpass,
		"rewriteport": setport, "setp": setport, "rewriteuri": seturi,
		"setduri": setdsturi, "resetduri": resetdsturi, "isduriset": isdsturiset,
		"setbranchflag": setbflag, "resetbranchflag": resetbflag, "isbranchflagset": isbflagset,
		"setsflag": setflag, "resetsflag": resetflag, "issflagset": isflagset,
		"setscriptflag": setflag, "resetscriptflag": resetflag, "isscriptflagset": isflagset,
		"len_gt":      lenGt,
		"forward_udp": co.forwardFn("udp"), "forward_tcp": co.forwardFn("tcp"), "forward_tls": co.forwardFn("tls"),
		"send_tcp": sendLegacy, "add_rport": forceRport, "add_tcp_alias": forceTCPAlias, "force_local_rport": addLocalRport,
		"error": noop, "setdebug": setdebug,
	}
}

// bind sets the Call of every function in fs.
func (co *Core) bind(fs []api.Func) []api.Func {
	impl := co.calls()
	for i := range fs {
		fs[i].Call = impl[fs[i].Name]
	}
	return fs
}

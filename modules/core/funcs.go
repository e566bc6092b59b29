package core

import "gosips/api"

const (
	retTrueFalse = "1 true, -1 false"
	retOK        = "1 ok, <0 error"
)

// Funcs lists the core functions of OpenSIPS 3.6 (core_cmds.c), the
// grammar builtins xlog/xdbg/log, and old names legacy configs use.
func (c *Core) Funcs() []api.Func {
	all := api.AllRoutes
	msgFlag := static(fix(argS("flag"), MsgFlagFixup))
	brFlag := static(fix(argS("flag"), BranchFlagFixup))
	fs := []api.Func{
		// The second argument is OpenSER's forward(host, port), accepted
		// with a legacy warning; OpenSIPS 3.x takes one.
		{Name: "forward", Call: c.forwardFn(""), Routes: all, Returns: retOK + "; stateless forward to dest, or to $du / R-URI",
			Args: []api.Arg{fix(argSo("destination"), forwardFixup), fix(argSo("port"), legacyPortFixup)}},
		{Name: "send", Call: send, Routes: all, Returns: retOK + "; sends the message unchanged",
			Args: []api.Arg{fix(argS("destination"), destFixup), argSo("headers")}},
		{Name: "setflag", Call: setflag, Routes: all, Returns: "1", Args: []api.Arg{msgFlag}},
		{Name: "resetflag", Call: resetflag, Routes: all, Returns: "1", Args: []api.Arg{msgFlag}},
		{Name: "isflagset", Call: isflagset, Routes: all, Returns: retTrueFalse, Args: []api.Arg{msgFlag}},
		{Name: "setbflag", Call: setbflag, Routes: all, Returns: "1", Args: []api.Arg{brFlag, argIo("branch_idx")}},
		{Name: "resetbflag", Call: resetbflag, Routes: all, Returns: "1", Args: []api.Arg{brFlag, argIo("branch_idx")}},
		{Name: "isbflagset", Call: isbflagset, Routes: all, Returns: retTrueFalse, Args: []api.Arg{brFlag, argIo("branch_idx")}},
		{Name: "sethost", Call: sethost, Routes: all, Returns: retOK, Args: []api.Arg{argS("host")}},
		{Name: "sethostport", Call: sethostport, Routes: all, Returns: retOK, Args: []api.Arg{argS("hostport")}},
		{Name: "setuser", Call: setuser, Routes: all, Returns: retOK, Args: []api.Arg{argS("user")}},
		{Name: "setuserpass", Call: setuserpass, Routes: all, Returns: retOK, Args: []api.Arg{argS("userpass")}},
		{Name: "setport", Call: setport, Routes: all, Returns: retOK, Args: []api.Arg{argS("port")}},
		{Name: "seturi", Call: seturi, Routes: all, Returns: retOK, Args: []api.Arg{argS("uri")}},
		{Name: "prefix", Call: prefix, Routes: all, Returns: retOK, Args: []api.Arg{argS("prefix")}},
		{Name: "strip", Call: strip, Routes: all, Returns: retOK, Args: []api.Arg{argI("nchars")}},
		{Name: "strip_tail", Call: stripTail, Routes: all, Returns: retOK, Args: []api.Arg{argI("nchars")}},
		{Name: "append_branch_old", Call: appendBranchOld, Routes: all, Returns: retOK,
			Args: []api.Arg{argSo("uri"), fix(argSo("qvalue"), qFixup)}},
		{Name: "append_msg_branch", Call: appendMsgBranch, Routes: all, Returns: retOK,
			Args: []api.Arg{argS("uri"), fix(argSo("qvalue"), qFixup), fix(argSo("flags"), NamedFlagsFixup(BranchFlags))}},
		{Name: "remove_msg_branch", Call: removeMsgBranch, Routes: all, Returns: retTrueFalse, Args: []api.Arg{argI("branch_idx")}},
		{Name: "move_msg_branch", Call: moveMsgBranch, Routes: all, Returns: retTrueFalse,
			Args: []api.Arg{fix(argIo("src_idx"), branchIndexFixup), fix(argIo("dst_idx"), branchIndexFixup), fix(argSo("keep"), keepFixup)}},
		{Name: "swap_msg_branches", Call: swapMsgBranches, Routes: all, Returns: retTrueFalse,
			Args: []api.Arg{fix(argIo("src_idx"), branchIndexFixup), fix(argIo("dst_idx"), branchIndexFixup)}},
		{Name: "pv_printf", Call: pvPrintf, Routes: all, Returns: retOK, Args: []api.Arg{argV("var"), argS("format")}},
		{Name: "revert_uri", Call: revertURI, Routes: all, Returns: "1"},
		{Name: "setdsturi", Call: setdsturi, Routes: all, Returns: retOK, Args: []api.Arg{argS("uri")}},
		{Name: "resetdsturi", Call: resetdsturi, Routes: all, Returns: "1"},
		{Name: "isdsturiset", Call: isdsturiset, Routes: all, Returns: retTrueFalse},
		{Name: "force_rport", Call: forceRport, Routes: all, Returns: "1"},
		{Name: "add_local_rport", Call: addLocalRport, Routes: all, Returns: "1"},
		{Name: "force_tcp_alias", Call: forceTCPAlias, Routes: all, Returns: retOK, Args: []api.Arg{argIo("port")}},
		{Name: "set_advertised_address", Call: setAdvertisedAddress, Routes: all, Returns: retOK, Args: []api.Arg{argS("address")}},
		{Name: "set_advertised_port", Call: setAdvertisedPort, Routes: all, Returns: retOK, Args: []api.Arg{argS("port")}},
		{Name: "force_send_socket", Call: forceSendSocket, Routes: all, Returns: retOK, Args: []api.Arg{fix(argS("socket"), destFixup)}},
		{Name: "serialize_branches", Call: serializeBranches, Routes: all, Returns: retOK, Args: []api.Arg{argI("clear"), argIo("keep_order")}},
		{Name: "next_branches", Call: nextBranches, Routes: all, Returns: "1 branches loaded, -1 none left"},
		{Name: "use_blacklist", Call: c.useBlacklist(true), Routes: all, Returns: "1", Args: []api.Arg{fix(argS("name"), blacklistFixup(true))}},
		{Name: "unuse_blacklist", Call: c.useBlacklist(false), Routes: all, Returns: "1", Args: []api.Arg{fix(argS("name"), blacklistFixup(true))}},
		{Name: "check_blacklist_rule", Call: c.checkBlacklistRule, Routes: all, Returns: "1 matched, -1 not",
			Args: []api.Arg{fix(argS("name"), blacklistFixup(true)), fix(argS("ip"), ipFixup), argIo("port"),
				fix(argSo("proto"), protoFixup), argSo("pattern")}},
		{Name: "add_blacklist_rule", Call: c.addBlacklistRule, Routes: all, Returns: retOK,
			Args: []api.Arg{fix(argS("name"), blacklistFixup(false)), fix(argS("ip_net"), netFixup), argIo("port"),
				fix(argSo("proto"), protoFixup), argSo("pattern"), argIo("expire")}},
		{Name: "del_blacklist_rule", Call: c.delBlacklistRule, Routes: all, Returns: retOK,
			Args: []api.Arg{fix(argS("name"), blacklistFixup(false)), fix(argS("ip_net"), netFixup), argIo("port"),
				fix(argSo("proto"), protoFixup), argSo("pattern")}},
		{Name: "cache_store", Call: cacheStore, Routes: all, Returns: retOK,
			Args: []api.Arg{argS("storage_id"), argS("key"), argS("value"), argIo("expire")}},
		{Name: "cache_remove", Call: cacheRemove, Routes: all, Returns: retOK, Args: []api.Arg{argS("storage_id"), argS("key")}},
		{Name: "cache_fetch", Call: cacheFetch, Routes: all, Returns: "1 found, -2 not found, -1 error",
			Args: []api.Arg{argS("storage_id"), argS("key"), argV("value")}},
		{Name: "cache_counter_fetch", Call: cacheCounterFetch, Routes: all, Returns: "1 found, -2 not found, -1 error",
			Args: []api.Arg{argS("storage_id"), argS("counter"), argV("value")}},
		{Name: "cache_add", Call: cacheAdd, Routes: all, Returns: retOK,
			Args: []api.Arg{argS("storage_id"), argS("key"), argI("value"), argI("expire"), argVo("new_value")}},
		{Name: "cache_sub", Call: cacheSub, Routes: all, Returns: retOK,
			Args: []api.Arg{argS("storage_id"), argS("key"), argI("value"), argI("expire"), argVo("new_value")}},
		{Name: "cache_raw_query", Call: cacheRawQuery, Routes: all, Returns: retOK,
			Args: []api.Arg{argS("storage_id"), argS("raw_query"), fix(noExpand(argSo("result_avps")), avpListFixup)}},
		{Name: "raise_event", Call: c.raiseEvent, Routes: all, Returns: retOK,
			Args: []api.Arg{fix(argS("event"), eventNameFixup), dynamic(fix(argVo("attrs_avp"), avpVarFixup)), dynamic(fix(argVo("vals_avp"), avpVarFixup))}},
		{Name: "subscribe_event", Call: c.subscribeEvent, Routes: all, Returns: retOK,
			Args: []api.Arg{fix(argS("event"), eventNameFixup), argS("socket"), argIo("expire")}},
		{Name: "construct_uri", Call: constructURI, Routes: all, Returns: retOK,
			Args: []api.Arg{argS("proto"), argSo("user"), argS("domain"), argSo("port"), argSo("extra"),
				dynamic(fix(argV("result"), avpVarFixup))}},
		{Name: "get_timestamp", Call: getTimestamp, Routes: all, Returns: retOK,
			Args: []api.Arg{dynamic(fix(argV("sec"), avpVarFixup)), dynamic(fix(argV("usec"), avpVarFixup))}},
		{Name: "script_trace", Routes: all, Returns: "1",
			Args: []api.Arg{argIo("log_level"), noExpand(argSo("format")), static(argSo("info"))}},
		{Name: "is_myself", Call: isMyself, Routes: all, Returns: retTrueFalse, Args: []api.Arg{argS("host"), argIo("port")}},
		{Name: "sr_check_status", Call: c.srCheckStatus, Routes: all, Returns: "status (>0 ok, <0 not ok)",
			Args: []api.Arg{fix(argS("group"), srGroupFixup), argSo("identifier")}},
		{Name: "avp_print", Call: avpPrint, Routes: all, Returns: "1"},
		{Name: "set_via_handling", Call: setViaHandling, Routes: all, Returns: "1",
			Args: []api.Arg{fix(argS("flags"), NamedFlagsFixup(ViaFlags))}},

		// Grammar builtins. xlog/log take the level first only when two
		// arguments are given.
		{Name: "xlog", Call: c.xlog, Routes: all, Returns: "1",
			Args: []api.Arg{fix(argSo("level"), XlogLevelFixup), argS("format")}},
		{Name: "xdbg", Call: c.xdbg, Routes: all, Returns: "1", Args: []api.Arg{argS("format")}},
		// log() still exists in 3.x but prints at L_DBG with one argument.
		{Name: "log", Call: c.logMsg, Routes: all, Returns: "1", Args: []api.Arg{argIo("level"), noExpand(argS("message"))}},
	}
	return append(fs, c.legacyFuncs()...)
}

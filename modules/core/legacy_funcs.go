package core

import "gosips/api"

// legacyFuncs are core functions removed or renamed before or in 3.x,
// kept so that old configs load (with a legacy warning naming the modern
// form).
func (c *Core) legacyFuncs() []api.Func {
	all := api.AllRoutes
	brFlag := static(fix(argS("flag"), BranchFlagFixup))
	sFlag := static(fix(argS("flag"), scriptFlagFixup))
	rename := func(old, modern string, call func(*api.Ctx, []any) api.Ret, args ...api.Arg) api.Func {
		return api.Func{Name: old, Call: call, Routes: all, Args: args, Returns: retOK, Legacy: modern}
	}
	return []api.Func{
		// 3.0-3.5 branch functions, renamed in 3.6.
		{Name: "append_branch", Call: appendBranchOld, Routes: all, Returns: retOK, Legacy: `append_msg_branch("uri"[, q]) (or append_branch_old())`,
			Args: []api.Arg{argSo("uri"), fix(argSo("qvalue"), qFixup)}},
		rename("remove_branch", "remove_msg_branch(idx)", removeMsgBranch, argI("branch_idx")),
		rename("move_branch", "move_msg_branch(src, dst[, \"keep\"])", moveMsgBranch,
			fix(argIo("src_idx"), branchIndexFixup), fix(argIo("dst_idx"), branchIndexFixup), fix(argSo("keep"), keepFixup)),
		rename("swap_branches", "swap_msg_branches(src, dst)", swapMsgBranches,
			fix(argIo("src_idx"), branchIndexFixup), fix(argIo("dst_idx"), branchIndexFixup)),

		// R-URI rewriting aliases, gone in 3.0.
		rename("rewritehost", `sethost("host") or $rd = "host"`, sethost, argS("host")),
		rename("seth", `sethost("host") or $rd = "host"`, sethost, argS("host")),
		rename("rewritehostport", `sethostport("host:port")`, sethostport, argS("hostport")),
		rename("sethp", `sethostport("host:port")`, sethostport, argS("hostport")),
		rename("rewriteuser", `setuser("user") or $rU = "user"`, setuser, argS("user")),
		rename("setu", `setuser("user") or $rU = "user"`, setuser, argS("user")),
		rename("rewriteuserpass", `setuserpass("user:pass")`, setuserpass, argS("userpass")),
		rename("setup", `setuserpass("user:pass")`, setuserpass, argS("userpass")),
		rename("rewriteport", `setport("port") or $rp = port`, setport, argS("port")),
		rename("setp", `setport("port") or $rp = port`, setport, argS("port")),
		rename("rewriteuri", `seturi("uri") or $ru = "uri"`, seturi, argS("uri")),
		rename("setduri", `$du = "uri" (or setdsturi("uri"))`, setdsturi, argS("uri")),
		{Name: "resetduri", Call: resetdsturi, Routes: all, Returns: "1", Legacy: "$du = null (or resetdsturi())"},
		{Name: "isduriset", Call: isdsturiset, Routes: all, Returns: retTrueFalse, Legacy: "$du != null (or isdsturiset())"},

		// Flag aliases of 1.x.
		{Name: "setbranchflag", Call: setbflag, Routes: all, Returns: "1", Legacy: `setbflag("name")`, Args: []api.Arg{brFlag, argIo("branch_idx")}},
		{Name: "resetbranchflag", Call: resetbflag, Routes: all, Returns: "1", Legacy: `resetbflag("name")`, Args: []api.Arg{brFlag, argIo("branch_idx")}},
		{Name: "isbranchflagset", Call: isbflagset, Routes: all, Returns: retTrueFalse, Legacy: `isbflagset("name")`, Args: []api.Arg{brFlag, argIo("branch_idx")}},
		// Script flags (removed in 2.2) become message flags "SF_<n>".
		{Name: "setsflag", Call: setflag, Routes: all, Returns: "1", Legacy: `setflag("SF_N") or $var(sf_N) = 1`, Args: []api.Arg{sFlag}},
		{Name: "resetsflag", Call: resetflag, Routes: all, Returns: "1", Legacy: `resetflag("SF_N") or $var(sf_N) = 0`, Args: []api.Arg{sFlag}},
		{Name: "issflagset", Call: isflagset, Routes: all, Returns: retTrueFalse, Legacy: `isflagset("SF_N") or $var(sf_N) == 1`, Args: []api.Arg{sFlag}},
		{Name: "setscriptflag", Call: setflag, Routes: all, Returns: "1", Legacy: `setflag("SF_N") or $var(sf_N) = 1`, Args: []api.Arg{sFlag}},
		{Name: "resetscriptflag", Call: resetflag, Routes: all, Returns: "1", Legacy: `resetflag("SF_N") or $var(sf_N) = 0`, Args: []api.Arg{sFlag}},
		{Name: "isscriptflagset", Call: isflagset, Routes: all, Returns: retTrueFalse, Legacy: `isflagset("SF_N") or $var(sf_N) == 1`, Args: []api.Arg{sFlag}},

		// Old tests and transports.
		{Name: "len_gt", Call: lenGt, Routes: all, Returns: retTrueFalse, Legacy: "$ml > N",
			Args: []api.Arg{fix(argS("length"), lenGtFixup)}},
		rename("forward_udp", `forward("udp:host:port")`, c.forwardFn("udp"), fix(argSo("host"), legacyHostFixup), fix(argSo("port"), legacyPortFixup)),
		rename("forward_tcp", `forward("tcp:host:port")`, c.forwardFn("tcp"), fix(argSo("host"), legacyHostFixup), fix(argSo("port"), legacyPortFixup)),
		rename("forward_tls", `forward("tls:host:port")`, c.forwardFn("tls"), fix(argSo("host"), legacyHostFixup), fix(argSo("port"), legacyPortFixup)),
		rename("send_tcp", `send("tcp:host:port")`, sendLegacy, argS("host"), argSo("port")),
		{Name: "add_rport", Call: forceRport, Routes: all, Returns: "1", Legacy: "force_rport()"},
		{Name: "force_local_rport", Call: addLocalRport, Routes: all, Returns: "1", Legacy: "add_local_rport()"},
		rename("add_tcp_alias", "force_tcp_alias()", forceTCPAlias, argIo("port")),
		rename("error", "remove it: error() never did anything", noop, argS("code"), argS("message")),
		{Name: "setdebug", Call: setdebug, Routes: all, Returns: "1", Legacy: "$log_level = N", Args: []api.Arg{argIo("level")}},
	}
}

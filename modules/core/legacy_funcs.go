package core

import "gosips/api"

// legacyFuncs are core functions removed or renamed before or in 3.x,
// kept so that old configs load (with a legacy warning naming the modern
// form).
func legacyFuncs() []api.Func {
	all := api.AllRoutes
	brFlag := static(fix(argS("flag"), BranchFlagFixup))
	sFlag := static(fix(argS("flag"), scriptFlagFixup))
	rename := func(old, modern string, args ...api.Arg) api.Func {
		return api.Func{Name: old, Routes: all, Args: args, Returns: retOK, Legacy: modern}
	}
	return []api.Func{
		// 3.0-3.5 branch functions, renamed in 3.6.
		{Name: "append_branch", Routes: all, Returns: retOK, Legacy: `append_msg_branch("uri"[, q]) (or append_branch_old())`,
			Args: []api.Arg{argSo("uri"), fix(argSo("qvalue"), qFixup)}},
		rename("remove_branch", "remove_msg_branch(idx)", argI("branch_idx")),
		rename("move_branch", "move_msg_branch(src, dst[, \"keep\"])",
			fix(argIo("src_idx"), branchIndexFixup), fix(argIo("dst_idx"), branchIndexFixup), fix(argSo("keep"), keepFixup)),
		rename("swap_branches", "swap_msg_branches(src, dst)",
			fix(argIo("src_idx"), branchIndexFixup), fix(argIo("dst_idx"), branchIndexFixup)),

		// R-URI rewriting aliases, gone in 3.0.
		rename("rewritehost", `sethost("host") or $rd = "host"`, argS("host")),
		rename("seth", `sethost("host") or $rd = "host"`, argS("host")),
		rename("rewritehostport", `sethostport("host:port")`, argS("hostport")),
		rename("sethp", `sethostport("host:port")`, argS("hostport")),
		rename("rewriteuser", `setuser("user") or $rU = "user"`, argS("user")),
		rename("setu", `setuser("user") or $rU = "user"`, argS("user")),
		rename("rewriteuserpass", `setuserpass("user:pass")`, argS("userpass")),
		rename("setup", `setuserpass("user:pass")`, argS("userpass")),
		rename("rewriteport", `setport("port") or $rp = port`, argS("port")),
		rename("setp", `setport("port") or $rp = port`, argS("port")),
		rename("rewriteuri", `seturi("uri") or $ru = "uri"`, argS("uri")),
		rename("setduri", `$du = "uri" (or setdsturi("uri"))`, argS("uri")),
		{Name: "resetduri", Routes: all, Returns: "1", Legacy: "$du = null (or resetdsturi())"},
		{Name: "isduriset", Routes: all, Returns: retTrueFalse, Legacy: "$du != null (or isdsturiset())"},

		// Flag aliases of 1.x.
		{Name: "setbranchflag", Routes: all, Returns: "1", Legacy: `setbflag("name")`, Args: []api.Arg{brFlag, argIo("branch_idx")}},
		{Name: "resetbranchflag", Routes: all, Returns: "1", Legacy: `resetbflag("name")`, Args: []api.Arg{brFlag, argIo("branch_idx")}},
		{Name: "isbranchflagset", Routes: all, Returns: retTrueFalse, Legacy: `isbflagset("name")`, Args: []api.Arg{brFlag, argIo("branch_idx")}},
		// Script flags (removed in 2.2) become message flags "SF_<n>".
		{Name: "setsflag", Routes: all, Returns: "1", Legacy: `setflag("SF_N") or $var(sf_N) = 1`, Args: []api.Arg{sFlag}},
		{Name: "resetsflag", Routes: all, Returns: "1", Legacy: `resetflag("SF_N") or $var(sf_N) = 0`, Args: []api.Arg{sFlag}},
		{Name: "issflagset", Routes: all, Returns: retTrueFalse, Legacy: `isflagset("SF_N") or $var(sf_N) == 1`, Args: []api.Arg{sFlag}},
		{Name: "setscriptflag", Routes: all, Returns: "1", Legacy: `setflag("SF_N") or $var(sf_N) = 1`, Args: []api.Arg{sFlag}},
		{Name: "resetscriptflag", Routes: all, Returns: "1", Legacy: `resetflag("SF_N") or $var(sf_N) = 0`, Args: []api.Arg{sFlag}},
		{Name: "isscriptflagset", Routes: all, Returns: retTrueFalse, Legacy: `isflagset("SF_N") or $var(sf_N) == 1`, Args: []api.Arg{sFlag}},

		// Old tests and transports.
		{Name: "len_gt", Routes: all, Returns: retTrueFalse, Legacy: "$ml > N",
			Args: []api.Arg{fix(argS("length"), lenGtFixup)}},
		rename("forward_udp", `forward("udp:host:port")`, fix(argSo("host"), legacyHostFixup), fix(argSo("port"), legacyPortFixup)),
		rename("forward_tcp", `forward("tcp:host:port")`, fix(argSo("host"), legacyHostFixup), fix(argSo("port"), legacyPortFixup)),
		rename("forward_tls", `forward("tls:host:port")`, fix(argSo("host"), legacyHostFixup), fix(argSo("port"), legacyPortFixup)),
		rename("send_tcp", `send("tcp:host:port")`, argS("host"), argSo("port")),
		{Name: "add_rport", Routes: all, Returns: "1", Legacy: "force_rport()"},
		{Name: "force_local_rport", Routes: all, Returns: "1", Legacy: "add_local_rport()"},
		rename("add_tcp_alias", "force_tcp_alias()", argIo("port")),
		rename("error", "remove it: error() never did anything", argS("code"), argS("message")),
		{Name: "setdebug", Routes: all, Returns: "1", Legacy: "$log_level = N", Args: []api.Arg{argIo("level")}},
	}
}

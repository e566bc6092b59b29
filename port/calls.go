package port

import (
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/ast"
	"gosips/lang/diag"
)

// funcRenames are functions renamed without a change of arguments (K1–K7,
// K16, X10).
var funcRenames = map[string]string{
	"rewritehost": "sethost", "seth": "sethost",
	"rewritehostport": "sethostport", "sethp": "sethostport",
	"rewriteuser": "setuser", "setu": "setuser",
	"rewriteuserpass": "setuserpass", "setup": "setuserpass",
	"rewriteport": "setport", "setp": "setport",
	"rewriteuri": "seturi",
	"setduri":    "setdsturi", "resetduri": "resetdsturi", "isduriset": "isdsturiset",
	"add_rport": "force_rport", "force_local_rport": "add_local_rport", "add_tcp_alias": "force_tcp_alias",
	"setbranchflag": "setbflag", "resetbranchflag": "resetbflag", "isbranchflagset": "isbflagset",
	"registered": "is_registered", "t_on_negative": "t_on_failure",
}

// branchRenames are the 3.6 renames of the branch functions (K14).
var branchRenames = map[string]string{
	"append_branch": "append_msg_branch", "remove_branch": "remove_msg_branch",
	"move_branch": "move_msg_branch", "swap_branches": "swap_msg_branches",
}

// logLevels maps the old log(level, ...) numbers to xlog levels (K9).
var logLevels = map[int64]string{
	-3: "L_ALERT", -2: "L_CRIT", -1: "L_ERR", 1: "L_WARN", 2: "L_NOTICE", 3: "L_INFO", 4: "L_DBG",
}

// call rewrites one function call; stmt is set for a call statement.
func (w *walker) call(c *ast.Call, stmt bool) {
	ps := w.ps
	if c == nil || !ps.mine(c.At) {
		return
	}
	nameEnd := c.At.Offset + len(c.Name)
	if string(ps.src[c.At.Offset:nameEnd]) != c.Name {
		return
	}
	args := givenArgs(c)
	rename := func(to string) { ps.es.replace(c.At.Offset, nameEnd, to) }
	t := ps.p.opts.Target
	if w.legacyCall(c, args) {
		return
	}
	switch {
	case c.Name == "log":
		w.logCall(c, args)
		return
	case c.Name == "xlog" && len(args) == 1 && ps.p.legacyIn && t.atLeast(4):
		// K10: 1-argument xlog logged at L_ERR until 3.3.
		ps.es.insert(args[0].Start().Offset, `"L_ERR", `)
		return
	case funcRenames[c.Name] != "":
		rename(funcRenames[c.Name])
	case branchRenames[c.Name] != "" && t.atLeast(6):
		rename(branchRenames[c.Name])
		if c.Name == "append_branch" && len(args) == 0 {
			ps.es.replace(nameEnd, c.End.Offset, "($ru)")
			ps.note(c.At, "K14", "append_branch() became append_msg_branch($ru): check that $du and the flags of the branch are still right")
		}
	case scriptFlagFuncs[c.Name] != "" && len(args) == 1:
		// K15: script flags became message flags.
		rename(scriptFlagFuncs[c.Name])
		if n, ok := intArg(args[0]); ok {
			ps.es.replace(args[0].Start().Offset, exprEnd(ps.src, args[0]), strconv.Quote("SF_"+strconv.FormatInt(n, 10)))
		}
		return
	case c.Name == "len_gt" && len(args) == 1 && !stmt:
		if n, ok := intArg(args[0]); ok { // C15
			ps.es.replace(c.At.Offset, c.End.Offset, "$ml > "+strconv.FormatInt(n, 10))
		} else if isWord(args[0], "max_len") {
			ps.es.replace(c.At.Offset, c.End.Offset, "$ml > "+maxLen)
		}
		return
	case strings.HasPrefix(c.Name, "t_relay_to_") && len(args) >= 1:
		w.relayTo(c, args, strings.TrimPrefix(c.Name, "t_relay_to_"))
		return
	case strings.HasPrefix(c.Name, "forward_") && len(args) >= 1:
		w.forwardTo(c, args, strings.TrimPrefix(c.Name, "forward_"))
		return
	case c.Name == "forward" && len(args) == 2 && isWord(args[0], "uri:host") && isWord(args[1], "uri:port"):
		ps.es.replace(nameEnd, c.End.Offset, "()") // K12
		return
	case (c.Name == "www_challenge" || c.Name == "proxy_challenge") && len(c.Args) == 2:
		if w.challenge(c) {
			return
		}
	case (c.Name == "uac_replace_from" || c.Name == "uac_replace_to") && len(c.Args) == 1 && c.Args[0] != nil:
		ps.es.insert(c.Args[0].Start().Offset, ", ") // X28
		return
	case natFlagNames[c.Name] != nil && len(args) >= 1 && t.atLeast(4):
		if w.natFlags(c, args[0]) {
			return
		}
	case c.Name == "sl_send_reply" && w.r.Kind == ast.RouteFailure:
		rename("t_reply") // X29d
	}
	if stmt && w.removable(c) {
		return
	}
	w.lookupFlags(c, args)
	if w.fixupHint(c, args) {
		return
	}
	w.args(c)
}

// removable drops a call statement whose fixup says it does nothing in
// 3.x (t_on_failure("0") disarming route 0).
func (w *walker) removable(c *ast.Call) bool {
	ps := w.ps
	for _, d := range ps.diagsAt(c.At.Offset) {
		if d.Code == diag.CodeLegacy && cleanHint(d.Hint) == "remove the call" {
			ps.es.deleteItem(c.At.Offset, c.End.Offset)
			ps.note(c.At, "L9", "removed %s: %s", exprText(ps.src, c), strings.TrimPrefix(d.Msg, c.Name+"(): "))
			return true
		}
	}
	return false
}

// logCall turns log([level,] msg) into xlog(level, msg) (K8, K9).
func (w *walker) logCall(c *ast.Call, args []ast.Expr) {
	ps := w.ps
	var level string
	var msg ast.Expr
	switch len(args) {
	case 1:
		level, msg = "L_DBG", args[0]
	case 2:
		n, ok := intArg(args[0])
		if !ok {
			return
		}
		if n > 4 {
			n = 4
		}
		if level, ok = logLevels[n]; !ok {
			ps.manual(c.At, "K9", "log() level %d has no xlog level", n)
			return
		}
		msg = args[1]
	default:
		return
	}
	text := exprText(ps.src, msg)
	if s, ok := msg.(*ast.StrLit); ok && strings.Contains(s.Value, "$") {
		// log() printed "$" literally; xlog() reads it as a variable.
		text = strings.ReplaceAll(text, "$", "$$")
	}
	ps.es.replace(c.At.Offset, c.End.Offset, `xlog("`+level+`", `+text+`)`)
}

// relayTo turns t_relay_to_udp("h", "p") into t_relay(, "udp:h:p") (X4).
func (w *walker) relayTo(c *ast.Call, args []ast.Expr, proto string) {
	dst, ok := hostPort(proto, args)
	if !ok {
		return
	}
	w.ps.es.replace(c.At.Offset, c.End.Offset, `t_relay(, "`+dst+`")`)
}

// forwardTo turns forward_udp("h", "p") into forward("udp:h:p") (K13).
func (w *walker) forwardTo(c *ast.Call, args []ast.Expr, proto string) {
	dst, ok := hostPort(proto, args)
	if !ok {
		return
	}
	w.ps.es.replace(c.At.Offset, c.End.Offset, `forward("`+dst+`")`)
}

// hostPort builds "proto:host[:port]" from literal or variable arguments.
func hostPort(proto string, args []ast.Expr) (string, bool) {
	parts := []string{proto}
	for _, a := range args {
		switch a := a.(type) {
		case *ast.StrLit:
			parts = append(parts, a.Value)
		case *ast.IntLit:
			parts = append(parts, a.Raw)
		case *ast.PV:
			parts = append(parts, a.Raw)
		case *ast.Ident:
			parts = append(parts, a.Name)
		case *ast.IPLit:
			parts = append(parts, a.Raw)
		default:
			return "", false
		}
	}
	if len(parts) > 3 || strings.ContainsAny(strings.Join(parts, ""), `"`) {
		return "", false
	}
	return strings.Join(parts, ":"), true
}

// natFlagNames are the names nathelper gave the bits of its old numeric
// flags in 3.4 (X30), by bit.
var natFlagNames = map[string][]string{
	"nat_uac_test": {"private-contact", "diff-ip-src-via", "private-via", "private-sdp",
		"diff-port-src-via", "diff-ip-src-contact", "diff-port-src-contact", "carrier-grade-nat"},
	"fix_nated_sdp": {"add-dir-active", "rewrite-media-ip", "add-no-rtpproxy", "rewrite-origin-ip", "rewrite-null-ips"},
}

// natFlags turns the bit mask of nat_uac_test() / fix_nated_sdp() into the
// flag names OpenSIPS 3.4 requires (it refuses numbers).
func (w *walker) natFlags(c *ast.Call, a ast.Expr) bool {
	n, ok := intArg(a)
	names := natFlagNames[c.Name]
	if !ok || n <= 0 || n >= 1<<len(names) {
		return false
	}
	var set []string
	for i, name := range names {
		if n&(1<<i) != 0 {
			set = append(set, name)
		}
	}
	w.ps.es.replace(a.Start().Offset, exprEnd(w.ps.src, a), strconv.Quote(strings.Join(set, ",")))
	w.ps.note(c.At, "X30", "%s(%d): the flags are named since 3.4", c.Name, n)
	return true
}

// challenge rewrites the qop argument of www/proxy_challenge (X12).
func (w *walker) challenge(c *ast.Call) bool {
	ps := w.ps
	a0, a1 := c.Args[0], c.Args[1]
	if a0 == nil || a1 == nil {
		return false
	}
	n, ok := intArg(a1)
	if !ok || (n != 0 && n != 1) {
		return false
	}
	t := ps.p.opts.Target
	switch {
	case !t.atLeast(1):
		ps.es.replace(a1.Start().Offset, exprEnd(ps.src, a1), strconv.FormatInt(n, 10))
	case n == 0:
		ps.es.delete(exprEnd(ps.src, a0), exprEnd(ps.src, a1))
	default:
		ps.es.replace(a1.Start().Offset, exprEnd(ps.src, a1), `"auth"`)
	}
	return true
}

// args coerces literal arguments to the declared types (§3.10, FL1–FL3).
func (w *walker) args(c *ast.Call) {
	ps := w.ps
	info := ps.script.Calls[c]
	if info == nil || info.Fn == nil || info.Module == nil || info.Module.Info.Core && (c.Name == "xlog" || c.Name == "log") {
		return
	}
	kind, isFlag := flagFuncs[c.Name]
	for i, a := range c.Args {
		if a == nil || i >= len(info.Fn.Args) || !ps.mine(a.Start()) {
			continue
		}
		start, end := a.Start().Offset, exprEnd(ps.src, a)
		if end < start {
			continue
		}
		if i == 0 && isFlag {
			switch v := a.(type) {
			case *ast.IntLit:
				ps.es.replace(start, end, strconv.Quote(ps.p.flagNames.name(kind, v.Value)))
			case *ast.StrLit:
				if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
					ps.es.replace(start, end, strconv.Quote(ps.p.flagNames.name(kind, n)))
				}
			case *ast.Ident:
				ps.es.replace(start, end, strconv.Quote(v.Name)) // FL2
			}
			continue
		}
		spec := info.Fn.Args[i]
		switch spec.Type {
		case api.ArgInt:
			if s, ok := a.(*ast.StrLit); ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(s.Value), 0, 64); err == nil {
					ps.es.replace(start, end, strconv.FormatInt(n, 10))
				} else if isPV(s.Value) {
					ps.es.replace(start, end, s.Value)
				}
			}
		case api.ArgStr, api.ArgRegex:
			switch v := a.(type) {
			case *ast.IntLit:
				ps.es.replace(start, end, strconv.Quote(v.Raw))
			case *ast.Ident:
				ps.es.replace(start, end, strconv.Quote(v.Name))
			case *ast.IPLit:
				ps.es.replace(start, end, strconv.Quote(v.Raw))
			}
		case api.ArgVar:
			if s, ok := a.(*ast.StrLit); ok && isPV(s.Value) {
				ps.es.replace(start, end, s.Value)
			}
		}
	}
}

// givenArgs returns the arguments of c, without the empty list of f().
func givenArgs(c *ast.Call) []ast.Expr {
	if len(c.Args) == 1 && c.Args[0] == nil {
		return nil
	}
	return c.Args
}

// intArg reads an integer literal, quoted or not.
func intArg(e ast.Expr) (int64, bool) {
	switch v := e.(type) {
	case *ast.IntLit:
		return v.Value, true
	case *ast.StrLit:
		n, err := strconv.ParseInt(strings.TrimSpace(v.Value), 0, 64)
		return n, err == nil
	case *ast.Unary:
		if v.Op == "-" {
			n, ok := intArg(v.X)
			return -n, ok
		}
	}
	return 0, false
}

// isWord reports whether e is the bare word or string w.
func isWord(e ast.Expr, w string) bool {
	switch v := e.(type) {
	case *ast.Ident:
		return strings.EqualFold(v.Name, w)
	case *ast.StrLit:
		return strings.EqualFold(v.Value, w)
	}
	return false
}

// isPV reports whether s is exactly one variable ("$var(x)", "$ru").
func isPV(s string) bool {
	if !strings.HasPrefix(s, "$") || strings.HasPrefix(s, "$$") || strings.ContainsAny(s, " \t\"") {
		return false
	}
	depth := 0
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(s)-1 {
				return false
			}
		case '$':
			if depth == 0 {
				return false
			}
		}
	}
	return depth == 0
}

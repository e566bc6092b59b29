package port

import (
	"strconv"
	"strings"

	"gosips/lang/ast"
)

// Global renames that keep the value (G7, G8, G17, G18; G6 from 3.4).
var globalRenames = map[string]struct {
	to    string
	since int // first 3.x minor release of the new name
}{
	"children":           {"udp_workers", 0},
	"tcp_children":       {"tcp_workers", 0},
	"xlog_default_level": {"xlog_print_level", 0},
	"tcp_listen_backlog": {"tcp_socket_backlog", 3},
	"log_facility":       {"syslog_facility", 4},
	"log_name":           {"syslog_name", 4},
}

// globals rewrites the global parameters (§3.2).
func globals(ps *pass) {
	var port, level *ast.GlobalParam
	listens := 0
	have := map[string]bool{}
	for _, it := range ps.f.Items {
		if g, ok := it.(*ast.GlobalParam); ok {
			have[g.Name] = true
			switch g.Name {
			case "debug", "log_level":
				if level == nil && ps.mine(g.At) {
					level = g
				}
			case "port":
				port = g
			case "listen", "socket":
				listens++
			}
		}
	}
	xlogLevel(ps, have, level)
	t := ps.p.opts.Target
	for _, it := range ps.f.Items {
		g, ok := it.(*ast.GlobalParam)
		if !ok || !ps.mine(g.At) || g.Value == nil {
			continue
		}
		nameEnd := g.At.Offset + len(g.Name)
		if nameEnd > len(ps.src) || string(ps.src[g.At.Offset:nameEnd]) != g.Name {
			continue
		}
		rename := func(to string) { ps.es.replace(g.At.Offset, nameEnd, to) }
		v := g.Value
		raw := string(ps.src[v.At.Offset:v.End.Offset])
		if r, ok := globalRenames[g.Name]; ok {
			if t.atLeast(r.since) {
				rename(r.to)
			}
			continue
		}
		switch g.Name {
		case "debug": // G1
			rename("log_level")
			if v.Kind == ast.ValInt && v.Int > 4 {
				ps.es.replace(v.At.Offset, v.End.Offset, "4")
			}
		case "fork": // G2, G3
			ps.es.deleteItem(g.At.Offset, v.End.Offset)
			if v.Kind == ast.ValInt && v.Int == 0 {
				ps.note(g.At, "G2", "removed fork=no: run gosips in the foreground (it does not fork)")
			}
		case "log_stderror": // G4, G5
			if !t.atLeast(4) {
				continue
			}
			rename("stderror_enabled")
			if !have["syslog_enabled"] {
				ps.es.insertLineAfter(g.At.Offset, "syslog_enabled="+opposite(raw))
			}
		case "disable_tcp": // G12
			ps.es.deleteItem(g.At.Offset, v.End.Offset)
		case "avp_aliases": // G16
			ps.es.deleteItem(g.At.Offset, v.End.Offset)
			ps.note(g.At, "G16", "removed avp_aliases: the aliased AVPs are now named by their alias")
		case "fifo", "fifo_mode": // G15
			ps.es.deleteItem(g.At.Offset, v.End.Offset)
			param, val := "fifo_name", raw
			if g.Name == "fifo_mode" {
				param = "fifo_mode"
			} else if v.Kind != ast.ValString {
				val = strconv.Quote(v.Str)
			}
			ps.addModparam("mi_fifo", `modparam("mi_fifo", "`+param+`", `+val+`)`)
		case "port": // G9
			if listens == 0 {
				ps.es.replace(g.At.Offset, v.End.Offset, "socket=udp:*:"+raw)
				ps.note(g.At, "G9", "port= without listen=: wrote a UDP socket on all addresses")
			} else {
				ps.es.deleteItem(g.At.Offset, v.End.Offset)
			}
		case "listen", "socket": // G9, G10, G11
			ps.socket(g, port)
		}
	}
}

// socket rewrites one listen=/socket= line.
func (ps *pass) socket(g *ast.GlobalParam, port *ast.GlobalParam) {
	v := g.Value
	if v.Kind != ast.ValSocket || v.Socket == nil {
		return
	}
	if g.Name == "listen" && ps.p.opts.Target.atLeast(1) {
		ps.es.replace(g.At.Offset, g.At.Offset+len("listen"), "socket")
	}
	raw := string(ps.src[v.At.Offset:v.End.Offset])
	head, tail := raw, ""
	if i := strings.IndexAny(raw, " \t"); i >= 0 {
		head, tail = raw[:i], raw[i:]
	}
	newHead := head
	if v.Socket.Proto == "" {
		newHead = "udp:" + newHead
		ps.note(v.At, "G9", "listen without a protocol: wrote a UDP socket (add socket=tcp:... if TCP was used)")
	}
	if v.Socket.Port == "" && port != nil && port.Value != nil {
		newHead += ":" + strings.TrimSpace(string(ps.src[port.Value.At.Offset:port.Value.End.Offset]))
	}
	newTail := strings.ReplaceAll(tail, "use_children", "use_workers") // G11
	if newHead+newTail != raw {
		ps.es.replace(v.At.Offset, v.End.Offset, newHead+newTail)
	}
}

// opposite returns the boolean value opposite to raw, in the same style.
func opposite(raw string) string {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "yes":
		return "no"
	case "no":
		return "yes"
	case "on":
		return "off"
	case "off":
		return "on"
	case "true":
		return "false"
	case "false":
		return "true"
	case "0":
		return "1"
	}
	return "0"
}

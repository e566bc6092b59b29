package pi_http

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gosips/db"
)

// The page markup. The tables, forms and field names are those of
// OpenSIPS' pages, so that scripts driving the interface work with both;
// the head and the foot are gosips' own.
const (
	headHTML = "<html><head><title>gosips Provisioning Interface</title>" +
		"<meta http-equiv=\"Expires\" content=\"0\"><meta http-equiv=\"Pragma\" content=\"no-cache\">" +
		"<style type=\"text/css\">body{margin:0;font-family:sans-serif;font-size:14px;}" +
		"table.center{margin-left:auto;margin-right:auto;}.foot{padding-top:40px;font-size:10px;}</style>" +
		"</head>\n<body>" +
		"<table cellspacing=\"0\" cellpadding=\"5\" width=\"100%\" border=\"0\"><tr><td align=\"center\">" +
		"<h2>gosips Provisioning Interface</h2></td></tr></table>\n<center>\n"
	footHTML = "\n</center>\n<div align=\"center\" class=\"foot\">gosips</div></body></html>"

	menuOpen    = "<table border=\"0\" cellpadding=\"3\" cellspacing=\"0\"><tbody><tr>\n"
	menuClose   = "</tr></tbody></table>\n"
	cmdTableA   = "<table border=\"0\" cellpadding=\"3\" cellspacing=\"0\" width=\"90%\"><tbody>\n"
	cmdTableB   = "<table border=\"1\" cellpadding=\"3\" cellspacing=\"0\" width=\"90%\"><tbody>\n"
	trOpen      = "<tr>\n"
	trClose     = "</tr>\n"
	tdLink      = "\t<td width=\"10%\"><a href='"
	tdLinkEnd   = "</a></td>\n"
	tdBold      = "\t<td align=\"left\"><b>"
	tdBoldEnd   = "</b></td>\n"
	tdForm      = "\t<td valign=\"top\" align=\"left\" rowspan=\"20\">"
	tdPlain     = "\t<td>"
	tdWide      = "\t<td colspan=\"99\">"
	tdTall      = "\t<td rowspan=\"999999\">"
	tdFormEnd   = "\t</td>\n"
	tdEnd       = "</td>\n"
	tableClose  = "</tbody></table>\n"
	nbsp        = "&nbsp;"
	formOpen    = "\n\t\t<form name=\"input\" method=\""
	formOpenEnd = "\">\n\t\t\t<input type=hidden name=cmd value=\"on\">\n"
	formIndent  = "\t\t\t"
	inTable     = "<table border=\"0\" cellpadding=\"3\" cellspacing=\"0\"><tbody>\n"
	inRow       = "\t\t\t<tr><td><b>"
	inText      = "</b></td><td><input type=\"text\" name=\""
	inSelect    = "</b></td><td><select name=\""
	inSelectEnd = "\"/>"
	inOption    = "\n\t\t\t\t<option value=\""
	inOptionMid = "\">"
	inOptionEnd = "</option>"
	inRowEnd    = "</td></tr>\n"
	inHidden    = "\t\t\t<input type=hidden name=\""
	inValue     = "\" value=\""
	inHiddenEnd = "\">\n"
	inTextEnd   = "\"/></td></tr>\n"
	inTableEnd  = "\t\t\t</tbody></table>\n"
	formClose   = "\t\t\t<br/><input type=\"submit\" value=\"Submit\"/>\n\t\t</form>\n"

	// rowSpan is the height of the form cell, in command rows.
	rowSpan = 20

	pageBadURL    = "<html><body>Unable to parse URL!</body></html>"
	pageError     = "<html><body>Internal server error!</body></html>"
	pageBadMethod = "<html><body>Unexpected method (only GET is accepted)!</body></html>"
)

// page builds one answer.
type page struct {
	strings.Builder
	root   string // "/pi/" or "/"
	method string // GET or POST: the forms' method
	fw     *framework
	mod    *provMod
}

// escaper is the escaping of database text shown in a page.
var escaper = strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", `"`, "&quot;", "'", "&#39;")

func escape(s string) string { return escaper.Replace(s) }

func (p *page) link(cmd *command) {
	p.WriteString(p.root + p.mod.name + "/" + cmd.name + "'>" + cmd.name)
}

// header is the page head and the module menu, the current one in bold.
func (p *page) header() {
	p.WriteString(headHTML)
	p.WriteString(menuOpen)
	for _, m := range p.fw.mods {
		if m == p.mod {
			p.WriteString("<td><b><a href='")
		} else {
			p.WriteString("<td><a href='")
		}
		p.WriteString(p.root + m.name + "'>" + m.name)
		if m == p.mod {
			p.WriteString("</a></b><td>\n")
		} else {
			p.WriteString("</a><td>\n")
		}
	}
	p.WriteString(menuClose)
}

// content lists the module's commands; with a command, its form sits
// beside the list (clause and values prefill it for an update).
func (p *page) content(cmd *command, clause *string, values []db.Value) {
	if p.mod == nil {
		p.WriteString(footHTML)
		return
	}
	cmds := p.mod.cmds
	p.WriteString(cmdTableA + trOpen + tdLink)
	p.link(cmds[0])
	p.WriteString(tdLinkEnd)
	if cmd != nil {
		p.WriteString(tdBold + cmd.name + tdBoldEnd)
	}
	p.WriteString(trClose)
	j := 1
	for ; j < len(cmds); j++ {
		p.WriteString(trOpen + tdLink)
		p.link(cmds[j])
		p.WriteString(tdLinkEnd)
		if cmd != nil {
			if j == 1 {
				p.WriteString(tdForm + formOpen + p.method + formOpenEnd)
				p.form(cmd, clause, values)
				p.WriteString(formClose + tdFormEnd)
			} else if j > rowSpan {
				p.WriteString(tdPlain + nbsp + tdEnd)
			}
		}
		p.WriteString(trClose)
	}
	if cmd != nil {
		if j == 1 {
			p.WriteString(trOpen + tdPlain + nbsp + tdEnd + tdForm + formOpen + p.method + formOpenEnd)
			p.form(cmd, clause, values)
			p.WriteString(formClose + tdFormEnd + trClose)
			j++
		}
		for ; j <= rowSpan; j++ {
			p.WriteString(trOpen + tdPlain + nbsp + tdEnd + trClose)
		}
	}
	p.WriteString(tableClose + footHTML)
}

// form is the input of a command: clause fields named 0, 1, ... and
// value fields named a, b, ...; a column with one imposed value is a
// hidden field, with several a select.
func (p *page) form(cmd *command, clause *string, values []db.Value) {
	if len(cmd.clause) > 0 && (cmd.typ == cQuery || cmd.typ == cDelete || cmd.typ == cUpdate) {
		p.WriteString(formIndent + "<br/>Clause:" + inTable)
		for i, c := range cmd.clause {
			name := strconv.Itoa(i)
			switch len(c.vals) {
			case 0:
				p.WriteString(inRow + c.field + " " + string(c.op) + inText + name)
				if i == 0 && clause != nil {
					p.WriteString(inValue + *clause)
				}
				p.WriteString(inTextEnd)
			case 1:
				p.WriteString(inHidden + name + inValue + c.vals[0] + inHiddenEnd)
			default:
				p.WriteString(inRow + c.field + " " + string(c.op) + inSelect + name + inSelectEnd)
				p.options(c)
				p.WriteString(inRowEnd)
			}
		}
		p.WriteString(inTableEnd)
	}
	if len(cmd.query) > 0 && (cmd.typ == cInsert || cmd.typ == cUpdate || cmd.typ == cReplace) {
		p.WriteString(formIndent + "<br/>Values:" + inTable)
		for i, c := range cmd.query {
			name := string(rune('a' + i))
			switch len(c.vals) {
			case 0:
				p.WriteString(inRow + c.field + inText + name)
				if values != nil {
					p.WriteString(inValue)
					if c.typ.isString() {
						p.WriteString(escape(values[i].Str()))
					} else {
						p.WriteString(formatValue(c.typ, values[i]))
					}
				}
				p.WriteString(inTextEnd)
			case 1:
				p.WriteString(inHidden + name + inValue + c.vals[0] + inHiddenEnd)
			default:
				p.WriteString(inRow + c.field + inSelect + name + inSelectEnd)
				p.options(c)
				p.WriteString(inRowEnd)
			}
		}
		p.WriteString(inTableEnd)
	}
}

func (p *page) options(c colSpec) {
	for k := range c.vals {
		p.WriteString(inOption + c.vals[k] + inOptionMid + c.ids[k] + inOptionEnd)
	}
}

// replyHead opens the answer of a command: its name (a link back to its
// form) and the cell the result goes in.
func (p *page) replyHead(cmd *command) {
	p.WriteString(cmdTableB + trOpen + tdLink)
	p.link(cmd)
	p.WriteString(tdLinkEnd + tdWide + cmd.name + tdEnd + trClose + trOpen + tdTall + nbsp + tdEnd + tdPlain)
}

// replyFoot closes the answer.
func (p *page) replyFoot() { p.WriteString(trClose + tableClose + footHTML) }

// message answers a command with one line of text.
func (p *page) message(cmd *command, format string, args ...any) {
	p.replyHead(cmd)
	fmt.Fprintf(p, format, args...)
	p.WriteString(tdEnd)
	p.replyFoot()
}

// formatValue renders a non-string database value as OpenSIPS' db_*2str
// do: integers in decimal, doubles "%-10.2f", times in local time.
func formatValue(t colType, v db.Value) string {
	switch t {
	case tInt, tBitmap:
		return strconv.FormatInt(int64(int32(v.Int64())), 10)
	case tBigInt:
		return strconv.FormatInt(v.Int64(), 10)
	case tDouble:
		return fmt.Sprintf("%-10.2f", v.Float64())
	case tDateTime:
		if v.Null {
			return time.Unix(0, 0).Format("2006-01-02 15:04:05")
		}
		if v.Type == db.String || v.Type == db.Blob {
			if tm, ok := parseTime(v.Str()); ok {
				return tm.Format("2006-01-02 15:04:05")
			}
			return v.Str()
		}
		return time.Unix(v.I, 0).Format("2006-01-02 15:04:05")
	}
	return v.Str()
}

// parseTime reads "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" in local time.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

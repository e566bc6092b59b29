package sipmsgops

import (
	"path"
	"regexp"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// appendHF is append_hf(text[, anchor]): after the last header, or after
// the first header named anchor.
func appendHF(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	text, _ := args[0].(string)
	if m == nil || text == "" {
		return api.RetFalse
	}
	text = withCRLF(text)
	if args[1] == nil {
		m.AppendRaw(text)
		return api.RetTrue
	}
	return ret(m.InsertRawAfter(hdrArg(args[1]), text))
}

// insertHF is insert_hf(text[, anchor]): before the first header, or
// before the first header named anchor.
func insertHF(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	text, _ := args[0].(string)
	if m == nil || text == "" {
		return api.RetFalse
	}
	text = withCRLF(text)
	if args[1] == nil {
		m.InsertRaw(text)
		return api.RetTrue
	}
	return ret(m.InsertRawBefore(hdrArg(args[1]), text))
}

// appendURIHF is append_urihf(prefix, suffix): a header made of prefix,
// the current R-URI and suffix.
func appendURIHF(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil || !m.IsRequest() {
		return api.RetFalse
	}
	prefix, _ := args[0].(string)
	suffix, _ := args[1].(string)
	m.AppendRaw(withCRLF(prefix + m.RURI() + suffix))
	return api.RetTrue
}

// removeHF is remove_hf(name): every header of that name.
func removeHF(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	return ret(m.RemoveHeader(hdrArg(args[0])) > 0)
}

// removeMatching removes the headers whose name satisfies match.
func removeMatching(m *sip.Msg, match func(name string) bool) int {
	n := 0
	for i, cnt := 0, m.HeaderCount(); i < cnt; i++ {
		if h := m.Field(i); match(h.Name) {
			m.RemoveField(h)
			n++
		}
	}
	return n
}

// removeHFRe is remove_hf_re(regex), matched against header names.
func removeHFRe(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	re, _ := args[0].(*regexp.Regexp)
	if m == nil || re == nil {
		return api.RetFalse
	}
	return ret(removeMatching(m, re.MatchString) > 0)
}

// removeHFGlob is remove_hf_glob(pattern), a shell pattern matched
// against header names without regard to case.
func removeHFGlob(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	pat, _ := args[0].(string)
	if m == nil || pat == "" {
		return api.RetFalse
	}
	pat = strings.ToLower(pat)
	return ret(removeMatching(m, func(name string) bool { return globMatch(pat, name) }) > 0)
}

// globMatch matches a lower-case shell pattern against name.
func globMatch(pat, name string) bool {
	ok, err := path.Match(pat, strings.ToLower(name))
	return err == nil && ok
}

// isPresentHF is is_present_hf(name).
func isPresentHF(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	n := hdrArg(args[0])
	_, ok := m.HeaderOf(sip.LookupHdr(n), n)
	return ret(ok)
}

// appendTime is append_time(): a Date header with the current GMT time.
func appendTime(c *api.Ctx, _ []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	m.AppendHeader("Date", time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	return api.RetTrue
}

// appendToReply is append_to_reply(text): header text for every local
// reply to this request.
func appendToReply(c *api.Ctx, args []any) api.Ret {
	text, _ := args[0].(string)
	if text == "" {
		return api.RetFalse
	}
	c.ReplyHeaders += withCRLF(text)
	return api.RetTrue
}

// appendBodyToReply is append_body_to_reply(text).
func appendBodyToReply(c *api.Ctx, args []any) api.Ret {
	text, _ := args[0].(string)
	if text == "" {
		return api.RetFalse
	}
	c.ReplyBody += text
	return api.RetTrue
}

// listHdrValues calls fn for every comma-separated option of the headers
// named name, with its span in the message text.
func eachOption(m *sip.Msg, name string, fn func(h sip.HeaderField, opt string, start, end int) bool) {
	m.EachHeader(sip.LookupHdr(name), name, func(h sip.HeaderField) bool {
		v := h.Value
		start := 0
		for i := 0; i <= len(v); i++ {
			if i < len(v) && v[i] != ',' {
				continue
			}
			a, b := start, i
			for a < b && (v[a] == ' ' || v[a] == '\t') {
				a++
			}
			for b > a && (v[b-1] == ' ' || v[b-1] == '\t') {
				b--
			}
			if a < b && !fn(h, v[a:b], h.VStart+a, h.VStart+b) {
				return false
			}
			start = i + 1
		}
		return true
	})
}

// listHdrHasOption is list_hdr_has_option(header, option).
func listHdrHasOption(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	opt, _ := args[1].(string)
	if m == nil || opt == "" {
		return api.RetFalse
	}
	found := false
	eachOption(m, hdrArg(args[0]), func(_ sip.HeaderField, o string, _, _ int) bool {
		found = strings.EqualFold(o, opt)
		return !found
	})
	return ret(found)
}

// listHdrAddOption is list_hdr_add_option(header, option): appended to
// the first header of that name, or a new header.
func listHdrAddOption(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	opt, _ := args[1].(string)
	name := hdrArg(args[0])
	if m == nil || opt == "" || name == "" {
		return api.RetFalse
	}
	h, ok := m.FieldOf(sip.LookupHdr(name), name)
	if !ok {
		m.AppendHeader(name, opt)
		return api.RetTrue
	}
	if strings.TrimSpace(h.Value) == "" {
		m.SetHeaderValue(h, opt)
	} else {
		_ = m.ReplaceRange(h.VEnd, h.VEnd, ", "+opt)
	}
	return api.RetTrue
}

// listHdrRemoveOption is list_hdr_remove_option(header, option); a header
// left empty is removed.
func listHdrRemoveOption(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	opt, _ := args[1].(string)
	if m == nil || opt == "" {
		return api.RetFalse
	}
	removed := false
	m.EachHeader(sip.LookupHdr(hdrArg(args[0])), hdrArg(args[0]), func(h sip.HeaderField) bool {
		var keep []string
		drop := false
		for _, o := range strings.Split(h.Value, ",") {
			if o = strings.TrimSpace(o); o == "" {
				continue
			}
			if strings.EqualFold(o, opt) {
				drop = true
				continue
			}
			keep = append(keep, o)
		}
		if !drop {
			return true
		}
		removed = true
		if len(keep) == 0 {
			m.RemoveField(h)
		} else {
			m.SetHeaderValue(h, strings.Join(keep, ", "))
		}
		return true
	})
	return ret(removed)
}

// getGlobHeadersValues is get_glob_headers_values(glob, names, values):
// the names and values of the matching headers pushed onto two AVPs.
func getGlobHeadersValues(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	pat, _ := args[0].(string)
	names, _ := args[1].(api.PVRef)
	vals, _ := args[2].(api.PVRef)
	if m == nil || pat == "" || names == nil || vals == nil {
		return api.RetFalse
	}
	pat = strings.ToLower(pat)
	n := 0
	for i, cnt := 0, m.HeaderCount(); i < cnt; i++ {
		h := m.Field(i)
		if !globMatch(pat, h.Name) {
			continue
		}
		if names.Set(c, api.StrValue(h.Name)) != nil || vals.Set(c, api.StrValue(h.Value)) != nil {
			return api.RetFalse
		}
		n++
	}
	return ret(n > 0)
}

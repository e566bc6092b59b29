package nathelper

import (
	"errors"
	"fmt"
	"net/netip"

	"gosips/api"
	"gosips/internal/sdp"
)

// SDPFixOptions are the inputs of FixSDP.
type SDPFixOptions struct {
	Flags      uint32
	IP         string // replacement address (the source address by default)
	Extra      string // sdp_fields: text appended as is
	NoRTPProxy string // nortpproxy_str
	SkipOldC   bool   // oldip_skip "c"
	SkipOldO   bool   // oldip_skip "o"
}

// FixSDP applies fix_nated_sdp to an SDP body and returns the new body.
// On error the body must be left untouched by the caller.
func FixSDP(body string, o SDPFixOptions) (string, error) {
	s, err := sdp.Parse(body)
	if err != nil {
		return "", err
	}
	var edits []sdp.Edit
	end := sdp.TrimEnd(body)
	appendLine := func(text string) { edits = append(edits, sdp.Edit{Start: end, End: end, Text: "\r\n" + text}) }
	if o.Flags&sdpAddDirection != 0 {
		appendLine("a=direction:active")
	}
	if o.Flags&sdpAddNoRTPProxy != 0 && o.NoRTPProxy != "" {
		appendLine(trimCRLF(o.NoRTPProxy))
	}
	if o.Flags&(sdpAddDirection|sdpAddNoRTPProxy) != 0 && o.Extra != "" {
		edits = append(edits, sdp.Edit{Start: end, End: end, Text: o.Extra})
	}
	newIP, err := netip.ParseAddr(o.IP)
	if err != nil {
		return "", fmt.Errorf("bad address %q", o.IP)
	}
	force := o.Flags&sdpForceNull != 0
	replace := func(addrs []*sdp.Addr, what string, skipOld bool) error {
		if len(addrs) == 0 {
			return fmt.Errorf("can't extract '%s=' IP from the SDP", what)
		}
		for _, a := range addrs {
			if a.Family != "IP4" {
				return fmt.Errorf("not an IPv4 address in '%s=' SDP", what)
			}
			old, err := netip.ParseAddr(a.Value)
			if err != nil {
				return fmt.Errorf("bad address %q in '%s=' SDP", a.Value, what)
			}
			if old.IsUnspecified() && !force && newIP.Is4() {
				continue
			}
			if old == newIP {
				continue
			}
			if !skipOld {
				appendLine("a=old" + what + "ip:" + a.Value)
			}
			if newIP.Is4() {
				edits = append(edits, sdp.Edit{Start: a.Start, End: a.End, Text: newIP.String()})
			} else {
				edits = append(edits, sdp.Edit{Start: a.FamStart, End: a.End, Text: "IP6 " + newIP.String()})
			}
		}
		return nil
	}
	if o.Flags&sdpFixOriginIP != 0 {
		var addrs []*sdp.Addr
		if s.Origin != nil {
			addrs = append(addrs, s.Origin)
		}
		if err := replace(addrs, "o", o.SkipOldO); err != nil {
			return "", err
		}
	}
	if o.Flags&sdpFixMediaIP != 0 {
		if err := replace(s.Conns(), "c", o.SkipOldC); err != nil {
			return "", err
		}
	}
	return sdp.Apply(body, edits), nil
}

func trimCRLF(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

var errNoBody = errors.New("no SDP body")

func (m *Module) fixNATedSDP(c *api.Ctx, args []any) api.Ret {
	flags, ok := argFlags(c, args[0], sdpFlagNames)
	if !ok || c.Msg == nil {
		return api.RetFalse
	}
	msg := c.Msg
	body := msg.Body()
	if body == "" {
		c.Log.Error("fix_nated_sdp: unable to get the body", "err", errNoBody)
		return api.RetFalse
	}
	if !isSDP(msg) {
		return api.RetTrue // no SDP part: nothing to do
	}
	o := SDPFixOptions{Flags: flags, NoRTPProxy: m.NoRTPProxyStr, SkipOldC: m.skipOldC, SkipOldO: m.skipOldO}
	if ip, _ := args[1].(string); ip != "" {
		o.IP = ip
	} else if src, _, ok := srcInfo(msg); ok {
		o.IP = src.Addr().Unmap().String()
	}
	o.Extra, _ = args[2].(string)
	nb, err := FixSDP(body, o)
	if err != nil {
		c.Log.Error("fix_nated_sdp: SDP left unchanged", "err", err)
		return api.RetFalse
	}
	if nb != body {
		msg.SetBody(nb, "")
	}
	return api.RetTrue
}

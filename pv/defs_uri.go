package pv

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

// uriPart selects a part of a SIP URI.
type uriPart uint8

const (
	partAll uriPart = iota
	partUser
	partHost
	partPort
	partProto
)

// uriSource reads the URI a PV family works on ($ru, $ou, $du).
type uriSource func(c *api.Ctx) string

func curRURI(c *api.Ctx) string {
	if m := reqOf(c); m != nil {
		return m.RURI()
	}
	return ""
}

func origRURI(c *api.Ctx) string {
	if m := reqOf(c); m != nil {
		return m.OrigRURI()
	}
	return ""
}

func dstURI(c *api.Ctx) string {
	if c == nil {
		return ""
	}
	return c.DstURI
}

// getURIPart reads one part of the URI from src. A missing user or host is
// NULL; a missing port is the transport's default and a missing transport
// "udp" ("tls" for sips), as OpenSIPS reports them.
func getURIPart(src uriSource, part uriPart) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		raw := src(c)
		if raw == "" {
			return api.Null, nil
		}
		if part == partAll {
			return api.StrValue(raw), nil
		}
		u, err := sip.ParseURI(raw)
		if err != nil {
			return api.Null, nil
		}
		return uriPartValue(&u, part), nil
	}
}

func uriPartValue(u *sip.URI, part uriPart) api.Value {
	switch part {
	case partUser:
		return strOrNull(u.User)
	case partHost:
		return strOrNull(u.Host)
	case partPort:
		if u.PortStr != "" {
			return intText(int64(u.Port), u.PortStr)
		}
		if secureURI(u) {
			return intVal(5061)
		}
		return intVal(5060)
	case partProto:
		if t, ok := u.Param("transport"); ok && t != "" {
			return intText(int64(sip.ParseProto(t)), t)
		}
		if u.IsSecure() {
			return intText(int64(sip.ProtoTLS), "tls")
		}
		return intText(int64(sip.ProtoUDP), "udp")
	}
	return api.Null
}

// secureURI reports whether the default port of u is 5061.
func secureURI(u *sip.URI) bool {
	if u.IsSecure() {
		return true
	}
	p := sip.ParseProto(u.Transport())
	return p == sip.ProtoTLS || p == sip.ProtoWSS
}

// setRURI implements "$ru = v".
func setRURI(c *api.Ctx, s *Spec, v api.Value) error {
	m := reqOf(c)
	if m == nil {
		return errf(s, "no request to rewrite")
	}
	if v.IsNull() {
		return errf(s, "cannot set the request URI to null")
	}
	uri, err := valueStr(s, v)
	if err != nil {
		return err
	}
	if _, err := sip.ParseURI(uri); err != nil {
		return errf(s, "invalid URI "+quote(uri)+": "+err.Error())
	}
	m.SetRURI(uri)
	return nil
}

// setRURIPart rewrites the user, host or port of the request URI.
func setRURIPart(part uriPart) func(*api.Ctx, *Spec, api.Value) error {
	return func(c *api.Ctx, s *Spec, v api.Value) error {
		m := reqOf(c)
		if m == nil {
			return errf(s, "no request to rewrite")
		}
		out, err := rewriteURI(s, m.RURI(), part, v)
		if err != nil {
			return err
		}
		m.SetRURI(out)
		return nil
	}
}

// rewriteURI returns raw with one part replaced by v (NULL removes the
// user or the port).
func rewriteURI(s *Spec, raw string, part uriPart, v api.Value) (string, error) {
	u, err := sip.ParseURI(raw)
	if err != nil {
		return "", errf(s, "cannot parse "+quote(raw)+": "+err.Error())
	}
	switch part {
	case partUser:
		if v.IsNull() {
			u.User, u.Password, u.HasPassword = "", "", false
			break
		}
		if u.User, err = valueStr(s, v); err != nil {
			return "", err
		}
		if u.User == "" {
			u.Password, u.HasPassword = "", false
		}
	case partHost:
		if v.IsNull() {
			return "", errf(s, "cannot set the host to null")
		}
		h, err := valueStr(s, v)
		if err != nil {
			return "", err
		}
		if h == "" || strings.ContainsAny(h, " \t;?@<>") {
			return "", errf(s, "invalid host "+quote(h))
		}
		if u.IsTel() {
			return "", errf(s, "a tel URI has no host")
		}
		u.Host = h
	case partPort:
		if v.IsNull() {
			u.SetPort(0)
			break
		}
		n, err := valueInt(s, v)
		if err != nil {
			return "", err
		}
		if n < 0 || n > 65535 {
			return "", errf(s, "port out of range")
		}
		u.SetPort(int(n))
	}
	return u.String(), nil
}

// setDstURI implements "$du = v"; NULL (or "") resets it.
func setDstURI(c *api.Ctx, s *Spec, v api.Value) error {
	if v.IsNull() {
		c.DstURI = ""
		return nil
	}
	uri, err := valueStr(s, v)
	if err != nil {
		return err
	}
	if uri != "" {
		if _, err := sip.ParseURI(uri); err != nil {
			return errf(s, "invalid URI "+quote(uri)+": "+err.Error())
		}
	}
	c.DstURI = uri
	return nil
}

// setDstPart rewrites the host or port of $du; when $du is unset the
// request URI is the base, as OpenSIPS does.
func setDstPart(part uriPart) func(*api.Ctx, *Spec, api.Value) error {
	return func(c *api.Ctx, s *Spec, v api.Value) error {
		base := c.DstURI
		if base == "" {
			base = curRURI(c)
		}
		if base == "" {
			return errf(s, "no destination URI to rewrite")
		}
		out, err := rewriteURI(s, base, part, v)
		if err != nil {
			return err
		}
		c.DstURI = out
		return nil
	}
}

func getRURIQ(c *api.Ctx, _ *Spec) (api.Value, error) {
	if reqOf(c) == nil {
		return api.Null, nil
	}
	return IntStr(int64(c.RURIQ)), nil
}

// setRURIQ takes the q-value ×1000 (OpenSIPS caps it at 1000); NULL
// unsets it.
func setRURIQ(c *api.Ctx, s *Spec, v api.Value) error {
	if v.IsNull() {
		c.RURIQ = -1
		return nil
	}
	n, err := valueInt(s, v)
	if err != nil {
		return err
	}
	c.RURIQ = int(min(max(n, -1), 1000))
	return nil
}

// getDset prints the destination set as a Contact header value: the new
// request URI (when it was rewritten) and every extra branch.
func getDset(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := reqOf(c)
	if m == nil {
		return api.Null, nil
	}
	ds := c.DestSet(m)
	if ds == "" {
		return api.Null, nil
	}
	return api.StrValue(ds), nil
}

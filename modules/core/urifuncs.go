package core

import (
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// rewrite applies fn to the parsed R-URI and stores the result.
func rewrite(c *api.Ctx, what string, fn func(u *sip.URI) bool) api.Ret {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return api.RetFalse
	}
	u, err := sip.ParseURI(m.RURI())
	if err != nil {
		c.Log.Error(what+": bad request uri", "uri", m.RURI(), "err", err)
		return api.RetFalse
	}
	if !fn(&u) {
		return api.RetFalse
	}
	m.SetRURI(u.String())
	return api.RetTrue
}

func seturi(c *api.Ctx, args []any) api.Ret {
	uri := strings.TrimSpace(api.StrArg(args[0]))
	if c.Msg == nil || !c.Msg.IsRequest() || uri == "" {
		return api.RetFalse
	}
	if _, err := sip.ParseURI(uri); err != nil {
		c.Log.Error("seturi: bad uri", "uri", uri, "err", err)
		return api.RetFalse
	}
	c.Msg.SetRURI(uri)
	return api.RetTrue
}

func sethost(c *api.Ctx, args []any) api.Ret {
	h := api.StrArg(args[0])
	return rewrite(c, "sethost", func(u *sip.URI) bool {
		if h == "" {
			return false
		}
		u.Host = h
		return true
	})
}

func sethostport(c *api.Ctx, args []any) api.Ret {
	hp := api.StrArg(args[0])
	return rewrite(c, "sethostport", func(u *sip.URI) bool {
		host, port := hp, ""
		if i := strings.LastIndexByte(hp, ':'); i > 0 && !strings.HasSuffix(hp, "]") {
			host, port = hp[:i], hp[i+1:]
		}
		if host == "" {
			return false
		}
		u.Host = host
		return setPort(u, port)
	})
}

func setPort(u *sip.URI, port string) bool {
	if port == "" {
		u.SetPort(0)
		return true
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return false
	}
	u.SetPort(p)
	return true
}

func setport(c *api.Ctx, args []any) api.Ret {
	p := strings.TrimSpace(api.StrArg(args[0]))
	return rewrite(c, "setport", func(u *sip.URI) bool { return setPort(u, p) })
}

func setuser(c *api.Ctx, args []any) api.Ret {
	user := api.StrArg(args[0])
	return rewrite(c, "setuser", func(u *sip.URI) bool {
		if u.IsTel() && user == "" {
			return false
		}
		u.User = user
		if user == "" {
			u.Password, u.HasPassword = "", false
		}
		return true
	})
}

func setuserpass(c *api.Ctx, args []any) api.Ret {
	up := api.StrArg(args[0])
	return rewrite(c, "setuserpass", func(u *sip.URI) bool {
		user, pass, hasPass := strings.Cut(up, ":")
		u.User, u.Password, u.HasPassword = user, pass, hasPass
		return true
	})
}

func prefix(c *api.Ctx, args []any) api.Ret {
	p := api.StrArg(args[0])
	return rewrite(c, "prefix", func(u *sip.URI) bool {
		u.User = p + u.User
		return true
	})
}

func strip(c *api.Ctx, args []any) api.Ret {
	n, _ := api.IntArg(args[0])
	return rewrite(c, "strip", func(u *sip.URI) bool {
		if n < 0 || int(n) > len(u.User) {
			return false
		}
		u.User = u.User[n:]
		return true
	})
}

func stripTail(c *api.Ctx, args []any) api.Ret {
	n, _ := api.IntArg(args[0])
	return rewrite(c, "strip_tail", func(u *sip.URI) bool {
		if n < 0 || int(n) > len(u.User) {
			return false
		}
		u.User = u.User[:len(u.User)-int(n)]
		return true
	})
}

func revertURI(c *api.Ctx, _ []any) api.Ret {
	if c.Msg != nil {
		c.Msg.ResetRURI()
	}
	return api.RetTrue
}

func setdsturi(c *api.Ctx, args []any) api.Ret {
	uri := strings.TrimSpace(api.StrArg(args[0]))
	if _, err := sip.ParseURI(uri); err != nil {
		c.Log.Error("setdsturi: bad uri", "uri", uri, "err", err)
		return api.RetFalse
	}
	c.DstURI = uri
	return api.RetTrue
}

func resetdsturi(c *api.Ctx, _ []any) api.Ret {
	c.DstURI = ""
	return api.RetTrue
}

func isdsturiset(c *api.Ctx, _ []any) api.Ret {
	if c.DstURI != "" {
		return api.RetTrue
	}
	return api.RetFalse
}

// constructURI is construct_uri(scheme, user, domain, port, params, avp).
func constructURI(c *api.Ctx, args []any) api.Ret {
	scheme, user, domain := api.StrArg(args[0]), api.StrArg(args[1]), api.StrArg(args[2])
	port, extra := api.StrArg(args[3]), api.StrArg(args[4])
	res, _ := args[5].(api.PVRef)
	if scheme == "" || domain == "" || res == nil {
		return api.RetFalse
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteByte(':')
	if user != "" {
		b.WriteString(user)
		b.WriteByte('@')
	}
	b.WriteString(domain)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	if extra != "" {
		b.WriteByte(';')
		b.WriteString(extra)
	}
	if err := res.Set(c, api.StrValue(b.String())); err != nil {
		c.Log.Error("construct_uri: cannot store the result", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

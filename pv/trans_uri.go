package pv

import (
	"gosips/api"
)

func init() {
	part := func(name string, get func(u URI) string) TransDef {
		return TransDef{Class: "uri", Name: name, Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
			u, err := uriInput(in)
			if err != nil {
				return api.Null, err
			}
			return strOrNull(get(u)), nil
		}}
	}
	param := func(name, key string) TransDef {
		return part(name, func(u URI) string { v, _ := u.Param(key); return v })
	}
	RegisterTrans(
		part("user", func(u URI) string { return u.User }),
		part("host", func(u URI) string { return u.Host }),
		part("domain", func(u URI) string { return u.Host }),
		part("passwd", func(u URI) string { return u.Passwd }),
		part("params", func(u URI) string { return u.Params }),
		part("headers", func(u URI) string { return u.Headers }),
		param("transport", "transport"),
		param("ttl", "ttl"),
		param("uparam", "user"),
		param("maddr", "maddr"),
		param("method", "method"),
		param("lr", "lr"),
		param("r2", "r2"),
		TransDef{Class: "uri", Name: "port", Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
			u, err := uriInput(in)
			if err != nil || !u.HasPort {
				return api.Null, err
			}
			return api.Value{Flags: api.VInt | api.VStr, I: int64(u.PortNo), S: u.Port}, nil
		}},
		TransDef{Class: "uri", Name: "param", MinArgs: 1, MaxArgs: 1, Apply: func(in api.Value, a []api.Value) (api.Value, error) {
			u, err := uriInput(in)
			if err != nil {
				return api.Null, err
			}
			name, err := argStr(a[0], "parameter name")
			if err != nil {
				return api.Null, err
			}
			if v, ok := u.Param(name); ok {
				return api.StrValue(v), nil
			}
			return api.Null, nil
		}},
		TransDef{Class: "uri", Name: "schema", Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
			u, err := uriInput(in)
			if err != nil {
				return api.Null, err
			}
			return api.StrValue(u.Scheme), nil
		}},
	)
}

func uriInput(in api.Value) (URI, error) {
	s, err := inputStr(in)
	if err != nil {
		return URI{}, err
	}
	u, err := ParseURI(s)
	if err != nil {
		return u, transErr("invalid uri %q", s)
	}
	return u, nil
}

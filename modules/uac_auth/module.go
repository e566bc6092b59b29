// Package uacauth declares the uac_auth module: the credential store used
// when OpenSIPS authenticates itself as a client (uac, uac_registrant).
package uacauth

import (
	"fmt"
	"strings"
	"unicode"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "uac_auth",
		New:  func() api.Module { return New() },
		Doc:  "credentials for client-side digest authentication",
	})
}

// Credential is one "user:realm:password" entry.
type Credential struct {
	User, Realm, Password string
	// HA1 is set when the password is "0x" + 32 (MD5) or 64 (SHA-256,
	// SHA-512/256) lower-case hex digits: a precomputed HA1. Password then
	// still holds the "0x" form.
	HA1 bool
}

// Module is one uac_auth instance.
type Module struct {
	Credentials []Credential
	UsernameAVP string
	RealmAVP    string
	PasswordAVP string
}

// New returns an empty uac_auth instance.
func New() *Module { return &Module{} }

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("credential", api.ParamStr, true, func(v api.ParamValue) error {
			c, err := ParseCredential(v.Str)
			if err != nil {
				return err
			}
			m.Credentials = append(m.Credentials, c)
			return nil
		}),
		api.StrParam("auth_username_avp", &m.UsernameAVP),
		api.StrParam("auth_realm_avp", &m.RealmAVP),
		api.StrParam("auth_password_avp", &m.PasswordAVP),
	}
}

// Funcs: uac_auth exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }

// Lookup returns the credential for a realm (and user, when not empty).
func (m *Module) Lookup(realm, user string) (Credential, bool) {
	for _, c := range m.Credentials {
		if c.Realm == realm && (user == "" || c.User == user) {
			return c, true
		}
	}
	return Credential{}, false
}

// ParseCredential parses "user:realm:password" (blanks around the parts
// allowed; the password may not contain blanks).
func ParseCredential(s string) (Credential, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return Credential{}, fmt.Errorf("credential %q: expected \"user:realm:password\"", s)
	}
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	names := [3]string{"user", "realm", "password"}
	for i, p := range parts {
		if p == "" {
			return Credential{}, fmt.Errorf("credential %q: empty %s", s, names[i])
		}
		if strings.ContainsFunc(p, unicode.IsSpace) {
			return Credential{}, fmt.Errorf("credential %q: blank inside the %s", s, names[i])
		}
	}
	c := Credential{User: parts[0], Realm: parts[1], Password: parts[2]}
	if hex, ok := strings.CutPrefix(c.Password, "0x"); ok {
		// Anything else starting with 0x is a plain password, as in OpenSIPS.
		c.HA1 = (len(hex) == 32 || len(hex) == 64) && strings.Trim(hex, "0123456789abcdef") == ""
	}
	return c, nil
}

// Validate checks that the AVP params come as a complete set.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	set := 0
	for _, s := range []string{m.UsernameAVP, m.RealmAVP, m.PasswordAVP} {
		if s != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		return fmt.Errorf("auth_username_avp, auth_realm_avp and auth_password_avp must be set together")
	}
	return nil
}

var _ api.Validator = (*Module)(nil)

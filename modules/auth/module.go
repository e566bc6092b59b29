// Package auth declares the auth module: digest challenges and the
// verification core used by auth_db and others.
package auth

import (
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "auth",
		Deps: []api.Dep{{Name: "signaling"}},
		New:  func() api.Module { return New() },
		Doc:  "digest authentication core (challenges, nonces)",
	})
}

// Module is one auth instance; the fields hold the modparams.
type Module struct {
	// Secret signs nonces; empty means a random one per start.
	Secret            string
	NonceExpire       int
	RPIDPrefix        string
	RPIDSuffix        string
	RealmPrefix       string
	RPIDAVP           string
	UsernameSpec      string
	PasswordSpec      string
	CalculateHA1      int
	DisableNonceCheck int

	// Legacy holds values of removed params, by name.
	Legacy map[string]api.ParamValue
}

// New returns an auth instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		NonceExpire: 30,
		RPIDSuffix:  ";party=calling;id-type=subscriber;screen=yes",
		RPIDAVP:     "$avp(rpid)",
		Legacy:      map[string]api.ParamValue{},
	}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("secret", &m.Secret),
		api.FuncParam("nonce_expire", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int <= 0 {
				return fmt.Errorf("nonce_expire must be positive, got %d", v.Int)
			}
			m.NonceExpire = int(v.Int)
			return nil
		}),
		api.StrParam("rpid_prefix", &m.RPIDPrefix),
		api.StrParam("rpid_suffix", &m.RPIDSuffix),
		api.StrParam("realm_prefix", &m.RealmPrefix),
		api.StrParam("rpid_avp", &m.RPIDAVP),
		api.StrParam("username_spec", &m.UsernameSpec),
		api.StrParam("password_spec", &m.PasswordSpec),
		api.IntParam("calculate_ha1", &m.CalculateHA1),
		api.IntParam("disable_nonce_check", &m.DisableNonceCheck),
		{Name: "password_column", Type: api.ParamStr, Legacy: `modparam("auth_db", "password_column", ...)`,
			Set: func(v api.ParamValue) error { m.Legacy["password_column"] = v; return nil }},
	}
}

// Validate checks that pv_*_authorize has its PVs.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if (m.UsernameSpec == "") != (m.PasswordSpec == "") {
		return fmt.Errorf("username_spec and password_spec must be set together")
	}
	return nil
}

var _ api.Validator = (*Module)(nil)

// Package auth declares the auth module: digest challenges and the
// verification core used by auth_db and others.
package auth

import (
	"fmt"
	"log/slog"
	"time"

	"gosips/api"
	"gosips/pv"
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

	// Clock, when set, replaces time.Now (tests).
	Clock func() time.Time

	log      *slog.Logger
	noncer   *noncer
	pool     *indexPool
	states   msgStates
	userSpec *pv.Spec
	passSpec *pv.Spec
	rpidAVP  string
}

// New returns an auth instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		NonceExpire: 30,
		RPIDSuffix:  ";party=calling;id-type=subscriber;screen=yes",
		RPIDAVP:     "$avp(rpid)",
		Legacy:      map[string]api.ParamValue{},
		log:         slog.New(slog.DiscardHandler),
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

// Init prepares the nonce generator (with the secret, or a random one),
// the replay index pool and the PVs of pv_*_authorize and rpid_avp.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic != nil && ic.Log != nil {
		m.log = ic.Log
	}
	secret := []byte(m.Secret)
	if m.Secret == "" {
		var err error
		if secret, err = randomSecret(); err != nil {
			return fmt.Errorf("failed to generate random secret: %w", err)
		}
	}
	n, err := newNoncer(secret)
	if err != nil {
		return fmt.Errorf("secret: %w (changed in OpenSIPS 3.2+)", err)
	}
	m.noncer = n
	m.pool = newIndexPool(m.NonceExpire, m.clock)
	core := pv.NewTable(pv.CoreDefs())
	spec := func(param, raw string) (*pv.Spec, error) {
		if raw == "" {
			return nil, nil
		}
		s, err := pv.Parse(raw)
		if err == nil {
			err = core.Resolve(s)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", param, raw, err)
		}
		return s, nil
	}
	if m.userSpec, err = spec("username_spec", m.UsernameSpec); err != nil {
		return err
	}
	if m.passSpec, err = spec("password_spec", m.PasswordSpec); err != nil {
		return err
	}
	if m.RPIDAVP != "" {
		s, err := pv.Parse(m.RPIDAVP)
		if err != nil || s.Name != "avp" || s.Inner == "" {
			return fmt.Errorf("rpid_avp %q must be an AVP, e.g. $avp(rpid)", m.RPIDAVP)
		}
		m.rpidAVP = s.Inner
	}
	return nil
}

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
)

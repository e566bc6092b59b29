// Package uacregistrant declares the uac_registrant module: OpenSIPS
// registering itself to remote registrars, from database records.
package uacregistrant

import (
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "uac_registrant",
		Deps: []api.Dep{{Name: "tm"}, {Name: "uac_auth"}},
		New:  func() api.Module { return New() },
		Doc:  "registers to remote registrars from a registrant table",
	})
}

// Columns are the registrant table column names.
type Columns struct {
	Registrar, Proxy, AOR, ThirdPartyRegistrant, Username, Password, BindingURI,
	BindingParams, Expiry, ForcedSocket, ClusterShtag, State string
}

// Module is one uac_registrant instance; the fields hold the modparams.
type Module struct {
	// HashSize is the log2 of the bucket count (1-20).
	HashSize             int
	DefaultExpires       int
	TimerInterval        int
	FailureRetryInterval int
	EnableClustering     int
	DBURL                string
	TableName            string
	Cols                 Columns

	// shtags holds the sharing tag states (sharing_tag, MI).
	shtags shtagState

	runtime
}

// New returns a uac_registrant instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		HashSize:       1,
		DefaultExpires: 3600,
		TimerInterval:  100,
		TableName:      "registrant",
		Cols: Columns{Registrar: "registrar", Proxy: "proxy", AOR: "aor",
			ThirdPartyRegistrant: "third_party_registrant", Username: "username",
			Password: "password", BindingURI: "binding_URI", BindingParams: "binding_params",
			Expiry: "expiry", ForcedSocket: "forced_socket", ClusterShtag: "cluster_shtag",
			State: "state"},
	}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("hash_size", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 20 {
				return fmt.Errorf("hash_size %d out of range (log2 of the bucket count, 1-20)", v.Int)
			}
			m.HashSize = int(v.Int)
			return nil
		}),
		api.FuncParam("default_expires", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 15 {
				return fmt.Errorf("default_expires %d too short (at least 15)", v.Int)
			}
			m.DefaultExpires = int(v.Int)
			return nil
		}),
		api.FuncParam("timer_interval", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 10 {
				return fmt.Errorf("timer_interval %d too short (at least 10)", v.Int)
			}
			m.TimerInterval = int(v.Int)
			return nil
		}),
		api.FuncParam("failure_retry_interval", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 {
				return fmt.Errorf("failure_retry_interval must not be negative, got %d", v.Int)
			}
			m.FailureRetryInterval = int(v.Int)
			return nil
		}),
		api.IntParam("enable_clustering", &m.EnableClustering),
		api.FuncParam("sharing_tag", api.ParamStr, true, m.addSharingTag),
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("table_name", &m.TableName),
		api.StrParam("registrar_column", &m.Cols.Registrar),
		api.StrParam("proxy_column", &m.Cols.Proxy),
		api.StrParam("aor_column", &m.Cols.AOR),
		api.StrParam("third_party_registrant_column", &m.Cols.ThirdPartyRegistrant),
		api.StrParam("username_column", &m.Cols.Username),
		api.StrParam("password_column", &m.Cols.Password),
		api.StrParam("binding_URI_column", &m.Cols.BindingURI),
		api.StrParam("binding_params_column", &m.Cols.BindingParams),
		api.StrParam("expiry_column", &m.Cols.Expiry),
		api.StrParam("forced_socket_column", &m.Cols.ForcedSocket),
		api.StrParam("cluster_shtag_column", &m.Cols.ClusterShtag),
		api.StrParam("state_column", &m.Cols.State),
	}
}

// Funcs: uac_registrant exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }

// Buckets is the hash table size.
func (m *Module) Buckets() int { return 1 << m.HashSize }

// Validate checks the timer against the table size (one bucket per tick),
// the database module and clustering.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.TimerInterval < m.Buckets() {
		return fmt.Errorf("timer_interval %d must be at least the bucket count %d (2^hash_size %d)",
			m.TimerInterval, m.Buckets(), m.HashSize)
	}
	if _, err := api.CheckDBURL(vc, "db_url", m.DBURL, true); err != nil {
		return err
	}
	if m.EnableClustering < 0 {
		return fmt.Errorf("enable_clustering %d: want a cluster id (or 0 for none)", m.EnableClustering)
	}
	if m.EnableClustering > 0 && vc.Warn != nil && len(m.shtags.active) == 0 {
		vc.Warn(fmt.Sprintf("enable_clustering %d but no sharing tag is set: records with a cluster_shtag are not registered until one is made active", m.EnableClustering),
			fmt.Sprintf(`modparam("uac_registrant", "sharing_tag", "TAG/%d=active") on the node that registers, or MI clusterer_shtag_set_active`, m.EnableClustering))
	}
	return nil
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)

// Package msilo declares the msilo module: store MESSAGE requests for
// offline users and deliver them when the users register.
package msilo

import (
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "msilo",
		Deps: []api.Dep{{Name: "tm"}},
		New:  func() api.Module { return New() },
		Doc:  "store and forward of SIP MESSAGE for offline users",
	})
}

// Columns are the silo table column names.
type Columns struct {
	MID, From, To, URIUser, URIHost, Body, CType, ExpTime, IncTime, SndTime string
}

// Module is one msilo instance; the fields hold the modparams.
type Module struct {
	DBURL          string
	DBTable        string
	FromAddress    string // format; empty = no "user offline" notification
	ContactHdr     string
	ContentTypeHdr string
	OfflineMessage string
	Reminder       string
	OutboundProxy  string
	ExpireTime     int
	CheckTime      int
	SendTime       int
	CleanPeriod    int
	UseContact     int
	SndTimeAVP     string
	AddDate        int
	MaxMessages    int
	Cols           Columns

	runtime
}

// New returns an msilo instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		DBTable:     "silo",
		ExpireTime:  259200,
		CheckTime:   60,
		CleanPeriod: 10,
		UseContact:  1,
		AddDate:     1,
		Cols: Columns{MID: "id", From: "src_addr", To: "dst_addr", URIUser: "username",
			URIHost: "domain", Body: "body", CType: "ctype", ExpTime: "exp_time",
			IncTime: "inc_time", SndTime: "snd_time"},
	}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("db_table", &m.DBTable),
		api.StrParam("from_address", &m.FromAddress),
		api.StrParam("contact_hdr", &m.ContactHdr),
		api.StrParam("content_type_hdr", &m.ContentTypeHdr),
		api.StrParam("offline_message", &m.OfflineMessage),
		api.StrParam("reminder", &m.Reminder),
		api.StrParam("outbound_proxy", &m.OutboundProxy),
		nonNegative("expire_time", &m.ExpireTime),
		positive("check_time", &m.CheckTime),
		nonNegative("send_time", &m.SendTime),
		positive("clean_period", &m.CleanPeriod),
		api.IntParam("use_contact", &m.UseContact),
		api.StrParam("sc_mid", &m.Cols.MID),
		api.StrParam("sc_from", &m.Cols.From),
		api.StrParam("sc_to", &m.Cols.To),
		api.StrParam("sc_uri_user", &m.Cols.URIUser),
		api.StrParam("sc_uri_host", &m.Cols.URIHost),
		api.StrParam("sc_body", &m.Cols.Body),
		api.StrParam("sc_ctype", &m.Cols.CType),
		api.StrParam("sc_exp_time", &m.Cols.ExpTime),
		api.StrParam("sc_inc_time", &m.Cols.IncTime),
		api.StrParam("sc_snd_time", &m.Cols.SndTime),
		api.StrParam("snd_time_avp", &m.SndTimeAVP),
		api.IntParam("add_date", &m.AddDate),
		nonNegative("max_messages", &m.MaxMessages),
		// OpenSER ≤1.3 name of from_address.
		{Name: "registrar", Type: api.ParamStr, Legacy: `modparam("msilo", "from_address", ...)`,
			Set: func(v api.ParamValue) error { m.FromAddress = v.Str; return nil }},
	}
}

// Validate checks the database module for db_url.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.SendTime > 0 && m.SndTimeAVP == "" && vc.Warn != nil {
		vc.Warn("send_time is set but snd_time_avp is not: no reminders will be scheduled", "")
	}
	_, err := api.CheckDBURL(vc, "db_url", m.DBURL, true)
	return err
}

func positive(name string, dst *int) api.Param {
	return api.FuncParam(name, api.ParamInt, false, func(v api.ParamValue) error {
		if v.Int <= 0 {
			return fmt.Errorf("%s must be positive, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	})
}

func nonNegative(name string, dst *int) api.Param {
	return api.FuncParam(name, api.ParamInt, false, func(v api.ParamValue) error {
		if v.Int < 0 {
			return fmt.Errorf("%s must not be negative, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	})
}

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
	_ api.Starter   = (*Module)(nil)
	_ api.Closer    = (*Module)(nil)
)

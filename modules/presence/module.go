// Package presence is the presence module: a SIP presence server (RFC
// 3856, 3903, 6665). handle_publish() stores event state published by
// presentities, handle_subscribe() keeps subscriptions, and NOTIFYs go to
// the watchers through tm whenever the state or a subscription changes.
// The event packages (presence, dialog, message-summary...) are registered
// by other modules through api.Presence.
package presence

import (
	"context"
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "presence",
		Deps: []api.Dep{{Name: "tm"}, {Name: "signaling"}},
		New:  func() api.Module { return New() },
		Doc:  "presence server: PUBLISH and SUBSCRIBE handling, NOTIFY generation",
	})
}

// Table versions OpenSIPS 3.6 expects.
const (
	PresentityVersion     = 5
	ActiveWatchersVersion = 12
	WatchersVersion       = 4
)

// Module is one presence instance; the exported fields hold the modparams.
type Module struct {
	DBURL               string
	PresentityTable     string
	ActiveWatchersTable string
	WatchersTable       string
	CleanPeriod         int
	DBUpdatePeriod      int
	ExpiresOffset       int
	MaxExpiresSubscribe int
	MaxExpiresPublish   int
	ContactUser         string
	SubsHtableSize      int
	PresHtableSize      int
	Fallback2DB         int
	EndSubOnTimeout     int
	NotifyOfflineBody   int
	WaitingSubsDaysno   int
	MixDialogPresence   int
	EnableSphereCheck   int
	BLAPresentitySpec   string
	BLAFixRemoteTarget  int

	state
}

// New returns a presence instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		PresentityTable:     "presentity",
		ActiveWatchersTable: "active_watchers",
		WatchersTable:       "watchers",
		CleanPeriod:         100,
		DBUpdatePeriod:      100,
		MaxExpiresSubscribe: 3600,
		MaxExpiresPublish:   3600,
		ContactUser:         "presence",
		SubsHtableSize:      9,
		PresHtableSize:      9,
		EndSubOnTimeout:     1,
		BLAFixRemoteTarget:  1,
	}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	clustering := "clustering of presence data is not implemented"
	return []api.Param{
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("presentity_table", &m.PresentityTable),
		api.StrParam("active_watchers_table", &m.ActiveWatchersTable),
		api.StrParam("watchers_table", &m.WatchersTable),
		api.PositiveParam("clean_period", &m.CleanPeriod),
		api.PositiveParam("db_update_period", &m.DBUpdatePeriod),
		api.IntParam("expires_offset", &m.ExpiresOffset),
		api.PositiveParam("max_expires_subscribe", &m.MaxExpiresSubscribe),
		api.PositiveParam("max_expires_publish", &m.MaxExpiresPublish),
		api.StrParam("contact_user", &m.ContactUser),
		api.IntParam("subs_htable_size", &m.SubsHtableSize),
		api.IntParam("pres_htable_size", &m.PresHtableSize),
		api.IntParam("fallback2db", &m.Fallback2DB),
		api.IntParam("end_sub_on_timeout", &m.EndSubOnTimeout),
		api.IgnoredParam(api.IntParam("notify_offline_body", &m.NotifyOfflineBody),
			"no offline body is built when a publication is removed"),
		api.IgnoredParam(api.IntParam("enable_sphere_check", &m.EnableSphereCheck),
			"RPID spheres are not checked"),
		api.IgnoredParam(api.IntParam("waiting_subs_daysno", &m.WaitingSubsDaysno),
			"waiting subscriptions are not kept"),
		api.IgnoredParam(api.IntParam("mix_dialog_presence", &m.MixDialogPresence),
			"dialog state is not mixed into presence documents"),
		api.IgnoredParam(api.StrParam("bla_presentity_spec", &m.BLAPresentitySpec),
			"BLA (dialog;sla) is not implemented"),
		api.IgnoredParam(api.IntParam("bla_fix_remote_target", &m.BLAFixRemoteTarget),
			"BLA (dialog;sla) is not implemented"),
		api.IgnoredParam(api.IntParam("cluster_id", new(int)), clustering),
		api.IgnoredParam(api.StrParam("cluster_federation_mode", new(string)), clustering),
		api.IgnoredParam(api.StrParam("cluster_be_active_shtag", new(string)), clustering),
		api.IgnoredParam(api.StrParam("cluster_pres_events", new(string)), clustering),
		// OpenSIPS ≤1.x: the NOTIFY Contact came from server_address.
		{Name: "server_address", Type: api.ParamStr, Legacy: `modparam("presence", "contact_user", ...)`,
			Set: func(api.ParamValue) error { return nil }},
	}
}

// Funcs declares handle_publish and handle_subscribe.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "handle_publish", Routes: api.RequestRoute,
			Args:    []api.Arg{{Name: "sender_uri", Type: api.ArgStr, Optional: true}},
			Returns: "1 handled (a reply was sent); -1 error (no reply sent)",
			Call: func(c *api.Ctx, args []any) api.Ret {
				sender, _ := args[0].(string)
				return m.handlePublish(c, sender)
			}},
		{Name: "handle_subscribe", Routes: api.RequestRoute,
			Args: []api.Arg{{Name: "force_active", Type: api.ArgInt, Optional: true},
				{Name: "sharing_tag", Type: api.ArgStr, Optional: true}},
			Returns: "1 handled (a reply was sent); -1 error (no reply sent)",
			Call: func(c *api.Ctx, args []any) api.Ret {
				force, _ := api.IntArg(args[0])
				tag, _ := args[1].(string)
				return m.handleSubscribe(c, force != 0, tag)
			}},
	}
}

// Validate checks the database module for db_url.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	_, err := api.CheckDBURL(vc, "db_url", m.DBURL, false)
	if err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	return nil
}

// MICommands lists refresh_watchers, cleanup and the table listings.
func (m *Module) MICommands() []api.MICommand {
	refresh := [][]string{{"presentity_uri", "event", "refresh_type"}}
	return []api.MICommand{
		{Name: "refresh_watchers", Aliases: []string{"refreshWatchers"}, Recipes: refresh,
			Help: "send NOTIFYs to the watchers of a presentity", Handler: m.miRefreshWatchers},
		{Name: "cleanup", Recipes: [][]string{{}}, Help: "delete expired presentities and subscriptions",
			Handler: func(ctx context.Context, _ api.MIParams) (any, error) { m.clean(ctx); return "OK", nil }},
		{Name: "pres_expose", Recipes: [][]string{{"event"}, {"event", "filter"}},
			Help: "raise E_PRESENCE_EXPOSED for the presentities (not implemented)"},
		{Name: "pres_phtable_list", Recipes: [][]string{{}}, Help: "list the presentities in memory",
			Handler: m.miPresList},
		{Name: "subs_phtable_list", Recipes: [][]string{{}, {"from", "to"}}, Help: "list the subscriptions in memory",
			Handler: m.miSubsList},
	}
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
	_ api.Presence   = (*Module)(nil)
)

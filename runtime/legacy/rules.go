package legacy

// ModuleRule says what became of an OpenSER / OpenSIPS module that no
// longer exists under its name, or that gosips will never provide.
type ModuleRule struct {
	Name string
	// RenamedTo is the new name when only the name changed.
	RenamedTo string
	// Split lists the modules that took its functions over (which function
	// went where comes from the history and FuncRules).
	Split []string
	// Core is set when its features are part of the core now.
	Core bool
	// Never is set for modules gosips will not provide; Reason says why.
	Never  bool
	Reason string
	// Replacement is the modern way to get the feature.
	Replacement string
	// Since overrides the release of the change derived from the history.
	Since string
}

// ModuleRules are keyed by the old module name.
var ModuleRules = map[string]ModuleRule{
	"mysql":      {RenamedTo: "db_mysql"},
	"postgres":   {RenamedTo: "db_postgres"},
	"dbtext":     {RenamedTo: "db_text"},
	"unixodbc":   {RenamedTo: "db_unixodbc"},
	"flatstore":  {RenamedTo: "db_flatstore"},
	"oracle":     {RenamedTo: "db_oracle"},
	"cpl-c":      {RenamedTo: "cpl_c"},
	"localcache": {RenamedTo: "cachedb_local"},
	"siptrace":   {RenamedTo: "tracer"},
	"uri_db":     {RenamedTo: "uri", Since: "1.6"},
	"uri": {Split: []string{"sipmsgops", "auth_db"},
		Replacement: "the URI tests (has_totag, is_user, uri_param, ...) are in sipmsgops; the subscriber checks are auth_db's db_does_uri_exist, db_is_to_authorized and db_is_from_authorized"},
	"xlog":        {Core: true, Since: "1.6", Replacement: "xlog() is part of the core"},
	"print":       {Core: true, Replacement: "use xlog()"},
	"event_route": {Core: true, Replacement: "event_route blocks are part of the core"},
	"tls":         {RenamedTo: "proto_tls", Since: "2.1"},
	"tlsops":      {RenamedTo: "proto_tls", Since: "2.1"},
	"mi_xmlrpc":   {RenamedTo: "mi_http", Since: "2.1", Replacement: "mi_http serves the management interface as JSON-RPC over HTTP"},
	"mi_json":     {RenamedTo: "mi_http", Since: "3.0"},
	"lcr": {Never: true, Reason: "the lcr module was removed in OpenSIPS 1.7",
		Replacement: "drouting (do_routing(), use_next_gw())"},
	"jabber": {Never: true, Reason: "the SIP-to-Jabber gateway is obsolete (XMPP gateways run outside the SIP server)",
		Replacement: "an external XMPP gateway, or OpenSIPS' xmpp module"},
	"osp": {Never: true, Reason: "Open Settlement Protocol peering is obsolete",
		Replacement: "drouting with a carrier table"},
	"sms": {Never: true, Reason: "sending SMS through a serial GSM modem is out of scope (removed in OpenSIPS 3.1)",
		Replacement: "an SMS gateway reached over HTTP (rest_client)"},
	"seas": {Never: true, Reason: "the SIP Express Application Server link was removed in OpenSIPS 3.1",
		Replacement: "b2b_logic, or an application server behind the proxy"},
	"pa": {Never: true, Reason: "the old presence agent was replaced in OpenSER 1.2",
		Replacement: "presence, presence_xml and pua"},
	"mediaproxy": {Never: true, Reason: "it needs AG Projects' MediaProxy dispatcher, an external daemon that is no longer packaged (OpenSER 1.x spoke the 1.x dispatcher protocol, OpenSIPS 3.6 the 2.x one)",
		Replacement: "rtpengine (rtpengine_offer/answer/delete), rtpproxy, or rtp_relay_engage() with either"},
	"avp_radius":    radius("avpops with a SQL database (avp_db_load)"),
	"auth_radius":   radius("auth_db (www_authorize with a subscriber table)"),
	"group_radius":  radius("group (db_is_user_in)"),
	"uri_radius":    radius("auth_db (db_does_uri_exist)"),
	"aaa_radius":    radius("a SQL database (auth_db, group, avpops) or aaa_diameter"),
	"auth_aaa":      radius("auth_db (www_authorize, proxy_authorize)"),
	"auth_diameter": {Never: true, Reason: "the DISC diameter client it talks to is dead", Replacement: "auth_db, or aaa_diameter"},
	"perlvdb":       {Never: true, Reason: "gosips does not embed Perl", Replacement: "a SQL database module"},
	"db_perlvdb":    {Never: true, Reason: "gosips does not embed Perl", Replacement: "a SQL database module"},
	"perl":          {Never: true, Reason: "gosips does not embed Perl", Replacement: "script routes, or exec()/rest_client to an external program"},
	"python":        {Never: true, Reason: "gosips does not embed Python", Replacement: "script routes, or exec()/rest_client to an external program"},
	"java":          {Never: true, Reason: "gosips does not embed Java", Replacement: "script routes, or rest_client to an external program"},
}

func radius(repl string) ModuleRule {
	return ModuleRule{Never: true, Reason: "gosips does not speak RADIUS", Replacement: repl}
}

// FuncRule is a function that was renamed or replaced, or whose arguments
// became mandatory.
type FuncRule struct {
	Old string
	// Modules are the old modules of the function ("" = any).
	Modules []string
	// New and NewModule name the modern function; New "" means there is
	// no mechanical replacement (Replacement says what to do).
	New, NewModule string
	Since          string
	// Args is the modern argument list: "%1" is old argument 1 as written,
	// "%1|X" old argument 1 or X when it was not given, "@module.param|X"
	// the value of an old modparam or X, anything else literal text.
	// Nil keeps the arguments as they are.
	Args []string
	// Review is added to the port report: what a reader should check.
	Review string
	// Replacement is the modern way when New is "".
	Replacement string
	// Plain is set when the old arguments were plain strings and the new
	// ones are formats: a literal "$" is doubled.
	Plain bool
}

// FuncRules are keyed by the old function name.
var FuncRules = map[string]FuncRule{
	"does_uri_exist": {Modules: []string{"uri_db", "uri"}, New: "db_does_uri_exist", NewModule: "auth_db", Since: "3.0",
		Args:   []string{`"$ru"`, `@uri.db_table|@uri_db.db_table|@uri_db.subscriber_table|"subscriber"`},
		Review: "the table is the old module's default; with use_uri_table set the old check used the uri table"},
	"db_does_uri_exist": {Modules: []string{"uri"}, New: "db_does_uri_exist", NewModule: "auth_db", Since: "3.0",
		Args: []string{`"$ru"`, `@uri.db_table|"subscriber"`}},
	"db_get_auth_id": {Modules: []string{"uri"}, New: "db_get_auth_id", NewModule: "auth_db", Since: "3.0",
		Args: []string{`@uri.db_table|"subscriber"`, "%1", "%2", "%3"}},
	"get_auth_id": {Modules: []string{"uri"}, New: "db_get_auth_id", NewModule: "auth_db", Since: "3.0",
		Args: []string{`@uri.db_table|"subscriber"`, "%1", "%2", "%3"}},
	"check_to": {Modules: []string{"uri_db", "uri"}, New: "db_is_to_authorized", NewModule: "auth_db", Since: "3.0",
		Args: []string{`@uri.db_table|@uri_db.db_table|@uri_db.subscriber_table|"subscriber"`}},
	"check_from": {Modules: []string{"uri_db", "uri"}, New: "db_is_from_authorized", NewModule: "auth_db", Since: "3.0",
		Args: []string{`@uri.db_table|@uri_db.db_table|@uri_db.subscriber_table|"subscriber"`}},
	"db_check_to": {Modules: []string{"uri"}, New: "db_is_to_authorized", NewModule: "auth_db", Since: "3.0",
		Args: []string{`@uri.db_table|"subscriber"`}},
	"db_check_from": {Modules: []string{"uri"}, New: "db_is_from_authorized", NewModule: "auth_db", Since: "3.0",
		Args: []string{`@uri.db_table|"subscriber"`}},
	"is_user_in":           {Modules: []string{"group"}, New: "db_is_user_in", NewModule: "group", Since: "3.3"},
	"get_user_group":       {Modules: []string{"group"}, New: "db_get_user_group", NewModule: "group", Since: "3.3"},
	"t_lookup_request":     {Modules: []string{"tm"}, New: "t_check_trans", NewModule: "tm", Since: "1.2"},
	"force_rtp_proxy":      {Modules: []string{"nathelper"}, New: "rtpproxy_offer", NewModule: "rtpproxy", Since: "1.6", Review: "in a reply route the old call answered: use rtpproxy_answer() there"},
	"unforce_rtp_proxy":    {Modules: []string{"nathelper", "rtpproxy"}, New: "rtpproxy_unforce", NewModule: "rtpproxy", Since: "2.3"},
	"exec_msg":             {Modules: []string{"exec"}, New: "exec", NewModule: "exec", Since: "3.0", Args: []string{"%1", `"$mb"`}, Review: "the message is passed on the command's standard input as before", Plain: true},
	"exec_dset":            {Modules: []string{"exec"}, New: "", Since: "3.0", Replacement: `exec("cmd", , "$var(out)") and set $ru from its output`},
	"allow_trusted":        {Modules: []string{"permissions"}, New: "check_source_address", NewModule: "permissions", Since: "1.6", Args: []string{`0`}, Review: "the trusted table became the address table; group 0 is the old default"},
	"allow_source_address": {Modules: []string{"permissions"}, New: "check_source_address", NewModule: "permissions", Since: "1.6", Args: []string{`%1`}},
	"allow_address":        {Modules: []string{"permissions"}, New: "check_address", NewModule: "permissions", Since: "1.6", Args: []string{"%1", "%2", "%3", `"any"`}, Review: "check_address() also takes the protocol: \"any\" keeps the old behaviour"},
	"cr_rewrite_uri":       {Modules: []string{"carrierroute"}, Since: "1.4", Replacement: "cr_route(carrier, domain, prefix_matching, rewrite_user, hash_source)"},
}

// FlagFeature is a legacy module parameter naming a message flag whose
// setting at run time triggered a module feature; in 3.x the script calls
// a function instead, at the place the flag was set.
type FlagFeature struct {
	Module, Param string
	Until         string // last release with the parameter
	// Call is the modern call written after setflag(); Merge names the
	// argument that several flag parameters of one module share.
	Call   string
	Kind   string // do_accounting type ("log", "db", ...) or ""
	Missed bool   // the missed-calls flag
	Failed bool   // the failed-transactions flag
	// Branch is set when the modern form is a branch flag (NAT pinging).
	Branch bool
	Review string
}

// FlagFeatures are the flag-driven features of 1.x–2.x.
var FlagFeatures = []FlagFeature{
	{Module: "acc", Param: "log_flag", Until: "2.1", Kind: "log", Call: "do_accounting"},
	{Module: "acc", Param: "log_missed_flag", Until: "2.1", Kind: "log", Missed: true, Call: "do_accounting"},
	{Module: "acc", Param: "db_flag", Until: "2.1", Kind: "db", Call: "do_accounting"},
	{Module: "acc", Param: "db_missed_flag", Until: "2.1", Kind: "db", Missed: true, Call: "do_accounting"},
	{Module: "acc", Param: "failed_transaction_flag", Until: "2.1", Failed: true, Call: "do_accounting"},
	{Module: "acc", Param: "cdr_flag", Until: "2.1", Kind: "", Call: "do_accounting", Review: "cdr accounting needs the dialog module: the call gets the \"cdr\" flag"},
	{Module: "dialog", Param: "dlg_flag", Until: "1.6", Call: "create_dialog"},
	{Module: "registrar", Param: "nat_flag", Until: "1.1", Branch: true, Call: "setbflag", Review: "the contact saved with this flag set is NAT pinged: it is now the usrloc nat_bflag branch flag"},
	{Module: "registrar", Param: "sip_natping_flag", Until: "1.1", Branch: true, Call: "setbflag", Review: "SIP pinging of the contact is now the nathelper sipping_bflag branch flag"},
}

// ParamRule is a module parameter that moved to another module or was
// dropped without a replacement parameter.
type ParamRule struct {
	// NewModule and NewParam name where it went; both "" when dropped.
	NewModule, NewParam string
	Since               string
	// Note says what to check, or why dropping it is safe.
	Note string
	// Unreleased is set for a parameter dropped before the first release
	// of the map (0.9) that upstream doc examples still set.
	Unreleased bool
}

// ParamRules are keyed by old module and parameter; moves the history
// shows by itself (nathelper rtpproxy_sock → rtpproxy) need no row.
var ParamRules = map[[2]string]ParamRule{
	{"mi_xmlrpc", "port"}:          {NewModule: "httpd", NewParam: "port", Since: "2.1", Note: "the management interface is served by httpd + mi_http (JSON-RPC)"},
	{"mi_xmlrpc", "reply_option"}:  {Since: "2.1", Note: "mi_http answers JSON-RPC"},
	{"mi_xmlrpc", "buffer_size"}:   {Since: "2.1", Note: "httpd sizes its buffers itself (buf_size)"},
	{"mi_xmlrpc", "log_file"}:      {Since: "2.1", Note: "errors go to the main log"},
	{"mi_http", "mi_http_root"}:    {NewModule: "mi_http", NewParam: "root", Since: "3.0"},
	{"mi_http", "mi_http_method"}:  {Since: "3.0", Note: "mi_http takes JSON-RPC over POST"},
	{"tm", "noisy_ctimer"}:         {Since: "1.4", Note: "the cancel timer of INVITE transactions always ends them with a 408"},
	{"db_mysql", "ping_interval"}:  {Since: "1.8", Note: "connections are checked and reopened on use (max_db_retries)"},
	{"db_mysql", "auto_reconnect"}: {Since: "1.5", Note: "connections are reopened on failure (max_db_retries)"},
	{"rtpproxy", "rtpproxy_tout"}:  {NewModule: "rtpproxy", NewParam: "rtpproxy_timeout", Since: "3.3"},
	// nathelper's RTPProxy half became rtpproxy in 1.7; the integer
	// rtpproxy_tout gave way to the string rtpproxy_timeout in 3.3 (both
	// in seconds).
	{"nathelper", "rtpproxy_tout"}: {NewModule: "rtpproxy", NewParam: "rtpproxy_timeout", Since: "1.7", Note: "the timeout is in seconds as before, written as a string"},
	// Automatic prefix allocation left pdt in January 2005, before the
	// first OpenSER release, but its doc example kept the parameters.
	{"pdt", "start_range"}: {Since: "0.9", Note: "automatic prefix allocation was removed before OpenSER 0.9 (the line was already refused then)", Unreleased: true},
	{"pdt", "terminator"}:  {Since: "0.9", Note: "terminating codes were removed before OpenSER 0.9 (the line was already refused then)", Unreleased: true},
	{"pdt", "hsize_2pow"}:  {Since: "1.4", Note: "the prefix cache is a tree that sizes itself"},
	{"pdt", "sync_time"}:   {Since: "1.3", Note: "the cache is reloaded by pdt_reload (or changed by pdt_add/pdt_delete)"},
	{"pdt", "clean_time"}:  {Since: "1.3", Note: "the cache is reloaded by pdt_reload (or changed by pdt_add/pdt_delete)"},
	{"pdt", "fetch_rows"}:  {Since: "1.7", Note: "the table is read in one query"},
}

// ParamFate returns where a module parameter that the latest release no
// longer has went: a rule, or a move shown by the history (the parameter
// disappears from one module as another that is still exported gains it).
func ParamFate(module, param string) (ParamRule, bool) {
	if r, ok := ParamRules[[2]string{module, param}]; ok {
		return r, true
	}
	rows := ParamRows(module, param)
	if len(rows) == 0 {
		return ParamRule{}, false
	}
	last := -1
	for _, e := range rows {
		if e.Current() {
			return ParamRule{}, false
		}
		last = max(last, e.Last)
	}
	_, modLast, _ := ModuleSpan(module)
	for m, exps := range loadHistory().modules {
		if m == module {
			continue
		}
		for _, e := range exps {
			if e.Func || e.Name != param || !e.Current() || e.First != last+1 {
				continue
			}
			// A parameter leaving a live module, or a module born as the
			// old one died (not a new module that happens to share a
			// common name such as db_url).
			if modLast == Latest {
				return ParamRule{NewModule: m, NewParam: param, Since: Releases[e.First]}, true
			}
		}
	}
	return ParamRule{}, false
}

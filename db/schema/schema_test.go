package schema

import (
	"regexp"
	"strings"
	"testing"
)

// The db_text headers of OpenSIPS 3.6 (scripts/dbtext/opensips/*), which
// gosips must read and write unchanged.
var upstreamHeaders = map[string]string{
	"version":             "table_name(string) table_version(int)",
	"location":            "contact_id(long,auto) username(string) domain(string,null) contact(string) received(string,null) path(string,null) expires(int) q(double) callid(string) cseq(int) last_modified(int) flags(int) cflags(string,null) user_agent(string) socket(string,null) methods(int,null) sip_instance(string,null) kv_store(string,null) attr(string,null)",
	"subscriber":          "id(int,auto) username(string) domain(string) password(string) ha1(string) ha1_sha256(string) ha1_sha512t256(string)",
	"silo":                "id(int,auto) src_addr(string) dst_addr(string) username(string) domain(string) inc_time(int) exp_time(int) snd_time(int) ctype(string,null) body(blob,null)",
	"dispatcher":          "id(int,auto) setid(int) destination(string) socket(string,null) state(int) probe_mode(int) weight(string) priority(int) attrs(string,null) description(string,null)",
	"usr_preferences":     "id(int,auto) uuid(string) username(string) domain(string) attribute(string) type(int) value(string) last_modified(int)",
	"address":             "id(int,auto) grp(int) ip(string) mask(int) port(int) proto(string) pattern(string,null) context_info(string,null)",
	"domain":              "id(int,auto) domain(string) attrs(string,null) accept_subdomain(int) last_modified(int)",
	"grp":                 "id(int,auto) username(string) domain(string) grp(string) last_modified(int)",
	"re_grp":              "id(int,auto) reg_exp(string) group_id(int)",
	"dbaliases":           "id(int,auto) alias_username(string) alias_domain(string) username(string) domain(string)",
	"dr_gateways":         "id(int,auto) gwid(string) type(int) address(string) strip(int) pri_prefix(string,null) attrs(string,null) probe_mode(int) state(int) socket(string,null) description(string,null)",
	"dr_rules":            "ruleid(int,auto) groupid(string) prefix(string) timerec(string,null) priority(int) routeid(string,null) gwlist(string,null) sort_alg(string) sort_profile(int,null) attrs(string,null) description(string,null)",
	"dr_carriers":         "id(int,auto) carrierid(string) gwlist(string) flags(int) sort_alg(string) state(int) attrs(string,null) description(string,null)",
	"dr_groups":           "id(int,auto) username(string) domain(string,null) groupid(int) description(string,null)",
	"dr_partitions":       "id(int,auto) partition_name(string) db_url(string) drd_table(string,null) drr_table(string,null) drg_table(string,null) drc_table(string,null) ruri_avp(string,null) gw_id_avp(string,null) gw_priprefix_avp(string,null) gw_sock_avp(string,null) rule_id_avp(string,null) rule_prefix_avp(string,null) carrier_id_avp(string,null)",
	"dialplan":            "id(int,auto) dpid(int) pr(int) match_op(int) match_exp(string) match_flags(int) subst_exp(string,null) repl_exp(string,null) timerec(string,null) disabled(int) attrs(string,null)",
	"speed_dial":          "id(int,auto) username(string) domain(string) sd_username(string) sd_domain(string) new_uri(string) fname(string) lname(string) description(string)",
	"load_balancer":       "id(int,auto) group_id(int) dst_uri(string) resources(string) probe_mode(int) attrs(string,null) description(string,null)",
	"carrierroute":        "id(int,auto) carrier(int) domain(string) scan_prefix(string) flags(int) mask(int) prob(double) strip(int) rewrite_host(string) rewrite_prefix(string) rewrite_suffix(string) description(string,null)",
	"carrierfailureroute": "id(int,auto) carrier(int) domain(string) scan_prefix(string) host_name(string) reply_code(string) flags(int) mask(int) next_domain(string) description(string,null)",
	"route_tree":          "id(int,auto) carrier(string,null)",
	"acc":                 "id(int,auto) method(string) from_tag(string) to_tag(string) callid(string) sip_code(string) sip_reason(string) time(int) duration(int) ms_duration(int) setuptime(int) created(int,null)",
	"missed_calls":        "id(int,auto) method(string) from_tag(string) to_tag(string) callid(string) sip_code(string) sip_reason(string) time(int) setuptime(int) created(int,null)",
	"registrant":          "id(int,auto) registrar(string) proxy(string,null) aor(string) third_party_registrant(string,null) username(string,null) password(string,null) binding_URI(string) binding_params(string,null) expiry(int,null) forced_socket(string,null) cluster_shtag(string,null) state(int)",
	"tls_mgm":             "id(int,auto) domain(string) match_ip_address(string,null) match_sip_domain(string,null) type(int) method(string,null) verify_cert(int,null) require_cert(int,null) certificate(blob,null) private_key(blob,null) crl_check_all(int,null) crl_dir(string,null) ca_list(blob,null) ca_dir(string,null) cipher_list(string,null) dh_params(blob,null) ec_curve(string,null)",
	"presentity":          "id(int,auto) username(string) domain(string) event(string) etag(string) expires(int) received_time(int) body(blob,null) extra_hdrs(blob,null) sender(string,null)",
	"active_watchers":     "id(int,auto) presentity_uri(string) watcher_username(string) watcher_domain(string) to_user(string) to_domain(string) event(string) event_id(string,null) to_tag(string) from_tag(string) callid(string) local_cseq(int) remote_cseq(int) contact(string) record_route(string,null) expires(int) status(int) reason(string,null) version(int) socket_info(string) local_contact(string) sharing_tag(string,null)",
	"watchers":            "id(int,auto) presentity_uri(string) watcher_username(string) watcher_domain(string) event(string) status(int) reason(string,null) inserted_time(int)",
	"xcap":                "id(int,auto) username(string) domain(string) doc(blob) doc_type(int) etag(string) source(int) doc_uri(string) port(int)",
	"pua":                 "id(int,auto) pres_uri(string) pres_id(string) event(int) expires(int) desired_expires(int) flag(int) etag(string,null) tuple_id(string,null) watcher_uri(string,null) to_uri(string,null) call_id(string,null) to_tag(string,null) from_tag(string,null) cseq(int,null) record_route(string,null) contact(string,null) remote_contact(string,null) version(int,null) extra_headers(string,null) sharing_tag(string,null)",
	"rls_presentity":      "id(int,auto) rlsubs_did(string) resource_uri(string) content_type(string) presence_state(blob) expires(int) updated(int) auth_state(int) reason(string)",
	"rls_watchers":        "id(int,auto) presentity_uri(string) to_user(string) to_domain(string) watcher_username(string) watcher_domain(string) event(string) event_id(string,null) to_tag(string) from_tag(string) callid(string) local_cseq(int) remote_cseq(int) contact(string) record_route(string,null) expires(int) status(int) reason(string) version(int) socket_info(string) local_contact(string)",
	"rtpproxy_sockets":    "id(int,auto) rtpproxy_sock(string) set_id(int)",
	"rtpengine":           "id(int,auto) socket(string) set_id(int)",
	"sip_trace":           "id(int,auto) time_stamp(int) callid(string) trace_attrs(string,null) msg(string) method(string) status(string,null) from_proto(string) from_ip(string) from_port(int) to_proto(string) to_ip(string) to_port(int) fromtag(string) direction(string)",
	"dialog":              "dlg_id(long) callid(string) from_uri(string) from_tag(string) to_uri(string) to_tag(string) mangled_from_uri(string,null) mangled_to_uri(string,null) caller_cseq(string) callee_cseq(string) caller_ping_cseq(int) callee_ping_cseq(int) caller_route_set(string,null) callee_route_set(string,null) caller_contact(string,null) callee_contact(string,null) caller_sock(string) callee_sock(string) state(int) start_time(int) timeout(int) vars(blob,null) profiles(string,null) script_flags(string,null) module_flags(int) flags(int) rt_on_answer(string,null) rt_on_timeout(string,null) rt_on_hangup(string,null)",
	"userblacklist":       "id(int,auto) username(string) domain(string) prefix(string) whitelist(int)",
	"globalblacklist":     "id(int,auto) prefix(string) whitelist(int) description(string,null)",
	"imc_rooms":           "id(int,auto) name(string) domain(string) flag(int)",
	"imc_members":         "id(int,auto) username(string) domain(string) room(string) flag(int)",
	"b2b_entities":        "id(int,auto) type(int) state(int) ruri(string,null) from_uri(string) to_uri(string) from_dname(string,null) to_dname(string,null) tag0(string) tag1(string,null) callid(string) cseq0(int) cseq1(int,null) contact0(string) contact1(string,null) route0(string,null) route1(string,null) sockinfo_srv(string,null) param(string) mod_name(string) storage(blob,null) lm(int) lrc(int,null) lic(int,null) leg_cseq(int,null) leg_route(string,null) leg_tag(string,null) leg_contact(string,null) leg_sockinfo(string,null)",
	"b2b_logic":           "id(int,auto) si_key(string) scenario(string,null) sstate(int) lifetime(int) e1_type(int) e1_sid(string,null) e1_from(string) e1_to(string) e1_key(string) e1_sdp(string,null) e2_type(int) e2_sid(string,null) e2_from(string) e2_to(string) e2_key(string) e2_sdp(string,null) e3_type(int,null) e3_sid(string,null) e3_from(string,null) e3_to(string,null) e3_key(string,null)",
}

func TestTextHeadersMatchUpstream(t *testing.T) {
	if len(Names()) != len(upstreamHeaders) {
		t.Errorf("tables %v, want %d", Names(), len(upstreamHeaders))
	}
	for name, want := range upstreamHeaders {
		tb, ok := Lookup(name)
		if !ok {
			t.Errorf("table %s missing", name)
			continue
		}
		if got := tb.TextHeader(); got != want {
			t.Errorf("%s header:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestVersions(t *testing.T) {
	want := map[string]int{"version": 0, "location": 1013, "subscriber": 8, "silo": 6, "dispatcher": 9, "registrant": 3, "usr_preferences": 3, "dialog": 12, "acc": 7, "missed_calls": 5,
		"presentity": 5, "active_watchers": 12, "watchers": 4, "xcap": 4, "pua": 9, "rls_presentity": 1, "rls_watchers": 2,
		"rtpproxy_sockets": 0, "rtpengine": 1, "sip_trace": 5, "b2b_entities": 2, "b2b_logic": 5}
	for name, v := range want {
		if tb, _ := Lookup(name); tb == nil || tb.Version != v {
			t.Errorf("%s version = %+v, want %d", name, tb, v)
		}
	}
}

func TestSQLiteDDL(t *testing.T) {
	tests := []struct {
		table string
		want  []string // substrings of the statements, in order
	}{
		{"version", []string{"CREATE TABLE version (", "table_name CHAR(32) NOT NULL,", "table_version INTEGER DEFAULT 0 NOT NULL",
			"CONSTRAINT version_t_name_idx UNIQUE (table_name)"}},
		{"location", []string{"contact_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "domain CHAR(64) DEFAULT NULL,",
			"contact TEXT NOT NULL,", "q FLOAT(10,2) DEFAULT 1.0 NOT NULL", "callid CHAR(255) DEFAULT 'Default-Call-ID' NOT NULL",
			"last_modified DATETIME DEFAULT '1900-01-01 00:00:01' NOT NULL", "kv_store TEXT(512) DEFAULT NULL"}},
		{"subscriber", []string{"password CHAR(25) DEFAULT '' NOT NULL", "CONSTRAINT subscriber_account_idx UNIQUE (username, domain)",
			"CREATE INDEX subscriber_username_idx ON subscriber (username)"}},
		{"silo", []string{"body BLOB DEFAULT NULL", "CREATE INDEX silo_account_idx ON silo (username, domain)"}},
		{"dispatcher", []string{"weight CHAR(64) DEFAULT 1 NOT NULL"}},
		{"registrant", []string{"binding_URI CHAR(255) DEFAULT '' NOT NULL", "expiry INTEGER DEFAULT NULL",
			"CONSTRAINT registrant_registrant_idx UNIQUE (aor, binding_URI, registrar)"}},
		{"usr_preferences", []string{"id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "username CHAR(64) DEFAULT 0 NOT NULL",
			"type INTEGER DEFAULT 0 NOT NULL", "value CHAR(128) DEFAULT '' NOT NULL",
			"last_modified DATETIME DEFAULT '1900-01-01 00:00:01' NOT NULL",
			"CREATE INDEX usr_preferences_ua_idx ON usr_preferences (uuid, attribute)",
			"CREATE INDEX usr_preferences_uda_idx ON usr_preferences (username, domain, attribute)",
			"CREATE INDEX usr_preferences_value_idx ON usr_preferences (value)"}},
	}
	for _, tc := range tests {
		tb, _ := Lookup(tc.table)
		ddl := strings.Join(tb.SQLiteDDL(), ";\n")
		pos := 0
		for _, w := range tc.want {
			i := strings.Index(ddl[pos:], w)
			if i < 0 {
				t.Errorf("%s DDL lacks %q (in order):\n%s", tc.table, w, ddl)
				break
			}
			pos += i + len(w)
		}
	}
}

func TestDefinitionsWellFormed(t *testing.T) {
	ident := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	for _, tb := range tables {
		if !ident.MatchString(tb.Name) {
			t.Errorf("table name %q", tb.Name)
		}
		seen := map[string]bool{}
		autos := 0
		for _, c := range tb.Columns {
			if !ident.MatchString(c.Name) || seen[c.Name] {
				t.Errorf("%s: bad or duplicate column %q", tb.Name, c.Name)
			}
			seen[c.Name] = true
			if c.Auto {
				autos++
			}
			// Upstream leaves a few nullable columns without a default
			// (dr_rules.gwlist, the dr_partitions names), and gives
			// tls_mgm's nullable settings their defaults.
			if c.Null && c.Default != "NULL" && c.Default != "" && tb.Name != "tls_mgm" {
				t.Errorf("%s.%s: nullable column without DEFAULT NULL", tb.Name, c.Name)
			}
		}
		if autos > 1 {
			t.Errorf("%s: %d auto columns", tb.Name, autos)
		}
		for _, ix := range tb.Indexes {
			for _, c := range ix.Cols {
				if !seen[c] {
					t.Errorf("%s: index %s on unknown column %s", tb.Name, ix.Name, c)
				}
			}
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		in   []string
		want string
		err  bool
	}{
		{nil, strings.Join(Names(), ","), false},
		{[]string{"silo", " location"}, "version,location,silo", false},
		{[]string{"version"}, "version", false},
		{[]string{"locaton"}, "", true},
	}
	for _, tc := range tests {
		got, err := Resolve(tc.in...)
		if (err != nil) != tc.err {
			t.Errorf("Resolve(%v) error = %v", tc.in, err)
			continue
		}
		var names []string
		for _, tb := range got {
			names = append(names, tb.Name)
		}
		if strings.Join(names, ",") != tc.want {
			t.Errorf("Resolve(%v) = %v, want %s", tc.in, names, tc.want)
		}
	}
}

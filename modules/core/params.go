package core

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
)

// Params lists the global parameters of OpenSIPS 3.6 (cfg.lex/cfg.y) and
// the removed or renamed ones old configs still use.
func (c *Core) Params() []api.Param {
	cf := &c.Config
	ps := []api.Param{
		// Logging and debugging.
		c.intP("log_level", &cf.LogLevel, "2"),
		c.intP("xlog_level", &cf.XlogLevel, "2"),
		c.intP("xlog_print_level", &cf.XlogPrintLevel, "2"),
		c.intP("xlog_buf_size", &cf.XlogBufSize, "4096"),
		c.intP("xlog_force_color", &cf.XlogForceColor, "0"),
		c.intP("pv_print_buf_size", &cf.PVPrintBufSize, "20000"),
		c.intP("stderror_enabled", &cf.StderrorEnabled, "1"),
		c.intP("syslog_enabled", &cf.SyslogEnabled, "0"),
		c.intP("log_event_enabled", &cf.LogEventEnabled, "0"),
		c.filterP("stderror_level_filter", &cf.StderrorLevelFilter),
		c.filterP("syslog_level_filter", &cf.SyslogLevelFilter),
		c.filterP("log_event_level_filter", &cf.LogEventLevelFilter),
		c.logFormatP("stderror_log_format", &cf.StderrorLogFormat),
		c.logFormatP("syslog_log_format", &cf.SyslogLogFormat),
		c.facilityP("syslog_facility", "", ""),
		c.strP("syslog_name", &cf.SyslogName, ""),
		c.strP("log_prefix", &cf.LogPrefix, ""),
		c.intP("log_stdout", &cf.LogStdout, "0"),
		c.storeP("log_json_buf_size", api.ParamInt, ""),
		c.storeP("log_msg_buf_size", api.ParamInt, ""),
		c.intP("debug_mode", &cf.DebugMode, "0"),
		c.intP("enable_asserts", &cf.EnableAsserts, "0"),
		c.intP("abort_on_assert", &cf.AbortOnAssert, "0"),

		// Memory debugging and tuning: accepted and stored.
		c.storeP("memlog", api.ParamInt, ""),
		c.aliasP("mem_log", "memlog", api.ParamInt),
		c.storeP("memdump", api.ParamInt, ""),
		c.aliasP("mem_dump", "memdump", api.ParamInt),
		c.storeP("shm_memlog_size", api.ParamInt, "0"),
		c.storeP("shm_hash_split_percentage", api.ParamInt, ""),
		c.storeP("shm_secondary_hash_size", api.ParamInt, ""),
		c.storeP("mem_warming", api.ParamInt, "0"),
		c.aliasP("mem_warming_enabled", "mem_warming", api.ParamInt),
		c.storeP("mem_warming_pattern_file", api.ParamStr, ""),
		c.storeP("mem_warming_percentage", api.ParamInt, ""),
		c.storeP("restart_persistency_cache_file", api.ParamStr, ""),
		c.storeP("restart_persistency_size", api.ParamInt, ""),
		multiP(c.storeP("mem-group", api.ParamStr, "")),
		c.storeP("execmsgthreshold", api.ParamInt, "0"),
		c.aliasP("exec_msg_threshold", "execmsgthreshold", api.ParamInt),
		c.storeP("execdnsthreshold", api.ParamInt, "0"),
		c.aliasP("exec_dns_threshold", "execdnsthreshold", api.ParamInt),
		c.storeP("tcpthreshold", api.ParamInt, "0"),
		c.aliasP("tcp_threshold", "tcpthreshold", api.ParamInt),
		c.storeP("event_shm_threshold", api.ParamInt, "0"),
		c.storeP("event_pkg_threshold", api.ParamInt, "0"),
		c.storeP("query_buffer_size", api.ParamInt, "0"),
		c.storeP("query_flush_time", api.ParamInt, "0"),

		// Processes.
		c.workersP("udp_workers", &cf.UDPWorkers, &cf.UDPWorkersProfile, "8"),
		c.workersP("tcp_workers", &cf.TCPWorkers, &cf.TCPWorkersProfile, "8"),
		c.workersP("timer_workers", &cf.TimerWorkers, &cf.TimerWorkersProfile, "1"),
		c.listP("auto_scaling_profile", &cf.AutoScalingProfiles),
		c.intP("auto_scaling_cycle", &cf.AutoScalingCycle, "1"),
		c.storeP("chroot", api.ParamStr, ""),
		c.storeP("workdir", api.ParamStr, ""),
		c.aliasP("wdir", "workdir", api.ParamStr),
		c.storeP("open_files_limit", api.ParamInt, ""),
		c.storeP("disable_core_dump", api.ParamInt, "0"),

		// Network and listening.
		c.listP("socket", &cf.Sockets),
		// listen is deprecated since 3.1; the runtime warns when decoding it.
		c.listP("listen", &cf.Sockets),
		c.listP("alias", &cf.Aliases),
		c.intP("auto_aliases", &cf.AutoAliases, "0"),
		c.strP("advertised_address", &cf.AdvertisedAddress, ""),
		c.intP("advertised_port", &cf.AdvertisedPort, ""),
		c.intP("mhomed", &cf.Mhomed, "0"),
		c.tosP(),
		c.intP("check_via", &cf.CheckVia, "0"),
		c.intP("dns", &cf.DNS, "0"),
		c.intP("rev_dns", &cf.RevDNS, "0"),
		c.storeP("dns_try_ipv6", api.ParamInt, "0"),
		c.storeP("dns_try_naptr", api.ParamInt, ""),
		c.storeP("dns_retr_time", api.ParamInt, ""),
		c.storeP("dns_retr_no", api.ParamInt, ""),
		c.storeP("dns_servers_no", api.ParamInt, ""),
		c.storeP("dns_use_search_list", api.ParamInt, ""),
		c.intP("disable_dns_failover", &cf.DisableDNSFailover, "0"),
		c.intP("disable_dns_blacklist", &cf.DisableDNSBlacklist, "1"),
		c.checkedListP("dst_blacklist", &cf.DstBlacklists, func(v string) error { _, err := parseBlacklistDef(v); return err }),
		c.storeP("maxbuffer", api.ParamInt, ""),
		c.pollP("poll_method"),
		c.storeP("mcast_loopback", api.ParamInt, "0"),
		c.storeP("mcast_ttl", api.ParamInt, ""),
		c.intP("sip_warning", &cf.SIPWarning, "0"),
		c.intP("server_signature", &cf.ServerSignature, "1"),
		c.strP("server_header", &cf.ServerHeader, "Server: OpenSIPS"),
		c.strP("user_agent_header", &cf.UserAgentHeader, "User-Agent: OpenSIPS"),
		c.intP("disable_stateless_fwd", &cf.DisableStatelessFwd, "0"),
		c.intP("disable_503_translation", &cf.Disable503Translation, "0"),
		c.intP("max_while_loops", &cf.MaxWhileLoops, "10000"),

		// TCP engine.
		c.storeP("tcp_accept_aliases", api.ParamInt, "0"),
		c.storeP("tcp_connect_timeout", api.ParamInt, ""),
		c.storeP("tcp_connection_lifetime", api.ParamInt, "120"),
		c.storeP("tcp_socket_backlog", api.ParamInt, ""),
		c.storeP("tcp_max_connections", api.ParamInt, "2048"),
		c.storeP("tcp_keepalive", api.ParamInt, ""),
		c.storeP("tcp_keepcount", api.ParamInt, "0"),
		c.storeP("tcp_keepidle", api.ParamInt, "0"),
		c.storeP("tcp_keepinterval", api.ParamInt, "0"),
		c.storeP("tcp_max_msg_time", api.ParamInt, ""),
		c.storeP("tcp_parallel_read_on_workers", api.ParamInt, "0"),
		// Requests over udp_mtu bytes go over udp_mtu_try_proto (RFC 3261
		// §18.1.1); not an OpenSIPS 3.6 parameter (Kamailio's names).
		c.storeP("udp_mtu", api.ParamInt, "0"),
		c.mtuProtoP(),
		c.strP("tcp_no_new_conn_bflag", &cf.TCPNoNewConnBflag, ""),
		c.strP("tcp_no_new_conn_rplflag", &cf.TCPNoNewConnRplflag, ""),

		// Databases and modules.
		c.strP("db_default_url", &cf.DBDefaultURL, ""),
		c.strP("db_version_table", &cf.DBVersionTable, "version"),
		c.intP("db_max_async_connections", &cf.DBMaxAsyncConnections, "10"),
		c.listP("mpath", &cf.MPath),
		// The provisioning framework file (OpenSIPS 4.x core parameter;
		// pi_http's framework modparam in 3.x).
		c.storeP("pi_framework", api.ParamStr, ""),
	}
	return append(ps, c.legacyParams()...)
}

// mtuProtoP binds udp_mtu_try_proto: the stream protocol a request over
// udp_mtu moves to.
func (c *Core) mtuProtoP() api.Param {
	protos := []string{"tcp", "tls", "ws", "wss"}
	return api.Param{Name: "udp_mtu_try_proto", Type: api.ParamStr, Set: func(v api.ParamValue) error {
		p := strings.ToLower(v.Str)
		if !contains(protos, p) {
			return unknown("udp_mtu_try_proto protocol", v.Str, protos)
		}
		c.Config.record("udp_mtu_try_proto", api.StrValue(p))
		return nil
	}}
}

// intP binds an integer global to dst.
func (c *Core) intP(name string, dst *int, def string) api.Param {
	return api.Param{Name: name, Type: api.ParamInt, Default: def, Set: func(v api.ParamValue) error {
		*dst = int(v.Int)
		c.Config.record(name, api.IntValue(v.Int))
		return nil
	}}
}

// strP binds a string (or bare identifier) global to dst.
func (c *Core) strP(name string, dst *string, def string) api.Param {
	return api.Param{Name: name, Type: api.ParamStr, Default: def, Set: func(v api.ParamValue) error {
		*dst = v.Str
		c.Config.record(name, api.StrValue(v.Str))
		return nil
	}}
}

// logFormats are OpenSIPS 3.x's log line formats.
var logFormats = []string{"plain_text", "json", "json_cee"}

// logFormatP binds stderror_log_format / syslog_log_format.
func (c *Core) logFormatP(name string, dst *string) api.Param {
	p := c.strP(name, dst, "plain_text")
	set := p.Set
	p.Set = func(v api.ParamValue) error {
		if !contains(logFormats, v.Str) {
			return unknown("log format", v.Str, logFormats)
		}
		return set(v)
	}
	return p
}

// storeP accepts a global that gosips does not act on and keeps its value
// for Global.
func (c *Core) storeP(name string, t api.ParamType, def string) api.Param {
	return api.Param{Name: name, Type: t, Default: def, Set: func(v api.ParamValue) error {
		c.Config.record(name, paramValue(v))
		return nil
	}}
}

// aliasP is a second spelling OpenSIPS accepts for the same global.
func (c *Core) aliasP(name, canonical string, t api.ParamType) api.Param {
	return api.Param{Name: name, Type: t, Set: func(v api.ParamValue) error {
		c.Config.record(canonical, paramValue(v))
		return nil
	}}
}

// listP accumulates a repeatable global whose structured value the
// runtime decodes from the syntax tree itself (socket, alias...).
func (c *Core) listP(name string, dst *[]string) api.Param {
	return api.Param{Name: name, Type: api.ParamStr, Multi: true, Set: func(v api.ParamValue) error {
		*dst = append(*dst, v.Str)
		c.Config.record(name, api.StrValue(v.Str))
		return nil
	}}
}

// checkedListP is listP with each value checked when set.
func (c *Core) checkedListP(name string, dst *[]string, check func(string) error) api.Param {
	p := c.listP(name, dst)
	set := p.Set
	p.Set = func(v api.ParamValue) error {
		if err := check(v.Str); err != nil {
			return fmt.Errorf("%s %q: %w", name, v.Str, err)
		}
		return set(v)
	}
	return p
}

// filterP binds a signed level filter.
func (c *Core) filterP(name string, dst **int) api.Param {
	return api.Param{Name: name, Type: api.ParamInt, Set: func(v api.ParamValue) error {
		n := int(v.Int)
		*dst = &n
		c.Config.record(name, api.IntValue(v.Int))
		return nil
	}}
}

// workersP binds udp_workers/tcp_workers/timer_workers, which take a count
// optionally followed by "use_auto_scaling_profile NAME".
func (c *Core) workersP(name string, dst *int, profile *string, def string) api.Param {
	return api.Param{Name: name, Type: api.ParamInt | api.ParamStr, Default: def, Set: func(v api.ParamValue) error {
		n, prof, err := parseWorkers(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		*dst, *profile = n, prof
		c.Config.record(name, api.IntValue(int64(n)))
		return nil
	}}
}

func parseWorkers(v api.ParamValue) (int, string, error) {
	words := strings.Fields(v.Str)
	n := int(v.Int)
	if !v.IsInt {
		if len(words) == 0 {
			return 0, "", fmt.Errorf("expected a number of workers")
		}
		i, err := strconv.Atoi(words[0])
		if err != nil {
			return 0, "", fmt.Errorf("expected a number of workers, got %q", words[0])
		}
		n, words = i, words[1:]
	} else if len(words) > 0 && words[0] == strconv.Itoa(n) {
		words = words[1:]
	}
	if n < 0 {
		return 0, "", fmt.Errorf("negative number of workers %d", n)
	}
	switch {
	case len(words) == 0:
		return n, "", nil
	case len(words) == 2 && words[0] == "use_auto_scaling_profile":
		return n, words[1], nil
	}
	return 0, "", fmt.Errorf("unexpected %q after the number of workers (expected use_auto_scaling_profile NAME)", strings.Join(words, " "))
}

var syslogFacilities = []string{"LOG_AUTH", "LOG_AUTHPRIV", "LOG_CRON", "LOG_DAEMON", "LOG_FTP",
	"LOG_KERN", "LOG_LOCAL0", "LOG_LOCAL1", "LOG_LOCAL2", "LOG_LOCAL3", "LOG_LOCAL4",
	"LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7", "LOG_LPR", "LOG_MAIL", "LOG_NEWS",
	"LOG_SYSLOG", "LOG_USER", "LOG_UUCP"}

// facilityP binds syslog_facility (and its legacy spelling log_facility).
func (c *Core) facilityP(name, legacy, deprecated string) api.Param {
	return api.Param{Name: name, Type: api.ParamStr, Default: "LOG_DAEMON", Legacy: legacy, Deprecated: deprecated,
		Set: func(v api.ParamValue) error {
			f := strings.ToUpper(v.Str)
			if !contains(syslogFacilities, f) {
				return unknown("syslog facility", v.Str, syslogFacilities)
			}
			c.Config.SyslogFacility = f
			c.Config.record("syslog_facility", api.StrValue(f))
			return nil
		}}
}

var tosNames = map[string]int{"IPTOS_LOWDELAY": 0x10, "IPTOS_THROUGHPUT": 0x08,
	"IPTOS_RELIABILITY": 0x04, "IPTOS_MINCOST": 0x02, "IPTOS_LOWCOST": 0x02}

func (c *Core) tosP() api.Param {
	return api.Param{Name: "tos", Type: api.ParamInt | api.ParamStr, Set: func(v api.ParamValue) error {
		n := int(v.Int)
		if !v.IsInt {
			t, ok := tosNames[strings.ToUpper(v.Str)]
			if !ok {
				return unknown("tos value", v.Str, keys(tosNames))
			}
			n = t
		}
		c.Config.record("tos", api.IntValue(int64(n)))
		return nil
	}}
}

var pollMethods = []string{"none", "poll", "epoll", "sigio_rt", "select", "kqueue", "/dev/poll"}

func (c *Core) pollP(name string) api.Param {
	return api.Param{Name: name, Type: api.ParamStr, Set: func(v api.ParamValue) error {
		m := strings.ToLower(v.Str)
		if m == "epoll_et" || m == "epoll_lt" {
			// Dropped in 2.4; epoll is what they became.
			m = "epoll"
		}
		if !contains(pollMethods, m) {
			return unknown("poll method", v.Str, pollMethods)
		}
		c.Config.record(name, api.StrValue(m))
		return nil
	}}
}

func multiP(p api.Param) api.Param { p.Multi = true; return p }

// paramValue converts a parameter as written into a script value.
func paramValue(v api.ParamValue) api.Value {
	if v.IsInt {
		return api.IntValue(v.Int)
	}
	return api.StrValue(v.Str)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// unknown builds the standard "unknown X" error with a did-you-mean hint.
func unknown(what, got string, candidates []string) error {
	if h := diag.DidYouMean(got, candidates); h != "" {
		return fmt.Errorf("unknown %s %q (%s)", what, got, h)
	}
	return fmt.Errorf("unknown %s %q", what, got)
}

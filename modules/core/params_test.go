package core

import (
	"strings"
	"testing"

	"gosips/api"
)

func findParam(t *testing.T, c *Core, name string) api.Param {
	t.Helper()
	for _, p := range c.Params() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("global %s not declared", name)
	return api.Param{}
}

func intV(n int64) api.ParamValue  { return api.ParamValue{IsInt: true, Int: n} }
func strV(s string) api.ParamValue { return api.ParamValue{Str: s} }

func TestGlobals(t *testing.T) {
	tests := []struct {
		name    string
		val     api.ParamValue
		global  string // global to read back (default: name)
		want    api.Value
		wantErr string
		legacy  bool
		deprec  bool
		check   func(c *Config) bool
	}{
		{name: "log_level", val: intV(-1), want: api.IntValue(-1)},
		{name: "xlog_level", val: intV(3), want: api.IntValue(3), check: func(c *Config) bool { return c.XlogLevel == 3 }},
		{name: "debug", val: intV(9), global: "log_level", want: api.IntValue(4), legacy: true,
			check: func(c *Config) bool { return c.LogLevel == 4 }},
		{name: "debug", val: intV(3), global: "log_level", want: api.IntValue(3), legacy: true},
		{name: "children", val: intV(4), global: "udp_workers", want: api.IntValue(4), legacy: true,
			check: func(c *Config) bool { return c.UDPWorkers == 4 }},
		{name: "tcp_children", val: intV(2), global: "tcp_workers", want: api.IntValue(2), legacy: true},
		{name: "xlog_default_level", val: intV(-1), global: "xlog_print_level", want: api.IntValue(-1), legacy: true},
		{name: "tcp_listen_backlog", val: intV(64), global: "tcp_socket_backlog", want: api.IntValue(64), legacy: true},
		{name: "log_stderror", val: intV(1), global: "stderror_enabled", want: api.IntValue(1), deprec: true,
			check: func(c *Config) bool { return c.StderrorEnabled == 1 && c.SyslogEnabled == 0 }},
		{name: "log_stderror", val: intV(0), global: "syslog_enabled", want: api.IntValue(1), deprec: true,
			check: func(c *Config) bool { return c.StderrorEnabled == 0 }},
		{name: "log_facility", val: strV("LOG_LOCAL0"), global: "syslog_facility", want: api.StrValue("LOG_LOCAL0"), deprec: true},
		{name: "log_name", val: strV("sip"), global: "syslog_name", want: api.StrValue("sip"), deprec: true},
		{name: "syslog_facility", val: strV("LOG_LOCAL9"), wantErr: `unknown syslog facility "LOG_LOCAL9" (did you mean`},
		{name: "udp_workers", val: intV(4), want: api.IntValue(4)},
		{name: "udp_workers", val: strV("4 use_auto_scaling_profile PROF"), want: api.IntValue(4),
			check: func(c *Config) bool { return c.UDPWorkersProfile == "PROF" }},
		{name: "tcp_workers", val: strV("4 use_auto_scaling PROF"), wantErr: "expected use_auto_scaling_profile NAME"},
		{name: "timer_workers", val: intV(-2), wantErr: "negative number of workers"},
		{name: "tos", val: strV("IPTOS_LOWDELAY"), want: api.IntValue(0x10)},
		{name: "tos", val: strV("IPTOS_LOWDELEY"), wantErr: `did you mean "IPTOS_LOWDELAY"?`},
		{name: "poll_method", val: strV("epoll_et"), want: api.StrValue("epoll")},
		{name: "poll_method", val: strV("epol"), wantErr: `did you mean "epoll"?`},
		{name: "wdir", val: strV("/tmp"), global: "workdir", want: api.StrValue("/tmp")},
		{name: "mem_log", val: intV(1), global: "memlog", want: api.IntValue(1)},
		{name: "listen", val: strV("udp:127.0.0.1:5060"), want: api.StrValue("udp:127.0.0.1:5060"),
			check: func(c *Config) bool { return len(c.Sockets) == 1 }},
		{name: "fifo", val: strV("/tmp/fifo"), want: api.StrValue("/tmp/fifo"), legacy: true},
		{name: "tls_method", val: strV("TLSv1"), want: api.StrValue("TLSv1"), legacy: true},
		{name: "port", val: intV(5070), legacy: true, check: func(c *Config) bool { return c.Port == 5070 }},
	}
	for _, tc := range tests {
		t.Run(tc.name+"="+tc.val.Str, func(t *testing.T) {
			c := New()
			p := findParam(t, c, tc.name)
			if (p.Legacy != "") != tc.legacy || (p.Deprecated != "") != tc.deprec {
				t.Fatalf("legacy=%q deprecated=%q", p.Legacy, p.Deprecated)
			}
			err := p.Set(tc.val)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want.Flags != 0 {
				g := tc.global
				if g == "" {
					g = tc.name
				}
				if got, ok := c.Global(g); !ok || got != tc.want {
					t.Fatalf("Global(%s) = %+v, %v; want %+v", g, got, ok, tc.want)
				}
			}
			if tc.check != nil && !tc.check(&c.Config) {
				t.Fatalf("config not updated: %+v", c.Config)
			}
		})
	}
}

func TestGlobalDefaults(t *testing.T) {
	c := New()
	for name, want := range map[string]api.Value{
		"log_level": api.IntValue(2), "xlog_level": api.IntValue(2), "udp_workers": api.IntValue(8),
		"max_while_loops": api.IntValue(10000), "stderror_enabled": api.IntValue(1),
	} {
		if got, ok := c.Global(name); !ok || got != want {
			t.Errorf("Global(%s) = %+v, %v; want %+v", name, got, ok, want)
		}
	}
	if c.IsSet("log_level") {
		t.Error("log_level reported as set on a fresh instance")
	}
	if _, ok := c.Global("no_such_param"); ok {
		t.Error("unknown global reported")
	}
}

func TestParamTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range New().Params() {
		if seen[p.Name] {
			t.Errorf("%s declared twice", p.Name)
		}
		seen[p.Name] = true
		if p.Set == nil || p.Type == 0 {
			t.Errorf("%s: missing setter or type", p.Name)
		}
	}
	// Every 3.6 global of language.md §5 must be there.
	for _, n := range strings.Fields(`log_level xlog_level xlog_print_level xlog_buf_size pv_print_buf_size
		xlog_force_color stderror_enabled syslog_enabled log_event_enabled stderror_level_filter
		syslog_level_filter log_event_level_filter stderror_log_format syslog_log_format syslog_facility
		syslog_name log_prefix log_stdout log_stderror log_facility log_name debug_mode enable_asserts
		abort_on_assert memlog memdump shm_memlog_size mem_warming mem_warming_enabled
		mem_warming_pattern_file mem_warming_percentage shm_hash_split_percentage shm_secondary_hash_size
		restart_persistency_cache_file restart_persistency_size execmsgthreshold exec_dns_threshold
		tcp_threshold event_shm_threshold event_pkg_threshold udp_workers tcp_workers timer_workers
		auto_scaling_profile auto_scaling_cycle children tcp_children fork debug socket listen alias
		auto_aliases advertised_address advertised_port mhomed tos dns rev_dns dns_try_ipv6 dns_try_naptr
		dns_retr_time dns_retr_no dns_servers_no dns_use_search_list disable_dns_failover
		disable_dns_blacklist dst_blacklist check_via maxbuffer tcp_accept_aliases tcp_connect_timeout
		tcp_connection_lifetime tcp_socket_backlog tcp_max_connections tcp_keepalive tcp_keepcount
		tcp_keepidle tcp_keepinterval tcp_max_msg_time tcp_no_new_conn_bflag tcp_no_new_conn_rplflag
		tcp_parallel_read_on_workers tcp_listen_backlog poll_method mcast_loopback mcast_ttl sip_warning
		server_signature server_header user_agent_header disable_stateless_fwd disable_503_translation
		max_while_loops open_files_limit disable_core_dump chroot workdir wdir db_default_url
		db_version_table db_max_async_connections mem-group query_buffer_size query_flush_time mpath
		port disable_tcp disable_tls avp_aliases fifo fifo_mode unix_sock xlog_default_level reply_to_via`) {
		if !seen[n] {
			t.Errorf("global %s not declared", n)
		}
	}
}

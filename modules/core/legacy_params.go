package core

import (
	"gosips/api"
)

// legacyParams are globals removed or renamed before or during 3.x. They
// are accepted with a legacy (or, for names 3.6 still parses, deprecation)
// warning and mapped onto the modern setting where one exists.
func (c *Core) legacyParams() []api.Param {
	cf := &c.Config
	ps := []api.Param{
		legacy(api.ParamInt, "debug", "log_level = N (at most 4)", func(v api.ParamValue) error {
			cf.LogLevel = min(int(v.Int), LogDbg)
			cf.record("log_level", api.IntValue(int64(cf.LogLevel)))
			return nil
		}),
		legacy(api.ParamInt, "fork", "remove it; run in the foreground with -F or debug_mode = yes", func(v api.ParamValue) error {
			cf.Fork = int(v.Int)
			return nil
		}),
		legacy(api.ParamInt, "children", "udp_workers = N", func(v api.ParamValue) error {
			cf.UDPWorkers = int(v.Int)
			cf.record("udp_workers", api.IntValue(v.Int))
			return nil
		}),
		legacy(api.ParamInt, "tcp_children", "tcp_workers = N", func(v api.ParamValue) error {
			cf.TCPWorkers = int(v.Int)
			cf.record("tcp_workers", api.IntValue(v.Int))
			return nil
		}),
		legacy(api.ParamInt, "port", "give the port in every socket = proto:host:port", func(v api.ParamValue) error {
			cf.Port = int(v.Int)
			return nil
		}),
		legacy(api.ParamInt, "disable_tcp", `do not load "proto_tcp.so" (loading it enables TCP)`, func(v api.ParamValue) error {
			cf.DisableTCP = int(v.Int)
			return nil
		}),
		legacy(api.ParamInt, "disable_tls", `do not load "proto_tls.so" (loading it enables TLS)`, func(v api.ParamValue) error {
			cf.DisableTLS = int(v.Int)
			return nil
		}),
		legacy(api.ParamInt, "xlog_default_level", "xlog_print_level = N", func(v api.ParamValue) error {
			cf.XlogPrintLevel = int(v.Int)
			cf.record("xlog_print_level", api.IntValue(v.Int))
			return nil
		}),
		legacy(api.ParamInt, "tcp_listen_backlog", "tcp_socket_backlog = N", func(v api.ParamValue) error {
			cf.record("tcp_socket_backlog", api.IntValue(v.Int))
			return nil
		}),
		legacy(api.ParamInt, "reply_to_via", `set_via_handling("reply-to-via") in the request route`, c.keep("reply_to_via")),
		legacy(api.ParamStr, "avp_aliases", "remove it and name the AVPs directly: $avp(name)", c.keep("avp_aliases")),
		legacy(api.ParamStr, "fifo", `loadmodule "mi_fifo.so" and modparam("mi_fifo", "fifo_name", "...")`, c.keep("fifo")),
		legacy(api.ParamInt, "fifo_mode", `modparam("mi_fifo", "fifo_mode", N)`, c.keep("fifo_mode")),
		legacy(api.ParamStr, "fifo_dir", `modparam("mi_fifo", "fifo_name", "/dir/name")`, c.keep("fifo_dir")),
		legacy(api.ParamStr, "fifo_db_url", "remove it", c.keep("fifo_db_url")),
		legacy(api.ParamInt|api.ParamStr, "fifo_user", `modparam("mi_fifo", "fifo_user", "...")`, c.keep("fifo_user")),
		legacy(api.ParamInt|api.ParamStr, "fifo_group", `modparam("mi_fifo", "fifo_group", "...")`, c.keep("fifo_group")),
		legacy(api.ParamStr, "unix_sock", `loadmodule "mi_datagram.so" and modparam("mi_datagram", "socket_name", "...")`, c.keep("unix_sock")),
		legacy(api.ParamInt, "unix_sock_children", `modparam("mi_datagram", "children_count", N)`, c.keep("unix_sock_children")),
		legacy(api.ParamInt, "unix_tx_timeout", `modparam("mi_datagram", "unix_socket_timeout", N)`, c.keep("unix_tx_timeout")),
		legacy(api.ParamInt|api.ParamStr, "user", "start gosips as that user", c.keep("user")),
		legacy(api.ParamInt|api.ParamStr, "uid", "start gosips as that user", c.keep("user")),
		legacy(api.ParamInt|api.ParamStr, "group", "start gosips with that group", c.keep("group")),
		legacy(api.ParamInt|api.ParamStr, "gid", "start gosips with that group", c.keep("group")),
		legacy(api.ParamStr, "bin_listen", `socket = bin:host:port and loadmodule "proto_bin.so"`, c.keep("bin_listen")),
		legacy(api.ParamInt, "bin_children", `modparam("proto_bin", ...) / udp_workers`, c.keep("bin_children")),
		legacy(api.ParamStr, "tcp_poll_method", "remove it (poll_method covers TCP too)", c.keep("tcp_poll_method")),
		legacy(api.ParamInt, "tlslog", `modparam("tls_mgm", ...)`, c.keep("tlslog")),

		// 3.6 still parses these with a deprecation warning; 4.0 drops them.
		deprecated(api.ParamInt, "log_stderror", "stderror_enabled = yes and syslog_enabled = no (or the reverse)", func(v api.ParamValue) error {
			on := 0
			if v.Int != 0 {
				on = 1
			}
			cf.StderrorEnabled, cf.SyslogEnabled = on, 1-on
			cf.record("stderror_enabled", api.IntValue(int64(on)))
			cf.record("syslog_enabled", api.IntValue(int64(1-on)))
			return nil
		}),
		c.facilityP("log_facility", "", "syslog_facility = LOG_..."),
		deprecated(api.ParamStr, "log_name", `syslog_name = "..."`, func(v api.ParamValue) error {
			cf.SyslogName = v.Str
			cf.record("syslog_name", api.StrValue(v.Str))
			return nil
		}),
	}
	// Async TCP tuning moved from the core to proto_tcp in 2.x.
	for _, n := range []string{"tcp_async", "tcp_async_local_connect_timeout", "tcp_async_local_write_timeout",
		"tcp_async_max_postponed_chunks", "tcp_crlf_pingpong", "tcp_max_msg_chunks", "tcp_send_timeout"} {
		ps = append(ps, legacy(api.ParamInt, n, `modparam("proto_tcp", "`+n+`", N)`, c.keep(n)))
	}
	// TLS settings moved to the tls_mgm module in 2.x.
	for _, n := range []string{"tls_method", "tls_verify_server", "tls_verify_client",
		"tls_require_client_certificate", "tls_certificate", "tls_private_key", "tls_ca_list",
		"tls_ca_dir", "tls_ciphers_list", "tls_dh_params", "tls_ec_curve", "tls_handshake_timeout",
		"tls_send_timeout", "tls_port_no", "tls_log", "tls_server_domain", "tls_client_domain",
		"tls_client_domain_avp"} {
		ps = append(ps, legacy(api.ParamInt|api.ParamStr, n, `loadmodule "tls_mgm.so" and modparam("tls_mgm", "`+tlsMgmName(n)+`", ...)`, c.keep(n)))
	}
	return ps
}

// tlsMgmName maps an old core TLS global to its tls_mgm parameter.
func tlsMgmName(n string) string {
	switch n {
	case "tls_require_client_certificate":
		return "require_cert"
	case "tls_verify_server", "tls_verify_client":
		return "verify_cert"
	case "tls_certificate":
		return "certificate"
	case "tls_private_key":
		return "private_key"
	case "tls_ca_list":
		return "ca_list"
	case "tls_ca_dir":
		return "ca_dir"
	case "tls_ciphers_list":
		return "ciphers_list"
	case "tls_dh_params":
		return "dh_params"
	case "tls_ec_curve":
		return "ec_curve"
	case "tls_method":
		return "tls_method"
	case "tls_server_domain":
		return "server_domain"
	case "tls_client_domain":
		return "client_domain"
	}
	return n
}

// keep records a legacy value that has no modern effect.
func (c *Core) keep(name string) func(api.ParamValue) error {
	return func(v api.ParamValue) error {
		c.Config.record(name, paramValue(v))
		return nil
	}
}

func legacy(t api.ParamType, name, modern string, set func(api.ParamValue) error) api.Param {
	return api.Param{Name: name, Type: t, Legacy: modern, Set: set}
}

func deprecated(t api.ParamType, name, modern string, set func(api.ParamValue) error) api.Param {
	return api.Param{Name: name, Type: t, Deprecated: modern, Set: set}
}

package core

import "gosips/api"

// Log levels as OpenSIPS numbers them (log_level, xlog_level, log()).
const (
	LogAlert  = -3
	LogCrit   = -2
	LogErr    = -1
	LogWarn   = 1
	LogNotice = 2
	LogInfo   = 3
	LogDbg    = 4
)

// Config is the typed view of the global parameters the runtime reads.
// Parameters that are only accepted and stored (memory and DNS tuning,
// thresholds...) are reachable through Core.Global.
type Config struct {
	// Logging.
	LogLevel        int
	XlogLevel       int
	XlogPrintLevel  int
	XlogBufSize     int
	XlogForceColor  int
	PVPrintBufSize  int
	StderrorEnabled int
	SyslogEnabled   int
	LogEventEnabled int
	// Level filters; nil means "no filter beyond log_level".
	StderrorLevelFilter *int
	SyslogLevelFilter   *int
	LogEventLevelFilter *int
	StderrorLogFormat   string
	SyslogLogFormat     string
	SyslogFacility      string
	SyslogName          string
	LogPrefix           string
	LogStdout           int
	DebugMode           int
	EnableAsserts       int
	AbortOnAssert       int

	// Processes.
	UDPWorkers          int
	TCPWorkers          int
	TimerWorkers        int
	UDPWorkersProfile   string
	TCPWorkersProfile   string
	TimerWorkersProfile string
	AutoScalingCycle    int
	// AutoScalingProfiles are the raw auto_scaling_profile definitions.
	AutoScalingProfiles []string

	// Network. Sockets and Aliases keep the raw values of socket=/listen=
	// and alias= lines; the runtime decodes them from the syntax tree.
	Sockets           []string
	Aliases           []string
	AutoAliases       int
	AdvertisedAddress string
	AdvertisedPort    int
	Mhomed            int
	CheckVia          int
	DNS               int
	RevDNS            int
	// DstBlacklists are the raw dst_blacklist definitions.
	DstBlacklists         []string
	DisableDNSBlacklist   int
	DisableDNSFailover    int
	DisableStatelessFwd   int
	Disable503Translation int
	SIPWarning            int
	ServerSignature       int
	ServerHeader          string
	UserAgentHeader       string
	MaxWhileLoops         int
	TCPNoNewConnBflag     string
	TCPNoNewConnRplflag   string

	// Databases and modules.
	DBDefaultURL          string
	DBVersionTable        string
	DBMaxAsyncConnections int
	MPath                 []string

	// Legacy settings that have no modern global: the default port of
	// old "listen=IP" lines, and transports disabled by disable_tcp/tls.
	Port       int
	DisableTCP int
	DisableTLS int
	Fork       int

	set map[string]api.Value
}

// DefaultConfig returns the OpenSIPS 3.6 defaults.
func DefaultConfig() Config {
	return Config{
		LogLevel:              LogNotice,
		XlogLevel:             LogNotice,
		XlogPrintLevel:        LogNotice,
		XlogBufSize:           4096,
		PVPrintBufSize:        20000,
		StderrorEnabled:       1,
		SyslogFacility:        "LOG_DAEMON",
		UDPWorkers:            8,
		TCPWorkers:            8,
		TimerWorkers:          1,
		AutoScalingCycle:      1,
		DisableDNSBlacklist:   1,
		ServerSignature:       1,
		MaxWhileLoops:         10000,
		DBVersionTable:        "version",
		DBMaxAsyncConnections: 10,
		Fork:                  1,
		set:                   map[string]api.Value{},
	}
}

// defaults lists the default values Global reports for unset parameters.
func (c *Config) defaults() map[string]api.Value {
	d := DefaultConfig()
	return map[string]api.Value{
		"log_level":                api.IntValue(int64(d.LogLevel)),
		"xlog_level":               api.IntValue(int64(d.XlogLevel)),
		"xlog_print_level":         api.IntValue(int64(d.XlogPrintLevel)),
		"xlog_buf_size":            api.IntValue(int64(d.XlogBufSize)),
		"pv_print_buf_size":        api.IntValue(int64(d.PVPrintBufSize)),
		"stderror_enabled":         api.IntValue(int64(d.StderrorEnabled)),
		"syslog_enabled":           api.IntValue(0),
		"syslog_facility":          api.StrValue(d.SyslogFacility),
		"udp_workers":              api.IntValue(int64(d.UDPWorkers)),
		"tcp_workers":              api.IntValue(int64(d.TCPWorkers)),
		"timer_workers":            api.IntValue(int64(d.TimerWorkers)),
		"auto_scaling_cycle":       api.IntValue(int64(d.AutoScalingCycle)),
		"disable_dns_blacklist":    api.IntValue(int64(d.DisableDNSBlacklist)),
		"server_signature":         api.IntValue(int64(d.ServerSignature)),
		"max_while_loops":          api.IntValue(int64(d.MaxWhileLoops)),
		"db_version_table":         api.StrValue(d.DBVersionTable),
		"db_max_async_connections": api.IntValue(int64(d.DBMaxAsyncConnections)),
		"debug_mode":               api.IntValue(0),
	}
}

func (c *Config) record(name string, v api.Value) {
	if c.set == nil {
		c.set = map[string]api.Value{}
	}
	c.set[name] = v
}

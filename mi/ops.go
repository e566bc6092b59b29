package mi

import (
	"context"
	"os"
	"sync"
	"time"

	"gosips/api"
)

// Help is "help": without parameters a usage line; with "mi_cmd" the
// command's description and the module exporting it ("Exported by").
func Help(d *Dispatcher, owner func(cmd string) string) api.MICommand {
	return api.MICommand{
		Name: "help", Aliases: []string{"core:help"},
		Help:    "describes an MI command and names the module that exports it",
		Recipes: [][]string{{}, {"mi_cmd"}},
		Handler: func(_ context.Context, p api.MIParams) (any, error) {
			if _, ok := p["mi_cmd"]; !ok {
				return "Usage: help mi_cmd - returns information about 'mi_cmd'", nil
			}
			name, err := Str(p, "mi_cmd")
			if err != nil {
				return nil, err
			}
			c, ok := d.Lookup(name)
			if !ok {
				return nil, &api.MIError{Code: 404, Msg: "unknown MI command"}
			}
			help := c.Help
			if help == "" {
				help = "not available for this command"
			}
			o := Object{{"Help", help}}
			if owner != nil {
				if m := owner(c.Name); m != "" {
					o.Add("Exported by", m)
				}
			}
			return o, nil
		},
	}
}

// TCPConn is one stream connection for list_tcp_conns.
type TCPConn struct {
	ID       uint64
	Type     string // "tcp"
	State    int    // 0: established
	Remote   string // ip:port
	Local    string
	Lifetime time.Time // when it is closed if idle
	// AliasPorts are the remote ports requests reuse the connection for,
	// the source port first; each is an "Alias port" member, as
	// OpenSIPS repeats it.
	AliasPorts []uint16
}

// ListTCPConns is "list_tcp_conns": {"Connections": [{"ID", "Type",
// "State", "Remote", "Local", "Lifetime"}]}.
func ListTCPConns(conns func() []TCPConn) api.MICommand {
	return api.MICommand{
		Name: "list_tcp_conns", Aliases: []string{"core:list_tcp_conns"},
		Help:    "lists the open TCP connections",
		Recipes: [][]string{{}},
		Handler: func(context.Context, api.MIParams) (any, error) {
			list := []Object{}
			for _, c := range conns() {
				o := Object{{"ID", c.ID}, {"Type", c.Type}, {"State", c.State},
					{"Remote", c.Remote}, {"Local", c.Local}, {"Lifetime", c.Lifetime.Format("2006-01-02 15:04:05")}}
				for _, p := range c.AliasPorts {
					o = append(o, KV{"Alias port", p})
				}
				list = append(list, o)
			}
			return Object{{"Connections", list}}, nil
		},
	}
}

// MemDump are mem_pkg_dump, mem_shm_dump and mem_rpm_dump: they log the
// memory summary at the given level (log_level, default the memdump
// global) and answer "OK". gosips has no restart-persistent memory, so
// mem_rpm_dump answers 500.
func MemDump(dump func(kind string, level int)) []api.MICommand {
	level := func(p api.MIParams) (int, error) {
		if _, ok := p["log_level"]; !ok {
			return 0, nil
		}
		return Int(p, "log_level")
	}
	return []api.MICommand{
		{
			Name: "mem_pkg_dump", Aliases: []string{"core:mem_pkg_dump"},
			Help:    "logs the private (goroutine stack) memory summary of the process",
			Recipes: [][]string{{"pid"}, {"pid", "log_level"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				pid, err := Int(p, "pid")
				if err != nil {
					return nil, err
				}
				if pid != os.Getpid() {
					return nil, &api.MIError{Code: 404, Msg: "Process not found"}
				}
				l, err := level(p)
				if err != nil {
					return nil, err
				}
				dump("pkg", l)
				return nil, nil
			},
		},
		{
			Name: "mem_shm_dump", Aliases: []string{"core:mem_shm_dump"},
			Help:    "logs the heap memory summary",
			Recipes: [][]string{{}, {"log_level"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				l, err := level(p)
				if err != nil {
					return nil, err
				}
				dump("shm", l)
				return nil, nil
			},
		},
		{
			Name: "mem_rpm_dump", Aliases: []string{"core:mem_rpm_dump"},
			Help:    "restart-persistent memory (not used by gosips)",
			Recipes: [][]string{{}, {"log_level"}},
			Handler: func(context.Context, api.MIParams) (any, error) {
				return nil, &api.MIError{Code: 500, Msg: "restart persistent memory not in use"}
			},
		},
	}
}

// ReloadRoutes is "reload_routes": reload re-reads and checks the script
// and swaps its routes in; a script that does not check is refused and the
// running routes stay ("reload failed", 500, details in the log).
func ReloadRoutes(reload func(ctx context.Context) error) api.MICommand {
	var mu sync.Mutex
	return api.MICommand{
		Name: "reload_routes", Aliases: []string{"core:reload_routes"},
		Help:    "re-reads the script and replaces its routes without a restart",
		Recipes: [][]string{{}},
		Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			if err := reload(ctx); err != nil {
				return nil, &api.MIError{Code: 500, Msg: "reload failed"}
			}
			return nil, nil
		},
	}
}

// Blacklist is one dst_blacklist for list_blacklists.
type Blacklist struct {
	Name  string
	Owner string
	Flags []string // "read-only", "expire", "default"
	Rules []BlacklistRule
}

// BlacklistRule is one rule of a blacklist.
type BlacklistRule struct {
	Flags int // 1: negated ("!")
	IP    string
	Mask  string
	Proto string
	Port  int
	Match string
	// Expire is the seconds left of an expiring rule (0: none).
	Expire int
}

// ListBlacklists is "list_blacklists": {"Lists": [{"name", "owner",
// "flags", "Rules": [{"flags", "IP", "Mask", "Proto", "Port", "Match"}]}]};
// with "name" that list only (404 "Unknown name").
func ListBlacklists(lists func() []Blacklist) api.MICommand {
	render := func(b Blacklist) Object {
		rules := []Object{}
		for _, r := range b.Rules {
			o := Object{{"flags", r.Flags}, {"IP", r.IP}, {"Mask", r.Mask}, {"Proto", r.Proto}, {"Port", r.Port}}
			if r.Match != "" {
				o.Add("Match", r.Match)
			}
			if r.Expire > 0 {
				o.Add("Expire", r.Expire)
			}
			rules = append(rules, o)
		}
		flags := append([]string{}, b.Flags...)
		return Object{{"name", b.Name}, {"owner", b.Owner}, {"flags", flags}, {"Rules", rules}}
	}
	return api.MICommand{
		Name: "list_blacklists", Aliases: []string{"core:list_blacklists"},
		Help:    "lists the destination blacklists and their rules",
		Recipes: [][]string{{}, {"name"}},
		Handler: func(_ context.Context, p api.MIParams) (any, error) {
			all := lists()
			if _, ok := p["name"]; ok {
				name, err := Str(p, "name")
				if err != nil {
					return nil, err
				}
				for _, b := range all {
					if b.Name == name {
						return render(b), nil
					}
				}
				return nil, &api.MIError{Code: 404, Msg: "Unknown name"}
			}
			out := []Object{}
			for _, b := range all {
				out = append(out, render(b))
			}
			return Object{{"Lists", out}}, nil
		},
	}
}

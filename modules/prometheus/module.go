// Package prometheus declares the prometheus module: the statistics listed
// in its "statistics" parameter served in Prometheus' text exposition
// format on httpd's /<root> (default /metrics), as OpenSIPS' module does.
package prometheus

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "prometheus",
		Deps: []api.Dep{{Name: "httpd"}},
		New:  func() api.Module { return New() },
		Doc:  "statistics for Prometheus over httpd",
	})
}

// Group modes (group_mode).
const (
	groupNone  = 0 // name only
	groupName  = 1 // group in the name
	groupLabel = 2 // group as a label
)

// Module is one prometheus instance; the fields hold the modparams.
type Module struct {
	Root        string
	Prefix      string
	Delimiter   string
	GroupPrefix string
	GroupLabel  string
	GroupMode   int
	// Statistics are the exported names: "all", "group:" or a name.
	Statistics []string

	stats *api.Stats
}

// New returns a prometheus instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Root: "metrics", Prefix: "opensips", Delimiter: "_", GroupLabel: "group"}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("root", api.ParamStr, false, func(v api.ParamValue) error {
			r := strings.Trim(v.Str, "/")
			if r == "" || strings.ContainsAny(r, " ?#") {
				return fmt.Errorf("root %q is not a usable URL path segment", v.Str)
			}
			m.Root = r
			return nil
		}),
		api.StrParam("prefix", &m.Prefix),
		api.StrParam("delimiter", &m.Delimiter),
		api.StrParam("group_prefix", &m.GroupPrefix),
		api.StrParam("group_label", &m.GroupLabel),
		api.FuncParam("group_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < groupNone || v.Int > groupLabel {
				return fmt.Errorf("group_mode %d: want 0, 1 or 2", v.Int)
			}
			m.GroupMode = int(v.Int)
			return nil
		}),
		api.FuncParam("statistics", api.ParamStr, true, func(v api.ParamValue) error {
			m.Statistics = append(m.Statistics, strings.Fields(v.Str)...)
			return nil
		}),
		api.FuncParam("labels", api.ParamStr, true, func(v api.ParamValue) error {
			return fmt.Errorf("labels rules are not supported yet: statistics are exported under their own names")
		}),
		api.FuncParam("script_route", api.ParamStr, false, func(v api.ParamValue) error {
			return fmt.Errorf("script_route is not supported yet (prometheus_declare_stat/prometheus_push_stat)")
		}),
	}
}

// Funcs lists the functions of OpenSIPS' module; the custom statistics
// route is not implemented yet.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "prometheus_declare_stat", Routes: api.RequestRoute, Call: nil,
			Args: []api.Arg{{Name: "name", Type: api.ArgStr}, {Name: "type", Type: api.ArgStr, Optional: true},
				{Name: "help", Type: api.ArgStr, Optional: true}}},
		{Name: "prometheus_push_stat", Routes: api.RequestRoute, Call: nil,
			Args: []api.Arg{{Name: "value", Type: api.ArgInt}, {Name: "label_name", Type: api.ArgStr, Optional: true},
				{Name: "label_value", Type: api.ArgStr, Optional: true}}},
	}
}

// Init keeps the statistics registry the page is built from.
func (m *Module) Init(ic *api.InitCtx) error {
	m.stats = ic.Stats
	return nil
}

// Handler serves the metrics page on GET /<root>.
func (m *Module) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write([]byte(m.Page()))
	})
}

// selected lists the exported statistics in parameter order, each once.
func (m *Module) selected() []*api.Stat {
	var out []*api.Stat
	seen := map[*api.Stat]bool{}
	add := func(st *api.Stat) {
		if !seen[st] {
			seen[st] = true
			out = append(out, st)
		}
	}
	for _, name := range m.Statistics {
		switch {
		case name == "all":
			for _, st := range m.stats.All() {
				add(st)
			}
		case strings.HasSuffix(name, ":"):
			if g, ok := m.stats.LookupGroup(strings.TrimSuffix(name, ":")); ok {
				for _, st := range g.Stats() {
					add(st)
				}
			}
		default:
			if st, ok := m.stats.Lookup(name); ok {
				add(st)
			}
		}
	}
	return out
}

// Page renders the exported statistics: a "# TYPE" line then the sample,
// gauge for statistics that are never reset (computed or levels), counter
// for the others.
func (m *Module) Page() string {
	var b strings.Builder
	for _, st := range m.selected() {
		name := m.Prefix + m.Delimiter
		if m.GroupMode == groupName {
			name += m.GroupPrefix + st.Group() + m.Delimiter
		}
		name += metricName(st.Name())
		typ := "counter"
		if st.Kind() != api.StatCounter {
			typ = "gauge"
		}
		b.WriteString("# TYPE " + name + " " + typ + "\n")
		b.WriteString(name)
		if m.GroupMode == groupLabel {
			b.WriteString("{" + m.GroupLabel + "=\"" + m.GroupPrefix + st.Group() + "\"}")
		}
		b.WriteString(" " + strconv.FormatInt(st.Value(), 10) + "\n")
	}
	return b.String()
}

// metricName replaces what Prometheus does not allow in a name
// ([a-zA-Z_:][a-zA-Z0-9_:]*) by "_", as OpenSIPS does.
func metricName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':') {
			b[i] = '_'
		}
	}
	return string(b)
}

var (
	_ api.Module = (*Module)(nil)
	_ api.Initer = (*Module)(nil)
)

package mi

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"gosips/api"
)

// Status report states of the core (OpenSIPS' sr_core_states).
const (
	StateTerminating  = -2
	StateInitializing = -1
	StateRunning      = 1
)

// StatusReports is OpenSIPS' status-report registry: groups of
// identifiers, each with a status (ready when >= 0), a text and the last
// reports. It is safe for concurrent use.
type StatusReports struct {
	mu     sync.RWMutex
	groups []*srGroup
}

type srGroup struct {
	name string
	ids  []*srIdent
}

type srIdent struct {
	name       string
	status     int
	details    string
	reports    []srReport
	maxReports int
}

type srReport struct {
	at  time.Time
	log string
}

// NewStatusReports makes a registry with the core group and its "main"
// identifier, initialising.
func NewStatusReports() *StatusReports {
	r := &StatusReports{}
	r.Register("core", "main", 10)
	r.Set("core", "main", StateInitializing, "initializing")
	return r
}

// Register adds an identifier (and its group) keeping maxReports reports.
func (r *StatusReports) Register(group, ident string, maxReports int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.group(group)
	if g == nil {
		g = &srGroup{name: group}
		r.groups = append(r.groups, g)
	}
	if g.ident(ident) == nil {
		g.ids = append(g.ids, &srIdent{name: ident, status: StateInitializing, maxReports: maxReports})
	}
}

func (r *StatusReports) group(name string) *srGroup {
	for _, g := range r.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

func (g *srGroup) ident(name string) *srIdent {
	for _, i := range g.ids {
		if i.name == name {
			return i
		}
	}
	return nil
}

// Set changes an identifier's status and text.
func (r *StatusReports) Set(group, ident string, status int, details string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if g := r.group(group); g != nil {
		if i := g.ident(ident); i != nil {
			i.status, i.details = status, details
		}
	}
}

// Status returns an identifier's status for sr_check_status: ident ""
// is "main", "all" aggregates the group (1 when every identifier is
// ready, else -1), an unknown identifier is math.MinInt32 (OpenSIPS
// SR_STATUS_NOT_FOUND); found is false for an unknown group.
func (r *StatusReports) Status(group, ident string) (status int, found bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	g := r.group(group)
	if g == nil {
		return math.MinInt32, false
	}
	if strings.EqualFold(ident, "all") {
		status = 1
		for _, i := range g.ids {
			if i.status < 0 {
				status = -1
			}
		}
		return status, true
	}
	if ident == "" {
		ident = "main"
	}
	if i := g.ident(ident); i != nil {
		return i.status, true
	}
	return math.MinInt32, true
}

// Report appends a report line to an identifier (the oldest is dropped
// beyond its maximum).
func (r *StatusReports) Report(group, ident, log string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if g := r.group(group); g != nil {
		if i := g.ident(ident); i != nil && i.maxReports > 0 {
			i.reports = append(i.reports, srReport{at: time.Now(), log: log})
			if len(i.reports) > i.maxReports {
				i.reports = i.reports[1:]
			}
		}
	}
}

func statusObj(i *srIdent, withName bool) Object {
	o := Object{}
	if withName {
		o.Add("Name", i.name)
	}
	o.Add("Readiness", i.status >= 0)
	o.Add("Status", i.status)
	if i.details != "" {
		o.Add("Details", i.details)
	}
	return o
}

func reportsOf(i *srIdent) []Object {
	out := []Object{}
	for _, rp := range i.reports {
		out = append(out, Object{{"Timestamp", rp.at.Unix()}, {"Date", rp.at.Format(ctimeLayout)}, {"Log", rp.log}})
	}
	return out
}

var (
	errGroupNotFound = &api.MIError{Code: 404, Msg: "Group not found"}
	errIdentNotFound = &api.MIError{Code: 404, Msg: "Identifier not found"}
)

// eachGroup lists one object per identifier of the group asked for, or,
// with no group given, of every group under its name; r.mu held.
func (r *StatusReports) eachGroup(g *srGroup, given bool, obj func(*srIdent) Object) any {
	list := func(g *srGroup) []Object {
		out := []Object{}
		for _, i := range g.ids {
			out = append(out, obj(i))
		}
		return out
	}
	if given {
		return list(g)
	}
	out := []Object{}
	for _, g := range r.groups {
		out = append(out, Object{{"Name", g.name}, {"Identifiers", list(g)}})
	}
	return out
}

// Commands are sr_get_status, sr_list_status, sr_list_reports and
// sr_list_identifiers, shaped as OpenSIPS' answers.
func (r *StatusReports) Commands() []api.MICommand {
	groupOf := func(p api.MIParams) (*srGroup, bool, error) {
		if _, ok := p["group"]; !ok {
			return nil, false, nil
		}
		name, err := Str(p, "group")
		if err != nil {
			return nil, true, err
		}
		g := r.group(name)
		if g == nil {
			return nil, true, errGroupNotFound
		}
		return g, true, nil
	}
	return []api.MICommand{
		{
			Name: "sr_get_status", Aliases: []string{"core:sr_get_status"},
			Help:    "status of a status-report identifier (default \"main\"; \"all\" aggregates the group)",
			Recipes: [][]string{{"group"}, {"group", "identifier"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				r.mu.RLock()
				defer r.mu.RUnlock()
				g, _, err := groupOf(p)
				if err != nil {
					return nil, err
				}
				ident := "main"
				if _, ok := p["identifier"]; ok {
					if ident, err = Str(p, "identifier"); err != nil {
						return nil, err
					}
				}
				if ident == "all" {
					st := 1
					for _, i := range g.ids {
						if i.status < 0 {
							st = -1
						}
					}
					return Object{{"Readiness", st >= 0}, {"Status", st}, {"Details", "aggregated"}}, nil
				}
				i := g.ident(ident)
				if i == nil {
					return nil, &api.MIError{Code: 404, Msg: "Identity not found"}
				}
				return statusObj(i, false), nil
			},
		},
		{
			Name: "sr_list_status", Aliases: []string{"core:sr_list_status"},
			Help:    "status of every identifier, of one group or of all",
			Recipes: [][]string{{}, {"group"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				r.mu.RLock()
				defer r.mu.RUnlock()
				g, given, err := groupOf(p)
				if err != nil {
					return nil, err
				}
				return r.eachGroup(g, given, func(i *srIdent) Object { return statusObj(i, true) }), nil
			},
		},
		{
			Name: "sr_list_reports", Aliases: []string{"core:sr_list_reports"},
			Help:    "reports of an identifier, of a group or of all",
			Recipes: [][]string{{}, {"group"}, {"group", "identifier"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				r.mu.RLock()
				defer r.mu.RUnlock()
				g, given, err := groupOf(p)
				if err != nil {
					return nil, err
				}
				if _, ok := p["identifier"]; ok {
					name, err := Str(p, "identifier")
					if err != nil {
						return nil, err
					}
					i := g.ident(name)
					if i == nil {
						return nil, errIdentNotFound
					}
					return reportsOf(i), nil
				}
				return r.eachGroup(g, given, func(i *srIdent) Object {
					return Object{{"Name", i.name}, {"Reports", reportsOf(i)}}
				}), nil
			},
		},
		{
			Name: "sr_list_identifiers", Aliases: []string{"core:sr_list_identifiers"},
			Help:    "identifiers of a group or of all",
			Recipes: [][]string{{}, {"group"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				r.mu.RLock()
				defer r.mu.RUnlock()
				g, given, err := groupOf(p)
				if err != nil {
					return nil, err
				}
				names := func(g *srGroup) []string {
					out := []string{}
					for _, i := range g.ids {
						out = append(out, i.name)
					}
					return out
				}
				if given {
					return Object{{"Group", g.name}, {"Identifiers", names(g)}}, nil
				}
				out := []Object{}
				for _, g := range r.groups {
					out = append(out, Object{{"Group", g.name}, {"Identifiers", names(g)}})
				}
				return out, nil
			},
		},
	}
}

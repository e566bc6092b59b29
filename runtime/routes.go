package runtime

import (
	"fmt"
	"sort"

	"gosips/api"
	"gosips/lang/ast"
	"gosips/lang/diag"
)

// RouteTable holds the route blocks by kind and name.
type RouteTable struct {
	byKind map[ast.RouteKind]map[string]*ast.Route
	order  []*ast.Route
	// used marks routes referenced statically: route(x), t_on_failure("x")...
	used map[*ast.Route]bool
	// dynamic is set when a route is called by a computed name, which makes
	// "unused route" findings unreliable.
	dynamic bool
}

func newRouteTable() *RouteTable {
	return &RouteTable{byKind: map[ast.RouteKind]map[string]*ast.Route{}, used: map[*ast.Route]bool{}}
}

// singleton kinds allow one unnamed block.
var singletonKinds = map[ast.RouteKind]bool{
	ast.RouteError: true, ast.RouteLocal: true, ast.RouteStartup: true,
}

func (t *RouteTable) add(c *compiler, r *ast.Route) {
	m := t.byKind[r.Kind]
	if m == nil {
		m = map[string]*ast.Route{}
		t.byKind[r.Kind] = m
	}
	if prev, dup := m[r.Name]; dup {
		what := r.Label()
		if singletonKinds[r.Kind] || r.Name == "" {
			what = r.Kind.String()
		}
		c.diags.Add(r.At, diag.CodeDuplicateRoute, fmt.Sprintf("%s is defined twice (first at %s)", what, prev.At), "rename or merge the blocks")
		return
	}
	m[r.Name] = r
	t.order = append(t.order, r)
}

// Get returns a route by kind and name.
func (t *RouteTable) Get(kind ast.RouteKind, name string) *ast.Route {
	return t.byKind[kind][name]
}

// All returns the routes in source order.
func (t *RouteTable) All() []*ast.Route { return t.order }

// Names lists the names of the routes of one kind.
func (t *RouteTable) Names(kind ast.RouteKind) []string {
	var out []string
	for n := range t.byKind[kind] {
		if n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// routeKindOf maps a route type bit to the block kind.
func routeKindOf(t api.RouteType) ast.RouteKind {
	switch t {
	case api.FailureRoute:
		return ast.RouteFailure
	case api.OnReplyRoute:
		return ast.RouteOnReply
	case api.BranchRoute:
		return ast.RouteBranch
	case api.ErrorRoute:
		return ast.RouteError
	case api.LocalRoute:
		return ast.RouteLocal
	case api.StartupRoute:
		return ast.RouteStartup
	case api.TimerRoute:
		return ast.RouteTimer
	case api.EventRoute:
		return ast.RouteEvent
	}
	return ast.RouteRequest
}

// routeTypeOf maps a top-level block kind to its route type bit.
func routeTypeOf(k ast.RouteKind) api.RouteType {
	switch k {
	case ast.RouteFailure:
		return api.FailureRoute
	case ast.RouteOnReply:
		return api.OnReplyRoute
	case ast.RouteBranch:
		return api.BranchRoute
	case ast.RouteError:
		return api.ErrorRoute
	case ast.RouteLocal:
		return api.LocalRoute
	case ast.RouteStartup:
		return api.StartupRoute
	case ast.RouteTimer:
		return api.TimerRoute
	case ast.RouteEvent:
		return api.EventRoute
	}
	return api.RequestRoute
}

// FlagSet allocates named flags (at most 32 per kind, as OpenSIPS).
type FlagSet struct {
	kind  string
	names map[string]int
	order []string
}

func newFlagSet(kind string) *FlagSet { return &FlagSet{kind: kind, names: map[string]int{}} }

// clone copies the set (reload_routes allocates new names in the copy).
func (f *FlagSet) clone() *FlagSet {
	n := &FlagSet{kind: f.kind, names: make(map[string]int, len(f.names)), order: append([]string(nil), f.order...)}
	for k, v := range f.names {
		n.names[k] = v
	}
	return n
}

// Get returns the bit of a flag name, allocating it on first use.
func (f *FlagSet) Get(name string) (int, error) {
	if name == "" {
		return 0, fmt.Errorf("empty %s flag name", f.kind)
	}
	if b, ok := f.names[name]; ok {
		return b, nil
	}
	if len(f.order) >= 32 {
		return 0, fmt.Errorf("too many %s flags: %q would be the 33rd (the limit is 32)", f.kind, name)
	}
	b := len(f.order)
	f.names[name] = b
	f.order = append(f.order, name)
	return b, nil
}

// Name returns the name of a flag bit.
func (f *FlagSet) Name(bit int) string {
	if bit >= 0 && bit < len(f.order) {
		return f.order[bit]
	}
	return ""
}

// Len is the number of allocated flags.
func (f *FlagSet) Len() int { return len(f.order) }

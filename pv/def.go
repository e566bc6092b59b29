package pv

import (
	"sort"

	"gosips/api"
)

// InnerKind tells whether a PV takes a name in parentheses.
type InnerKind uint8

const (
	// NoInner: $ru; $ru(x) is an error.
	NoInner InnerKind = iota
	// NeedInner: $hdr(name); a bare $hdr is an error.
	NeedInner
	// OptInner: $socket_in and $socket_in(ip) are both valid.
	OptInner
)

// Def describes one PV name.
type Def struct {
	Name string
	// Module is "" for core PVs; else the module that must be loaded.
	Module   string
	Inner    InnerKind
	Writable bool
	// Index: the PV accepts [idx]; Append: also [append] (AVP-like).
	Index  bool
	Append bool
	// IndexWords are keyword indexes the PV accepts ([insert]).
	IndexWords []string
	// Legacy, when set, marks a removed or renamed PV; the text is the
	// modern form, shown as the hint of a legacy warning.
	Legacy  string
	Aliases []string
	// Doc is a one-line description.
	Doc string
	// ParseInner validates the inner name at load time; its result is
	// stored in Spec.Parsed.
	ParseInner func(inner string) (any, error)
	// StaticInner refuses a variable as the inner name ($sdp.line($var(x))).
	StaticInner bool
	// GetAll returns every value for for-each over $(name[*]); nil means
	// the single value of Get.
	GetAll func(c *api.Ctx, s *Spec) ([]api.Value, error)
	// Get reads the value; nil means "not implemented yet": Resolve refuses
	// the PV (code not-implemented).
	Get func(c *api.Ctx, s *Spec) (api.Value, error)
	// Set writes the value ("=" assignment; a NULL value is "= null");
	// nil for read-only PVs.
	Set func(c *api.Ctx, s *Spec, v api.Value) error
	// Replace handles ":=" where it differs from "=" (AVPs drop every
	// value first); nil means the same as Set.
	Replace func(c *api.Ctx, s *Spec, v api.Value) error
}

// Exporter is implemented by modules that export PVs.
type Exporter interface {
	PVs() []Def
}

// Table binds PV names to their definitions for one loaded script.
type Table struct {
	defs  map[string]*Def
	names []string
	// known maps PV names of modules that are not loaded to the module,
	// for the "loadmodule is missing" hint.
	known  map[string]string
	loaded func(module string) bool
}

// NewTable builds a table from definition lists; a later definition of a
// name replaces an earlier one, so a module's implementation overrides
// the placeholder in CoreDefs.
func NewTable(defs ...[]Def) *Table {
	t := &Table{defs: map[string]*Def{}, known: map[string]string{}}
	for _, list := range defs {
		for i := range list {
			t.add(list[i])
		}
	}
	return t
}

func (t *Table) add(d Def) {
	p := &d
	t.defs[d.Name] = p
	for _, a := range d.Aliases {
		t.defs[a] = p
	}
	t.names = nil
}

// Add adds or replaces definitions (a module's PVs).
func (t *Table) Add(defs []Def) {
	for i := range defs {
		t.add(defs[i])
	}
}

// AddKnown records the PVs of a module that is not loaded, so that using
// one tells which loadmodule is missing.
func (t *Table) AddKnown(module string, defs []Def) {
	for _, d := range defs {
		t.known[d.Name] = module
		for _, a := range d.Aliases {
			t.known[a] = module
		}
	}
}

// SetLoaded tells the table which modules are loaded; PVs owned by other
// modules then fail to resolve. With no function every module counts as
// loaded.
func (t *Table) SetLoaded(loaded func(module string) bool) { t.loaded = loaded }

func (t *Table) isLoaded(module string) bool {
	return module == "" || t.loaded == nil || t.loaded(module)
}

// Lookup finds a definition by name or alias.
func (t *Table) Lookup(name string) (*Def, bool) {
	d, ok := t.defs[name]
	return d, ok
}

// Names lists every name and alias, sorted (for "did you mean").
func (t *Table) Names() []string {
	if t.names == nil {
		t.names = make([]string, 0, len(t.defs))
		for n := range t.defs {
			t.names = append(t.names, n)
		}
		sort.Strings(t.names)
	}
	return t.names
}

// TableHolder is implemented by the runtime's per-message state
// (api.Ctx.Priv) to give run-time parsing ({s.eval}, a subst held in a
// variable) access to the script's table.
type TableHolder interface {
	PVTable() *Table
}

func tableOf(c *api.Ctx) *Table {
	if c == nil {
		return nil
	}
	if h, ok := c.Priv.(TableHolder); ok {
		return h.PVTable()
	}
	return nil
}

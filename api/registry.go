package api

import (
	"fmt"
	"sort"
)

// Registry maps module names to their constructors. The default registry is
// filled by init() functions and read-only afterwards; tests make their own.
type Registry struct {
	mods map[string]*ModuleInfo
}

// NewRegistry makes an empty registry.
func NewRegistry() *Registry { return &Registry{mods: map[string]*ModuleInfo{}} }

// Register adds a module; it panics on an empty or duplicate name or a nil
// constructor, which are programming errors.
func (r *Registry) Register(info ModuleInfo) {
	if info.Name == "" || info.New == nil {
		panic("api: module registered without name or constructor")
	}
	if _, dup := r.mods[info.Name]; dup {
		panic(fmt.Sprintf("api: module %q registered twice", info.Name))
	}
	r.mods[info.Name] = &info
}

// Lookup finds a module by name.
func (r *Registry) Lookup(name string) (*ModuleInfo, bool) {
	m, ok := r.mods[name]
	return m, ok
}

// Names lists the registered module names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.mods))
	for n := range r.mods {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

var defaultRegistry = NewRegistry()

// Register adds a module to the default registry; call it from init().
func Register(info ModuleInfo) { defaultRegistry.Register(info) }

// Default returns the registry filled by the modules' init functions.
func Default() *Registry { return defaultRegistry }

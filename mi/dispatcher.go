package mi

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"

	"gosips/api"
)

// Dispatcher resolves MI command names and runs JSON-RPC requests against
// them. It is safe for concurrent use; commands may be added while serving.
type Dispatcher struct {
	log *slog.Logger

	mu      sync.RWMutex
	cmds    []*command            // registration order
	names   map[string]*command   // primary (3.x) names
	aliases map[string][]*command // aliases (4.x module:cmd), possibly shared
	locals  map[string][]*command // the cmd part of module:cmd aliases
}

type command struct {
	api.MICommand
	recipes [][]string
}

// NewDispatcher builds a dispatcher over cmds; see Register for the errors.
// A nil logger discards.
func NewDispatcher(log *slog.Logger, cmds ...api.MICommand) (*Dispatcher, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{
		log:     log,
		names:   map[string]*command{},
		aliases: map[string][]*command{},
		locals:  map[string][]*command{},
	}
	if err := d.Register(cmds...); err != nil {
		return nil, err
	}
	return d, nil
}

// Register adds commands. A name already registered, an empty name, a
// recipe naming a parameter twice or two recipes with the same name set are
// errors, and then none of cmds is added.
func (d *Dispatcher) Register(cmds ...api.MICommand) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[string]bool{}
	built := make([]*command, 0, len(cmds))
	for _, c := range cmds {
		if c.Name == "" {
			return fmt.Errorf("mi command without a name")
		}
		if _, dup := d.names[c.Name]; dup || seen[c.Name] {
			return fmt.Errorf("mi command %q already registered", c.Name)
		}
		seen[c.Name] = true
		cmd, err := newCommand(c)
		if err != nil {
			return err
		}
		built = append(built, cmd)
	}
	for _, cmd := range built {
		d.cmds = append(d.cmds, cmd)
		d.names[cmd.Name] = cmd
		for _, a := range cmd.Aliases {
			if a == cmd.Name {
				continue
			}
			d.aliases[a] = append(d.aliases[a], cmd)
			if i := strings.IndexByte(a, ':'); i > 0 && i < len(a)-1 {
				d.locals[a[i+1:]] = append(d.locals[a[i+1:]], cmd)
			}
		}
	}
	return nil
}

func newCommand(c api.MICommand) (*command, error) {
	recipes := c.Recipes
	if len(recipes) == 0 {
		recipes = [][]string{{}}
	}
	keys := map[string]bool{}
	for _, r := range recipes {
		names := map[string]bool{}
		for _, p := range r {
			if p == "" {
				return nil, fmt.Errorf("mi command %q: empty parameter name", c.Name)
			}
			if names[p] {
				return nil, fmt.Errorf("mi command %q: parameter %q twice in a recipe", c.Name, p)
			}
			names[p] = true
		}
		sorted := slices.Clone(r)
		sort.Strings(sorted)
		k := strings.Join(sorted, "\x00")
		if keys[k] {
			return nil, fmt.Errorf("mi command %q: recipe %v given twice", c.Name, r)
		}
		keys[k] = true
	}
	return &command{MICommand: c, recipes: recipes}, nil
}

// Names lists the primary command names in registration order.
func (d *Dispatcher) Names() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]string, len(d.cmds))
	for i, c := range d.cmds {
		out[i] = c.Name
	}
	return out
}

// Lookup resolves a primary name, an alias or the unique short form of a
// module:cmd alias.
func (d *Dispatcher) Lookup(name string) (api.MICommand, bool) {
	c, err := d.lookup(name)
	if err != nil {
		return api.MICommand{}, false
	}
	return c.MICommand, true
}

// Recipes returns a command's recipes (an empty one for "no parameters").
func (d *Dispatcher) Recipes(name string) ([][]string, bool) {
	c, err := d.lookup(name)
	if err != nil {
		return nil, false
	}
	return c.recipes, true
}

func (d *Dispatcher) lookup(name string) (*command, *Error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if c, ok := d.names[name]; ok {
		return c, nil
	}
	if cs := d.aliases[name]; len(cs) > 0 {
		return one(cs)
	}
	if !strings.Contains(name, ":") {
		if cs := d.locals[name]; len(cs) > 0 {
			return one(cs)
		}
	}
	return nil, &Error{Code: CodeMethodNotFound, Message: MsgMethodNotFound}
}

func one(cs []*command) (*command, *Error) {
	if len(cs) == 1 {
		return cs[0], nil
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return nil, &Error{Code: CodeAmbiguous, Message: MsgAmbiguous,
		Data: "supported names: " + strings.Join(names, ", ")}
}

// match picks the recipe for the given parameters, as OpenSIPS does:
// positional parameters by count (two recipes of that size are ambiguous),
// named ones by the exact set of names.
func (c *command) match(pos []any, named map[string]any) ([]string, *Error) {
	if pos == nil && named == nil {
		for _, r := range c.recipes {
			if len(r) == 0 {
				return r, nil
			}
		}
		return nil, invalidParams(DetailCount)
	}
	if pos != nil {
		if c.NamedOnly {
			return nil, invalidParams(DetailNamedOnly)
		}
		var found []string
		for _, r := range c.recipes {
			if len(r) == 0 || len(r) != len(pos) {
				continue
			}
			if found != nil {
				return nil, invalidParams(DetailAmbiguousPos)
			}
			found = r
		}
		if found == nil {
			return nil, invalidParams(DetailCount)
		}
		return found, nil
	}
	detail := DetailCount
	for _, r := range c.recipes {
		if len(r) == 0 || len(r) != len(named) {
			continue
		}
		detail = DetailNamesMatch
		ok := true
		for _, p := range r {
			if _, has := named[p]; !has {
				ok = false
				break
			}
		}
		if ok {
			return r, nil
		}
	}
	return nil, invalidParams(detail)
}

// call runs the handler, turning panics into a server error.
func (d *Dispatcher) call(ctx context.Context, c *command, p api.MIParams) (res any, err error) {
	if c.Handler == nil {
		return nil, &Error{Code: 500, Message: "command not implemented"}
	}
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("mi command panicked", "command", c.Name, "panic", r)
			res, err = nil, &Error{Code: 500, Message: "Internal error"}
		}
	}()
	return c.Handler(ctx, p)
}

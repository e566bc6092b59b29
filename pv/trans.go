package pv

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gosips/api"
)

// ArgKind tells how a transformation argument is written.
type ArgKind uint8

const (
	// ArgStr: a PV, or text up to the next unescaped ",".
	ArgStr ArgKind = iota
	// ArgInt: a PV, or [+-]digits.
	ArgInt
	// ArgChar: exactly one character, which may be "," ({s.select,1,,}).
	ArgChar
	// ArgRest: the rest of the transformation, verbatim ({re.subst,...}).
	ArgRest
	// ArgFill: literal text that may hold blanks or be quoted; no PV.
	ArgFill
)

// Applier evaluates a prepared transformation. in is never NULL (NULL
// passes through every transformation untouched); args are the evaluated
// arguments, literals included, and must not be modified.
type Applier func(c *api.Ctx, in api.Value, args []api.Value) (api.Value, error)

// TransDef describes one transformation.
type TransDef struct {
	Class, Name      string
	MinArgs, MaxArgs int
	// Kinds gives the kind of each argument; the last repeats.
	Kinds []ArgKind
	// Apply computes the result; it needs no message.
	Apply func(in api.Value, args []api.Value) (api.Value, error)
	// Check validates the arguments at load time (literal constraints).
	Check func(args []TransArg) error
	// Prepare, when set, builds the evaluator once at load time (for
	// example compiling a literal regular expression).
	// resolve binds PVs the arguments hide (a subst replacement).
	Prepare func(args []TransArg, resolve func(*Spec) error) (Applier, error)
	// Module owning the transformation; "" for core ones.
	Module string
}

// Implemented reports whether the transformation has an evaluator; one
// without is declared "not implemented yet" and refused by Resolve.
func (d *TransDef) Implemented() bool { return d.Apply != nil || d.Prepare != nil }

func (d *TransDef) argKind(i int) ArgKind {
	if len(d.Kinds) == 0 {
		return ArgStr
	}
	if i < len(d.Kinds) {
		return d.Kinds[i]
	}
	return d.Kinds[len(d.Kinds)-1]
}

// transTable holds the transformation registry: core classes at package
// init, module classes from their init functions; read-only afterwards.
var transTable = map[string]map[string]*TransDef{}

// RegisterTrans adds transformations to the registry; call it from init().
// It panics on a duplicate, which is a programming error.
func RegisterTrans(defs ...TransDef) {
	for i := range defs {
		d := defs[i]
		d.Class, d.Name = strings.ToLower(d.Class), strings.ToLower(d.Name)
		cls := transTable[d.Class]
		if cls == nil {
			cls = map[string]*TransDef{}
			transTable[d.Class] = cls
		}
		if _, dup := cls[d.Name]; dup {
			panic(fmt.Sprintf("pv: transformation %s.%s registered twice", d.Class, d.Name))
		}
		cls[d.Name] = &d
	}
}

// LookupTrans finds a transformation; names are case-insensitive.
func LookupTrans(class, name string) (*TransDef, bool) {
	cls, ok := transTable[strings.ToLower(class)]
	if !ok {
		return nil, false
	}
	d, ok := cls[strings.ToLower(name)]
	return d, ok
}

// TransClasses lists the registered classes, sorted.
func TransClasses() []string {
	out := make([]string, 0, len(transTable))
	for c := range transTable {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// TransNames lists the names of one class, sorted.
func TransNames(class string) []string {
	cls := transTable[strings.ToLower(class)]
	out := make([]string, 0, len(cls))
	for n := range cls {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// errTransInput is returned when the input does not fit the transformation.
var errTransInput = errors.New("invalid input")

// transErr formats a transformation failure.
func transErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

// prepare builds the evaluator of a resolved transformation and the
// argument values of its literals (shared between calls: appliers must
// not modify args).
func (t *Trans) prepare(resolve func(*Spec) error) error {
	d := t.Def
	t.lits, t.dynamic = nil, false
	if len(t.Args) > 0 {
		t.lits = make([]api.Value, len(t.Args))
		for i, a := range t.Args {
			switch {
			case a.PV != nil:
				t.dynamic = true
			case a.IsInt:
				t.lits[i] = api.IntValue(a.Int)
			default:
				t.lits[i] = api.StrValue(a.Lit)
			}
		}
	}
	if d.Prepare != nil {
		a, err := d.Prepare(t.Args, resolve)
		if err != nil {
			return err
		}
		t.apply = a
		return nil
	}
	apply := d.Apply
	t.apply = func(_ *api.Ctx, in api.Value, args []api.Value) (api.Value, error) { return apply(in, args) }
	return nil
}

// Eval applies the transformation to in, evaluating PV arguments with c.
func (t *Trans) Eval(c *api.Ctx, in api.Value) (api.Value, error) {
	if in.IsNull() {
		return in, nil
	}
	if t.apply == nil {
		if t.Def == nil {
			return api.Null, fmt.Errorf("unresolved transformation {%s.%s}", t.Class, t.Name)
		}
		if err := t.prepare(func(*Spec) error { return nil }); err != nil {
			return api.Null, err
		}
	}
	args := t.lits
	if t.dynamic {
		args = make([]api.Value, len(t.Args))
		for i, a := range t.Args {
			if a.PV == nil {
				args[i] = t.lits[i]
				continue
			}
			v, err := a.PV.Get(c)
			if err != nil {
				return api.Null, fmt.Errorf("{%s.%s}: argument %s: %w", t.Class, t.Name, a.PV.Raw, err)
			}
			args[i] = v
		}
	}
	out, err := t.apply(c, in, args)
	if err != nil {
		return api.Null, fmt.Errorf("{%s.%s}: %w", t.Class, t.Name, err)
	}
	return out, nil
}

// ApplyTrans runs a transformation by name on a value with literal
// arguments; handy for modules and tests.
func ApplyTrans(class, name string, in api.Value, args ...api.Value) (api.Value, error) {
	d, ok := LookupTrans(class, name)
	if !ok {
		return api.Null, fmt.Errorf("unknown transformation {%s.%s}", class, name)
	}
	if in.IsNull() {
		return in, nil
	}
	if len(args) < d.MinArgs || len(args) > d.MaxArgs {
		return api.Null, fmt.Errorf("{%s.%s}: wants %s, got %d", class, name, arity(d), len(args))
	}
	return d.Apply(in, args)
}

func arity(d *TransDef) string {
	switch {
	case d.MinArgs == d.MaxArgs && d.MaxArgs == 0:
		return "no arguments"
	case d.MinArgs == d.MaxArgs:
		return fmt.Sprintf("%d argument(s)", d.MinArgs)
	}
	return fmt.Sprintf("%d to %d arguments", d.MinArgs, d.MaxArgs)
}

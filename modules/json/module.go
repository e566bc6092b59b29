// Package json provides the $json variables: JSON documents kept per
// worker, read and written by path, parsed with ":=" and iterated with
// for-each, as OpenSIPS' json module.
package json

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "json", Doc: "JSON variables", New: func() api.Module { return &JSON{} }})
}

// JSON is one instance of the json module.
type JSON struct {
	// LongQuoting is enable_long_quoting: integers outside 32 bits are
	// returned as strings.
	LongQuoting bool
}

// Params lists the module parameters.
func (j *JSON) Params() []api.Param {
	return []api.Param{{Name: "enable_long_quoting", Type: api.ParamInt | api.ParamStr, Default: "false",
		Set: func(v api.ParamValue) error {
			b, err := boolParam(v)
			j.LongQuoting = b
			return err
		}}}
}

func boolParam(v api.ParamValue) (bool, error) {
	if v.IsInt {
		return v.Int != 0, nil
	}
	switch strings.ToLower(v.Str) {
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("expected a boolean, got %q", v.Str)
}

// Funcs: json_link(dest, source) makes dest refer to source's value.
func (j *JSON) Funcs() []api.Func {
	arg := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgVar, Fixup: jsonVarFixup} }
	return []api.Func{{Name: "json_link", Routes: api.AllRoutes, Returns: "1 linked, -1 error",
		Args: []api.Arg{arg("dest"), arg("source")},
		Call: func(c *api.Ctx, a []any) api.Ret {
			dst, src := pv.SpecOf(a[0].(api.PVRef)), pv.SpecOf(a[1].(api.PVRef))
			if dst == nil || src == nil || !isJSON(dst) || !isJSON(src) {
				c.Log.Error("json_link: both arguments must be $json variables")
				return api.RetFalse
			}
			d := docs(c)
			sp, _ := src.Parsed.(*path)
			n, err := sp.lookup(c, d)
			if err != nil || n == nil {
				c.Log.Error("json_link: source not found", "var", src.Raw, "err", err)
				return api.RetFalse
			}
			dp, _ := dst.Parsed.(*path)
			if err := dp.store(c, d, n); err != nil {
				c.Log.Error("json_link: cannot link", "var", dst.Raw, "err", err)
				return api.RetFalse
			}
			return api.RetTrue
		}}}
}

func isJSON(s *pv.Spec) bool {
	switch s.Name {
	case "json", "json_pretty", "json_compact":
		return true
	}
	return false
}

// jsonVarFixup is a placeholder for the argument type check done at run
// time: ArgVar fixups see only literals.
func jsonVarFixup(_ *api.FixupCtx, _ *api.FixArg) error { return nil }

// PVs lists $json, $json_pretty and $json_compact.
func (j *JSON) PVs() []pv.Def {
	def := func(name string, st style, doc string) pv.Def {
		return pv.Def{Name: name, Module: "json", Inner: pv.NeedInner, Writable: true, Index: true, Doc: doc,
			ParseInner: func(inner string) (any, error) { return parsePath(inner) },
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				if s.Index.Kind == pv.IdxAll {
					return api.Null, errors.New(`the "[*]" index is only supported in for-each`)
				}
				n, err := s.Parsed.(*path).lookup(c, docs(c))
				if err != nil || n == nil {
					return api.Null, nil
				}
				return j.value(n, st), nil
			},
			GetAll: func(c *api.Ctx, s *pv.Spec) ([]api.Value, error) { return j.all(c, s, st) },
			Set: func(c *api.Ctx, s *pv.Spec, v api.Value) error {
				var n *node
				switch {
				case v.IsNull():
				case v.IsInt():
					n = &node{k: kInt, i: v.I}
				default:
					n = &node{k: kString, s: v.S}
				}
				return s.Parsed.(*path).store(c, docs(c), n)
			},
			Replace: func(c *api.Ctx, s *pv.Spec, v api.Value) error {
				p := s.Parsed.(*path)
				if v.IsNull() {
					return p.store(c, docs(c), nil)
				}
				text := v.S
				if !v.IsStr() {
					text = strconv.FormatInt(v.I, 10)
				}
				n, err := parse(text)
				if err != nil {
					_ = p.store(c, docs(c), nil)
					return fmt.Errorf("error parsing json: %w", err)
				}
				return p.store(c, docs(c), n)
			},
		}
	}
	return []pv.Def{
		def("json", spaced, "a JSON document or a value inside it"),
		def("json_pretty", pretty, "as $json, printed with indentation"),
		def("json_compact", plain, "as $json, printed without spaces"),
	}
}

// value converts a node for the script: integers and strings as they are,
// anything else serialised.
func (j *JSON) value(n *node, st style) api.Value {
	switch n.k {
	case kInt:
		if j.LongQuoting && (n.i > 1<<31-1 || n.i < -1<<31) {
			return api.StrValue(strconv.FormatInt(n.i, 10))
		}
		return pv.IntStr(n.i)
	case kString:
		return api.StrValue(n.s)
	}
	return api.StrValue(n.String(st))
}

// all lists an array's elements or an object's values (or keys, with the
// .keys suffix) for for-each.
func (j *JSON) all(c *api.Ctx, s *pv.Spec, st style) ([]api.Value, error) {
	p := s.Parsed.(*path)
	n, err := p.lookup(c, docs(c))
	if err != nil || n == nil {
		return nil, err
	}
	var out []api.Value
	switch n.k {
	case kArray:
		if p.iter != iterNone {
			return nil, errors.New("object-like iteration (.keys/.values) over an array")
		}
		for _, v := range n.arr {
			out = append(out, j.value(v, st))
		}
	case kObject:
		for _, k := range n.keys {
			if p.iter == iterKeys {
				out = append(out, api.StrValue(k))
			} else {
				out = append(out, j.value(n.vals[k], st))
			}
		}
	default:
		return nil, errors.New("can only iterate over arrays or objects")
	}
	return out, nil
}

// docKey keys the worker's documents in its variable store.
type docKey struct{}

// docs returns the worker's $json documents by name.
func docs(c *api.Ctx) map[string]*node {
	h, _ := c.Priv.(pv.VarHolder)
	if h == nil || h.Vars() == nil {
		return map[string]*node{}
	}
	vs := h.Vars()
	d, _ := vs.Ext(docKey{}).(map[string]*node)
	if d == nil {
		d = map[string]*node{}
		vs.SetExt(docKey{}, d)
	}
	return d
}

type iterKind uint8

const (
	iterNone iterKind = iota
	iterKeys
	iterValues
)

// path is a parsed $json id: a document name and the keys and indexes
// into it.
type path struct {
	name string
	tags []tag
	iter iterKind
}

type tag struct {
	index  bool
	append bool // "[]"
	key    string
	idx    int
	dyn    *pv.Format // a key or index given by variables
}

// Formats lists the variables inside the path for the PV table to
// resolve.
func (p *path) Formats() []*pv.Format {
	var out []*pv.Format
	for _, t := range p.tags {
		if t.dyn != nil {
			out = append(out, t.dyn)
		}
	}
	return out
}

// parsePath reads name(/key | [index] | [])*, with an optional .keys or
// .values suffix. Spaces are part of keys.
func parsePath(s string) (*path, error) {
	p := &path{}
	if rest, ok := strings.CutSuffix(s, ".keys"); ok {
		s, p.iter = rest, iterKeys
	} else if rest, ok := strings.CutSuffix(s, ".values"); ok {
		s, p.iter = rest, iterValues
	}
	end := strings.IndexAny(s, "/[")
	if end < 0 {
		end = len(s)
	}
	p.name = s[:end]
	if p.name == "" {
		return nil, errors.New("missing variable name")
	}
	for s = s[end:]; s != ""; {
		var t tag
		var text string
		if s[0] == '/' {
			s = s[1:]
			e := keyEnd(s)
			text, s = s[:e], s[e:]
		} else {
			e := matchBracket(s)
			if e < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", s)
			}
			text, s = s[1:e], s[e+1:]
			t.index = true
			if text == "" {
				t.append = true
			}
		}
		if strings.Contains(text, "$") {
			f, err := pv.ParseFormat(text)
			if err != nil {
				return nil, err
			}
			t.dyn = f
		} else if t.index && !t.append {
			n, err := strconv.Atoi(text)
			if err != nil {
				return nil, fmt.Errorf("bad index %q", text)
			}
			t.idx = n
		} else {
			t.key = text
		}
		p.tags = append(p.tags, t)
	}
	return p, nil
}

// keyEnd finds where a key ends: at the next "/" or "[" outside a
// variable's parentheses.
func keyEnd(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '/', '[':
			if depth == 0 {
				return i
			}
		}
	}
	return len(s)
}

func matchBracket(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// resolve evaluates a tag's variables.
func (t tag) resolve(c *api.Ctx) (tag, error) {
	if t.dyn == nil {
		return t, nil
	}
	v, err := t.dyn.Eval(c)
	if err != nil {
		return t, err
	}
	r := t
	if t.index {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return t, fmt.Errorf("index %q is not an integer", v)
		}
		r.idx = n
	} else {
		r.key = v
	}
	return r, nil
}

// step moves from n through one tag; nil when absent.
func step(n *node, t tag) *node {
	if n == nil {
		return nil
	}
	if t.index {
		if n.k != kArray || t.append {
			return nil
		}
		i := t.idx
		if i < 0 {
			i += len(n.arr)
		}
		if i < 0 || i >= len(n.arr) {
			return nil
		}
		return n.arr[i]
	}
	return n.get(t.key)
}

// lookup returns the node the path names, nil when absent.
func (p *path) lookup(c *api.Ctx, d map[string]*node) (*node, error) {
	n := d[p.name]
	for _, t := range p.tags {
		rt, err := t.resolve(c)
		if err != nil {
			return nil, err
		}
		if n = step(n, rt); n == nil {
			return nil, nil
		}
	}
	return n, nil
}

// store sets the value the path names (nil deletes it): the document
// itself, a key of an object, or an element of an array ("[]" appends).
// Every step but the last must exist.
func (p *path) store(c *api.Ctx, d map[string]*node, v *node) error {
	root, ok := d[p.name]
	if len(p.tags) == 0 {
		if v == nil {
			delete(d, p.name)
		} else {
			d[p.name] = v
		}
		return nil
	}
	if !ok {
		return fmt.Errorf("$json(%s) is not initialised", p.name)
	}
	parent := root
	for _, t := range p.tags[:len(p.tags)-1] {
		rt, err := t.resolve(c)
		if err != nil {
			return err
		}
		if parent = step(parent, rt); parent == nil {
			return errors.New("no object at that path")
		}
	}
	last, err := p.tags[len(p.tags)-1].resolve(c)
	if err != nil {
		return err
	}
	if !last.index {
		if parent.k != kObject {
			return fmt.Errorf("key %q inside a value that is not an object", last.key)
		}
		if v == nil {
			parent.del(last.key)
		} else {
			parent.put(last.key, v)
		}
		return nil
	}
	if parent.k != kArray {
		return errors.New("index inside a value that is not an array")
	}
	if last.append {
		if v == nil {
			return errors.New("cannot delete with the [] index")
		}
		parent.arr = append(parent.arr, v)
		return nil
	}
	i := last.idx
	if i < 0 {
		i += len(parent.arr)
	}
	if i < 0 || i >= len(parent.arr) {
		return fmt.Errorf("index %d out of the array", last.idx)
	}
	if v == nil {
		parent.arr = append(parent.arr[:i], parent.arr[i+1:]...)
	} else {
		parent.arr[i] = v
	}
	return nil
}

var (
	_ api.Module  = (*JSON)(nil)
	_ pv.Exporter = (*JSON)(nil)
)

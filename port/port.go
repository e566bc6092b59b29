package port

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gosips/api"
	"gosips/lang"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/runtime"
)

// Options tune a port.
type Options struct {
	// Target is the release written for; the zero value means DefaultTarget.
	Target Target
	// Registry supplies the module tables; nil means api.Default().
	Registry *api.Registry
	// ReadFile reads the input and its include_file targets; nil = os.ReadFile.
	ReadFile func(path string) ([]byte, error)
}

// Finding is one line of the port report.
type Finding struct {
	Pos  diag.Pos // in the input file
	Rule string   // rule id of the porting guide ("G2"), "" for check findings
	Msg  string
	// Manual is set when the construct was kept and work remains; otherwise
	// the finding notes a rewrite worth reviewing.
	Manual bool
}

func (f Finding) String() string {
	rule := ""
	if f.Rule != "" {
		rule = " [" + f.Rule + "]"
	}
	if f.Manual {
		return fmt.Sprintf("%s: %s%s", f.Pos, f.Msg, rule)
	}
	return fmt.Sprintf("%s: note: %s%s", f.Pos, f.Msg, rule)
}

// Result is the ported text and its report.
type Result struct {
	Output   []byte
	Findings []Finding
}

// Manual reports whether manual work remains.
func (r *Result) Manual() bool {
	for _, f := range r.Findings {
		if f.Manual {
			return true
		}
	}
	return false
}

// File ports the script at path.
func File(path string, opts Options) (*Result, error) {
	read := opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	src, err := read(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Port(path, src, opts), nil
}

// Port ports src, naming it name in positions. It never fails: what it
// cannot rewrite is kept, marked and reported.
func Port(name string, src []byte, opts Options) *Result {
	if opts.Target == (Target{}) {
		opts.Target = DefaultTarget
	}
	if opts.Registry == nil {
		opts.Registry = api.Default()
	}
	p := &porter{opts: opts, name: name, src: src}
	return p.run()
}

// porter holds the state of one port across its passes.
type porter struct {
	opts  Options
	name  string
	src   []byte
	maps  []offsetMap // one per applied pass, input → output
	found []pending
	// Dialect facts read from the input before any rewrite.
	openser09 bool // "break" leaves the route: 0.9 semantics for drop too
	legacyIn  bool // the input uses some legacy construct
	flagNames flagNamer
	// lookupExtra holds lookup() flags replacing registrar modparams (P8).
	lookupExtra []string
	// hist holds the facts the release-map rules (H1–H7) need.
	hist historyFacts
	// regFuncs are the functions gosips modules export.
	regFuncs map[string]string
}

// pending is a finding whose offset is in the input of pass idx.
type pending struct {
	idx int
	off int
	Finding
}

func (p *porter) run() *Result {
	text := p.src
	f, diags := p.parse(text, true)
	if diags.HasErrors() {
		fixed, ok := p.repair(f, diags)
		if !ok {
			return p.unparsable(diags)
		}
		text = fixed
		f, _ = p.parse(text, true)
	}
	p.study(f)
	passes := []func(*pass){lexicalPass, rewritePass, modulesPass, rewritePass, modulesPass, rewritePass, modulesPass}
	for _, run := range passes {
		f, diags := p.parse(text, true)
		if diags.HasErrors() {
			break // a rewrite broke the text: keep what we have and report
		}
		ps := p.newPass(f, text)
		run(ps)
		out, m := ps.es.apply()
		p.maps = append(p.maps, m)
		text = out
	}
	return p.review(text)
}

// parse parses text as the main file; includes are read from disk.
func (p *porter) parse(text []byte, lenient bool) (*ast.File, diag.List) {
	read := func(path string) ([]byte, error) {
		if path == p.name {
			return text, nil
		}
		if p.opts.ReadFile != nil {
			return p.opts.ReadFile(path)
		}
		return os.ReadFile(path)
	}
	return lang.Parse(p.name, text, lang.Options{Lenient: lenient, ReadFile: read, AllErrors: true})
}

func (p *porter) compile(f *ast.File) (*runtime.Script, diag.List) {
	return runtime.Compile(f, runtime.Options{Check: true, Registry: p.opts.Registry, ConfigDir: filepath.Dir(p.name)})
}

// pass is one parse-edit-apply round.
type pass struct {
	p      *porter
	idx    int
	f      *ast.File
	src    []byte
	script *runtime.Script
	diags  diag.List
	es     *editSet
	added  map[string]bool // modules a loadmodule line was added for
	byOff  map[int][]*diag.Diagnostic
	// movedDBURL is set once a split module's db_url went to auth_db.
	movedDBURL bool
}

func (p *porter) newPass(f *ast.File, text []byte) *pass {
	s, d := p.compile(f)
	return &pass{p: p, idx: len(p.maps), f: f, src: text, script: s, diags: d, es: &editSet{src: text}}
}

// mine reports whether pos is in the main file (includes are not edited).
func (ps *pass) mine(pos diag.Pos) bool { return pos.File == ps.p.name && pos.IsValid() }

// note records a rewrite worth reviewing.
func (ps *pass) note(at diag.Pos, rule, format string, args ...any) {
	ps.add(at, rule, false, format, args...)
}

// manual records a construct kept for manual work.
func (ps *pass) manual(at diag.Pos, rule, format string, args ...any) {
	ps.add(at, rule, true, format, args...)
}

func (ps *pass) add(at diag.Pos, rule string, manual bool, format string, args ...any) {
	ps.p.found = append(ps.p.found, pending{idx: ps.idx, off: at.Offset,
		Finding: Finding{Rule: rule, Msg: fmt.Sprintf(format, args...), Manual: manual}})
}

// origOffset maps an offset in the input of pass idx back to the input.
func (p *porter) origOffset(idx, off int) int {
	for i := idx - 1; i >= 0; i-- {
		off = p.maps[i].back(off)
	}
	return off
}

// posAt turns an input offset into a position.
func posAt(name string, src []byte, off int) diag.Pos {
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return diag.Pos{File: name, Line: line, Col: col, Offset: off}
}

// findings resolves the pending findings to input positions, sorted and
// without repeats.
func (p *porter) findings() []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, pf := range p.found {
		f := pf.Finding
		f.Pos = posAt(p.name, p.src, p.origOffset(pf.idx, pf.off))
		key := f.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos.Offset < out[j].Pos.Offset })
	return out
}

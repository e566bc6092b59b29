package carrierroute

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The config file (config_source "file", OpenSIPS' default) describes the
// domains of the default carrier in libconfuse syntax:
//
//	domain proxy {
//	   prefix 49 {
//	      max_targets = 2
//	      target proxy1.localdomain {
//	         prob = 0.5
//	         hash_index = 1
//	         status = 1
//	         strip = 0
//	         rewrite_prefix = "0"
//	         comment = "test target 1"
//	      }
//	   }
//	}
//
// "NULL" (any case) as a prefix or target title is the empty prefix or
// host. Comments are #, // and /* */.

// cfgSection is one "name [title] { ... }" block or the file itself.
type cfgSection struct {
	name, title string
	line        int
	opts        map[string]cfgOpt
	subs        []*cfgSection
}

type cfgOpt struct {
	vals []string
	line int
}

// cfgLexer splits the file into words, quoted strings and { } = , tokens.
type cfgLexer struct {
	src  string
	pos  int
	line int
}

type cfgTok struct {
	text   string
	quoted bool
	line   int
}

func (l *cfgLexer) next() (cfgTok, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == ';':
			l.pos++
		case c == '#' || (c == '/' && strings.HasPrefix(l.src[l.pos:], "//")):
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '/' && strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return cfgTok{}, fmt.Errorf("line %d: unterminated comment", l.line)
			}
			l.line += strings.Count(l.src[l.pos:l.pos+2+end], "\n")
			l.pos += end + 4
		case c == '{' || c == '}' || c == '=' || c == ',':
			l.pos++
			return cfgTok{text: string(c), line: l.line}, nil
		case c == '"' || c == '\'':
			var b strings.Builder
			start := l.line
			for l.pos++; ; l.pos++ {
				if l.pos >= len(l.src) {
					return cfgTok{}, fmt.Errorf("line %d: unterminated string", start)
				}
				ch := l.src[l.pos]
				if ch == c {
					l.pos++
					return cfgTok{text: b.String(), quoted: true, line: start}, nil
				}
				if ch == '\\' && c == '"' && l.pos+1 < len(l.src) {
					l.pos++
					ch = l.src[l.pos]
				}
				if ch == '\n' {
					l.line++
				}
				b.WriteByte(ch)
			}
		default:
			start := l.pos
			for l.pos < len(l.src) && !strings.ContainsRune(" \t\r\n;{}=,#\"'", rune(l.src[l.pos])) {
				if strings.HasPrefix(l.src[l.pos:], "//") || strings.HasPrefix(l.src[l.pos:], "/*") {
					break
				}
				l.pos++
			}
			return cfgTok{text: l.src[start:l.pos], line: l.line}, nil
		}
	}
	return cfgTok{line: l.line}, nil
}

// parseCfgFile parses the whole file into sections and options.
func parseCfgFile(src string) (*cfgSection, error) {
	l := &cfgLexer{src: src, line: 1}
	root := &cfgSection{opts: map[string]cfgOpt{}}
	if err := parseCfgBody(l, root, true); err != nil {
		return nil, err
	}
	return root, nil
}

func parseCfgBody(l *cfgLexer, s *cfgSection, top bool) error {
	for {
		t, err := l.next()
		if err != nil {
			return err
		}
		switch {
		case t.text == "" && !t.quoted:
			if !top {
				return fmt.Errorf("line %d: missing } for %s %q", s.line, s.name, s.title)
			}
			return nil
		case t.text == "}" && !t.quoted:
			if top {
				return fmt.Errorf("line %d: unexpected }", t.line)
			}
			return nil
		case t.quoted || strings.ContainsAny(t.text, "{}=,"):
			return fmt.Errorf("line %d: expected a name, got %q", t.line, t.text)
		}
		name := t.text
		u, err := l.next()
		if err != nil {
			return err
		}
		if u.text == "=" && !u.quoted {
			vals, err := parseCfgValue(l)
			if err != nil {
				return err
			}
			s.opts[name] = cfgOpt{vals: vals, line: t.line}
			continue
		}
		sub := &cfgSection{name: name, line: t.line, opts: map[string]cfgOpt{}}
		if u.text != "{" || u.quoted {
			sub.title = u.text
			if u, err = l.next(); err != nil {
				return err
			}
		}
		if u.text != "{" || u.quoted {
			return fmt.Errorf("line %d: expected { after %s %q", u.line, name, sub.title)
		}
		if err := parseCfgBody(l, sub, false); err != nil {
			return err
		}
		s.subs = append(s.subs, sub)
	}
}

// parseCfgValue reads a value or a {a, b} list after "=".
func parseCfgValue(l *cfgLexer) ([]string, error) {
	t, err := l.next()
	if err != nil {
		return nil, err
	}
	if t.quoted || t.text != "{" {
		if !t.quoted && (t.text == "" || strings.ContainsAny(t.text, "{}=,")) {
			return nil, fmt.Errorf("line %d: missing value", t.line)
		}
		return []string{t.text}, nil
	}
	var vals []string
	for {
		v, err := l.next()
		if err != nil {
			return nil, err
		}
		switch {
		case v.text == "}" && !v.quoted:
			return vals, nil
		case v.text == "," && !v.quoted:
		case v.text == "" && !v.quoted:
			return nil, fmt.Errorf("line %d: unterminated list", t.line)
		default:
			vals = append(vals, v.text)
		}
	}
}

// loadFile reads config_file into the default carrier's tree.
func (m *Module) loadFile() (*trees, error) {
	b, err := os.ReadFile(m.ConfigFile)
	if err != nil {
		return nil, fmt.Errorf("config_file: %w", err)
	}
	root, err := parseCfgFile(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.ConfigFile, err)
	}
	doms := map[string]*domain{}
	t := &trees{byName: map[string]map[string]*domain{m.DefaultTree: doms}, ids: map[string]string{"1": m.DefaultTree}}
	known := map[string]bool{"comment": true, "strip": true, "rewrite_prefix": true, "prob": true, "hash_index": true,
		"rewrite_suffix": true, "status": true, "backed_up": true, "backup": true}
	for _, ds := range root.subs {
		if ds.name != "domain" {
			return nil, fmt.Errorf("%s:%d: unknown section %q (expected domain)", m.ConfigFile, ds.line, ds.name)
		}
		d := doms[ds.title]
		if d == nil {
			d = &domain{byPrefix: map[string][]*target{}}
			doms[ds.title] = d
		}
		for _, ps := range ds.subs {
			if ps.name != "prefix" {
				return nil, fmt.Errorf("%s:%d: unknown section %q in domain %s (expected prefix)", m.ConfigFile, ps.line, ps.name, ds.title)
			}
			prefix := nullTitle(ps.title)
			for _, ts := range ps.subs {
				if ts.name != "target" {
					return nil, fmt.Errorf("%s:%d: unknown section %q in prefix %s (expected target)", m.ConfigFile, ts.line, ts.name, ps.title)
				}
				for k, o := range ts.opts {
					if !known[k] {
						return nil, fmt.Errorf("%s:%d: unknown option %q in target %s", m.ConfigFile, o.line, k, ts.title)
					}
				}
				num := func(name string, def float64) (float64, error) {
					o, ok := ts.opts[name]
					if !ok {
						return def, nil
					}
					v, err := strconv.ParseFloat(o.vals[0], 64)
					if err != nil || len(o.vals) != 1 {
						return 0, fmt.Errorf("%s:%d: %s of target %s: not a number: %q", m.ConfigFile, o.line, name, ts.title, o.vals)
					}
					return v, nil
				}
				prob, err := num("prob", 0)
				if err != nil {
					return nil, err
				}
				if prob < 0 || prob > 1 {
					return nil, fmt.Errorf("%s:%d: prob %v of target %s not in 0..1", m.ConfigFile, ts.line, prob, ts.title)
				}
				strip, err := num("strip", 0)
				if err != nil {
					return nil, err
				}
				status, err := num("status", 1)
				if err != nil {
					return nil, err
				}
				if status == 0 {
					// An inactive target is never chosen.
					continue
				}
				str := func(name string) string {
					if o, ok := ts.opts[name]; ok && len(o.vals) > 0 {
						return o.vals[0]
					}
					return ""
				}
				tg := &target{strip: int(strip), host: nullTitle(ts.title), prefix: str("rewrite_prefix"), suffix: str("rewrite_suffix")}
				l := d.byPrefix[prefix]
				sum := 0
				if n := len(l); n > 0 {
					sum = l[n-1].diceTo
				}
				tg.diceTo = sum + int(prob*1000+0.5)
				d.byPrefix[prefix] = append(l, tg)
			}
		}
	}
	return t, nil
}

// nullTitle maps the "NULL" title to the empty prefix or host.
func nullTitle(s string) string {
	if strings.EqualFold(s, "null") {
		return ""
	}
	return s
}

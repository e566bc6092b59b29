package permissions

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// rule is one "from_list [EXCEPT list] : uri_list [EXCEPT list]" line; a
// nil list is ALL.
type rule struct {
	left, leftExc, right, rightExc []*regexp.Regexp
}

// ruleSet is a parsed file (nil when missing: no rules).
type ruleSet []rule

func anyMatch(list []*regexp.Regexp, s string) bool {
	for _, re := range list {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// search is OpenSIPS' search_rule: the first rule whose sides match.
func (rs ruleSet) search(left, right string) bool {
	for _, r := range rs {
		if (r.left == nil || anyMatch(r.left, left)) && !anyMatch(r.leftExc, left) &&
			(r.right == nil || anyMatch(r.right, right)) && !anyMatch(r.rightExc, right) {
			return true
		}
	}
	return false
}

// parseRuleFile reads a file; a missing file is an empty rule set, a line
// that does not parse is an error naming the file and line.
func parseRuleFile(path string) (ruleSet, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs ruleSet
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		r, ok, err := parseRuleLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if ok {
			rs = append(rs, r)
		}
	}
	return rs, sc.Err()
}

// parseRuleLine parses one line; ok is false for blank and comment lines.
func parseRuleLine(line string) (rule, bool, error) {
	quoted, colon, end := false, -1, len(line)
scan:
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted && colon < 0 {
				colon = i
			}
		case '#':
			if !quoted {
				end = i
				break scan
			}
		}
	}
	line = line[:end]
	if strings.TrimSpace(line) == "" {
		return rule{}, false, nil
	}
	if colon < 0 || strings.TrimSpace(line[colon+1:]) == "" {
		return rule{}, false, fmt.Errorf("expected \"from_list : uri_list\", got %q", strings.TrimSpace(line))
	}
	var r rule
	var err error
	if r.left, r.leftExc, err = parseSide(line[:colon]); err != nil {
		return rule{}, false, err
	}
	if r.right, r.rightExc, err = parseSide(line[colon+1:]); err != nil {
		return rule{}, false, err
	}
	return r, true, nil
}

// parseSide parses "a, b EXCEPT c, d" (ALL = any).
func parseSide(s string) (list, except []*regexp.Regexp, err error) {
	if i := strings.Index(s, " EXCEPT "); i >= 0 {
		if except, err = parseList(s[i+8:]); err != nil {
			return nil, nil, err
		}
		s = s[:i]
	}
	if strings.TrimSpace(s) == "ALL" {
		return nil, except, nil
	}
	list, err = parseList(s)
	return list, except, err
}

// parseList parses comma-separated, optionally quoted, case-insensitive
// extended regular expressions.
func parseList(s string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	quoted, start := false, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			if s[i] == '"' {
				quoted = !quoted
			}
			if s[i] != ',' || quoted {
				continue
			}
		}
		w := strings.TrimSpace(s[start:i])
		w = strings.TrimSuffix(strings.TrimPrefix(w, `"`), `"`)
		if w == "" {
			return nil, fmt.Errorf("empty expression in %q", strings.TrimSpace(s))
		}
		re, err := regexp.Compile("(?i)" + w)
		if err != nil {
			return nil, fmt.Errorf("bad expression %q: %w", w, err)
		}
		out = append(out, re)
		start = i + 1
	}
	return out, nil
}

// filePair is an allow and a deny rule set.
type filePair struct{ allow, deny ruleSet }

func (p *filePair) empty() bool { return p.allow == nil && p.deny == nil }

// ruleCache holds the files loaded by fixups, by path.
type ruleCache struct {
	mu    sync.Mutex
	files map[string]ruleSet
}

func (c *ruleCache) get(path string) (ruleSet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rs, ok := c.files[path]; ok {
		return rs, nil
	}
	rs, err := parseRuleFile(path)
	if err != nil {
		return nil, err
	}
	if c.files == nil {
		c.files = map[string]ruleSet{}
	}
	c.files[path] = rs
	return rs, nil
}

// pathname resolves a file name against the config file's directory.
func (m *Module) pathname(name string) string {
	if filepath.IsAbs(name) || m.configDir == "" {
		return name
	}
	return filepath.Join(m.configDir, name)
}

// pair loads the allow and deny files.
func (m *Module) pair(allow, deny string) (*filePair, error) {
	a, err := m.rules.get(m.pathname(allow))
	if err != nil {
		return nil, err
	}
	d, err := m.rules.get(m.pathname(deny))
	if err != nil {
		return nil, err
	}
	return &filePair{allow: a, deny: d}, nil
}

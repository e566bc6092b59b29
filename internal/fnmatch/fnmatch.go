// Package fnmatch matches shell wildcard patterns as fnmatch(3) does
// without FNM_PATHNAME ('*' and '?' match '/' too), for the modules whose
// tables or arguments hold such patterns (permissions, dialplan, avpops).
package fnmatch

import (
	"regexp"
	"strings"
)

// Pattern is a compiled wildcard pattern.
type Pattern struct {
	re *regexp.Regexp
	// period: a leading '.' in the subject must be matched by a literal
	// '.' (FNM_PERIOD).
	period bool
	dotLit bool
}

// Compile compiles pattern; period selects FNM_PERIOD.
func Compile(pattern string, period bool) (*Pattern, error) {
	re, err := regexp.Compile(ToRegexp(pattern))
	if err != nil {
		return nil, err
	}
	return &Pattern{re: re, period: period, dotLit: strings.HasPrefix(pattern, ".") || strings.HasPrefix(pattern, `\.`)}, nil
}

// Match reports whether s matches the whole pattern.
func (p *Pattern) Match(s string) bool {
	if p.period && strings.HasPrefix(s, ".") && !p.dotLit {
		return false
	}
	return p.re.MatchString(s)
}

// ToRegexp turns a wildcard pattern into an anchored regular expression.
func ToRegexp(g string) string {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch ch := g[i]; ch {
		case '*':
			b.WriteString("(?s:.*)")
		case '?':
			b.WriteString("(?s:.)")
		case '\\':
			if i+1 < len(g) {
				i++
				b.WriteString(regexp.QuoteMeta(g[i : i+1]))
			} else {
				b.WriteString(`\\`)
			}
		case '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j == 0 { // "[]...]": a ']' first is a member
				if k := strings.IndexByte(g[i+2:], ']'); k >= 0 {
					j = k + 1
				} else {
					j = -1
				}
			}
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := g[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(strings.ReplaceAll(class, `\`, `\\`), "[", `\[`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	return b.String()
}

package dialog

import (
	"strconv"
	"strings"

	"gosips/api"
)

// The vars and profiles columns hold "name#type#value|" pairs, '|', '#'
// and '\' escaped with '\'; type 1 is a string, 2 an integer (OpenSIPS'
// write_pair).

func escapePair(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '|' || c == '#' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}

func writePair(b *strings.Builder, name string, v api.Value) {
	escapePair(b, name)
	if v.IsInt() && !v.IsStr() {
		b.WriteString("#2#")
		b.WriteString(strconv.FormatInt(v.I, 10))
	} else {
		b.WriteString("#1#")
		escapePair(b, v.S)
	}
	b.WriteByte('|')
}

// readPairs parses a vars/profiles column.
func readPairs(s string, fn func(name string, v api.Value)) {
	var fields [3]strings.Builder
	f := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			fields[f].WriteByte(s[i])
		case c == '#' && f < 2:
			f++
		case c == '|':
			name, typ, val := fields[0].String(), fields[1].String(), fields[2].String()
			if f == 1 {
				// Old two-field form: name#value.
				val, typ = typ, "1"
			}
			if typ == "2" {
				n, _ := strconv.ParseInt(val, 10, 64)
				fn(name, api.IntValue(n))
			} else {
				fn(name, api.StrValue(val))
			}
			for j := range fields {
				fields[j].Reset()
			}
			f = 0
		default:
			fields[f].WriteByte(c)
		}
	}
}

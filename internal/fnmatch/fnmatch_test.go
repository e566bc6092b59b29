package fnmatch

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		period bool
		want   bool
	}{
		{"text*", "texttest", false, true},
		{"text*", "tex", false, false},
		{"a?c", "abc", false, true},
		{"a/*", "a/b/c", false, true},
		{"[!0-9]x", "ax", false, true},
		{"[!0-9]x", "1x", false, false},
		{"[]x]y", "]y", false, true},
		{"*", ".hidden", true, false},
		{".*", ".hidden", true, true},
		{"*", ".hidden", false, true},
		{`a\*`, "a*", false, true},
		{`a\*`, "ab", false, false},
	}
	for _, tc := range tests {
		p, err := Compile(tc.pat, tc.period)
		if err != nil {
			t.Fatalf("%q: %v", tc.pat, err)
		}
		if got := p.Match(tc.s); got != tc.want {
			t.Errorf("%q ~ %q (period %v) = %v, want %v", tc.pat, tc.s, tc.period, got, tc.want)
		}
	}
}

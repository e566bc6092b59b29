package diag

import "strings"

// Nearest returns the candidate closest to name by edit distance, when that
// distance is at most half the name's length; otherwise "".
func Nearest(name string, candidates []string) string {
	best, bestD := "", len(name)/2+1
	ln := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := Distance(ln, strings.ToLower(c))
		if d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	if bestD > len(name)/2 || bestD > 4 {
		return ""
	}
	return best
}

// DidYouMean formats a hint for Nearest's answer, or "" when there is none.
func DidYouMean(name string, candidates []string) string {
	if n := Nearest(name, candidates); n != "" {
		return `did you mean "` + n + `"?`
	}
	return ""
}

// Distance is the Levenshtein edit distance of a and b.
func Distance(a, b string) int {
	if a == b {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package userblacklist

// dtree is a decimal prefix tree: each node may end a prefix, marked
// black- or whitelisted.
type dtree struct {
	kids      [10]*dtree
	leaf      bool
	whitelist bool
}

// insert adds a prefix of digits; it reports false for any other
// character (such rows are skipped).
func (t *dtree) insert(prefix string, whitelist bool) bool {
	for i := 0; i < len(prefix); i++ {
		if prefix[i] < '0' || prefix[i] > '9' {
			return false
		}
	}
	n := t
	for i := 0; i < len(prefix); i++ {
		d := prefix[i] - '0'
		if n.kids[d] == nil {
			n.kids[d] = &dtree{}
		}
		n = n.kids[d]
	}
	n.leaf, n.whitelist = true, whitelist
	return true
}

// match finds the longest prefix of number (digits only) in the tree and
// reports whether one matched and whether it is whitelisted.
func (t *dtree) match(number string) (found, whitelist bool) {
	n := t
	if n.leaf {
		found, whitelist = true, n.whitelist
	}
	for i := 0; i < len(number); i++ {
		n = n.kids[number[i]-'0']
		if n == nil {
			break
		}
		if n.leaf {
			found, whitelist = true, n.whitelist
		}
	}
	return found, whitelist
}

// digits keeps the decimal digits of s, as OpenSIPS does before a lookup
// ("+49 (721) 123" is checked as 49721123).
func digits(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			b := make([]byte, 0, len(s))
			for j := 0; j < len(s); j++ {
				if s[j] >= '0' && s[j] <= '9' {
					b = append(b, s[j])
				}
			}
			return string(b)
		}
	}
	return s
}

package pdt

import (
	"sort"
	"strings"
)

// maxDepth is the longest prefix kept, as OpenSIPS' PDT_MAX_DEPTH.
const maxDepth = 32

// node is one digit of a prefix trie; domain is set when a prefix ends
// here.
type node struct {
	domain string
	kids   map[byte]*node
}

// tree holds one prefix trie per source domain ("*" matches any).
type tree struct {
	chars    string
	sdomains map[string]*node
	// domains are the domains of each source domain, for check_domain.
	domains map[string]map[string]bool
}

func newTree(chars string) *tree {
	return &tree{chars: chars, sdomains: map[string]*node{}, domains: map[string]map[string]bool{}}
}

// add stores prefix → domain under sdomain; it reports false when the
// prefix has a character outside the char_list or is too long.
func (t *tree) add(sdomain, prefix, domain string) bool {
	if prefix == "" || len(prefix) > maxDepth || !t.valid(prefix) {
		return false
	}
	n := t.sdomains[sdomain]
	if n == nil {
		n = &node{}
		t.sdomains[sdomain] = n
	}
	for i := 0; i < len(prefix); i++ {
		if n.kids == nil {
			n.kids = map[byte]*node{}
		}
		k := n.kids[prefix[i]]
		if k == nil {
			k = &node{}
			n.kids[prefix[i]] = k
		}
		n = k
	}
	n.domain = domain
	if t.domains[sdomain] == nil {
		t.domains[sdomain] = map[string]bool{}
	}
	t.domains[sdomain][domain] = true
	return true
}

func (t *tree) valid(prefix string) bool {
	for i := 0; i < len(prefix); i++ {
		if strings.IndexByte(t.chars, prefix[i]) < 0 {
			return false
		}
	}
	return true
}

// lookup returns the domain of the longest prefix of number under sdomain
// and the prefix length; ok is false when none matches or when the walk
// meets a character outside the char_list.
func (t *tree) lookup(sdomain, number string) (domain string, plen int, ok bool) {
	n := t.sdomains[sdomain]
	for l := 0; n != nil && l < len(number) && l < maxDepth; l++ {
		if strings.IndexByte(t.chars, number[l]) < 0 {
			return "", 0, false
		}
		n = n.kids[number[l]]
		if n != nil && n.domain != "" {
			domain, plen = n.domain, l+1
		}
	}
	return domain, plen, domain != ""
}

// entry is one (sdomain, prefix, domain) row of the trie.
type entry struct{ SDomain, Prefix, Domain string }

// entries lists the trie by source domain, then prefix in char_list
// order (shorter first), as pdt_list walks it.
func (t *tree) entries() []entry {
	var sds []string
	for sd := range t.sdomains {
		sds = append(sds, sd)
	}
	sort.Strings(sds)
	var out []entry
	var walk func(sd string, n *node, code []byte)
	walk = func(sd string, n *node, code []byte) {
		for i := 0; i < len(t.chars); i++ {
			k := n.kids[t.chars[i]]
			if k == nil {
				continue
			}
			c := append(code, t.chars[i])
			if k.domain != "" {
				out = append(out, entry{sd, string(c), k.domain})
			}
			walk(sd, k, c)
		}
	}
	for _, sd := range sds {
		walk(sd, t.sdomains[sd], nil)
	}
	return out
}

// duplicate reports whether sdomain already has the prefix or the domain
// (check_domain).
func (t *tree) duplicate(sdomain, prefix, domain string) bool {
	if t.domains[sdomain][domain] {
		return true
	}
	n := t.sdomains[sdomain]
	for i := 0; n != nil && i < len(prefix); i++ {
		n = n.kids[prefix[i]]
	}
	return n != nil && n.domain != ""
}

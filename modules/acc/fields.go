package acc

import (
	"fmt"
	"strings"
)

// The accounting backends, in the byte order of OpenSIPS' flag mask.
const (
	beLog = iota
	beAAA
	beDB
	beEVI
	nBackends
)

var backendNames = [nBackends]string{"log", "aaa", "db", "evi"}

// field is one reported extra or leg value: the tag's index and the name
// it is reported under (log attribute, db column, event parameter).
type field struct {
	tag  int
	name string
}

// fieldSet holds the tags of extra_fields (or leg_fields) and the fields
// of each backend, in definition order.
type fieldSet struct {
	tags []string
	be   [nBackends][]field
}

// parse adds one "backend: tag->name; tag2; ..." definition.
func (fs *fieldSet) parse(s string) error {
	s = strings.TrimSpace(s)
	bk, list, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("missing backend separator ':' in %q (expected \"log: tag->name; ...\")", s)
	}
	bk = strings.TrimSpace(bk)
	b := -1
	for i, n := range backendNames {
		if bk == n {
			b = i
		}
	}
	if b < 0 {
		return fmt.Errorf("invalid backend %q (expected log, db, aaa or evi)", bk)
	}
	for tok := range strings.SplitSeq(list, ";") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		tag, name, arrow := strings.Cut(tok, "->")
		tag, name = strings.TrimSpace(tag), strings.TrimSpace(name)
		if !arrow {
			name = tag
		}
		if tag == "" || name == "" {
			return fmt.Errorf("empty tag or name in %q", tok)
		}
		idx := fs.index(tag)
		if idx < 0 {
			idx = len(fs.tags)
			fs.tags = append(fs.tags, tag)
		}
		dup := false
		for _, f := range fs.be[b] {
			dup = dup || f.tag == idx
		}
		if dup {
			// OpenSIPS warns and keeps the first definition.
			continue
		}
		fs.be[b] = append(fs.be[b], field{tag: idx, name: name})
	}
	return nil
}

// index returns the index of tag, or -1.
func (fs *fieldSet) index(tag string) int {
	for i, t := range fs.tags {
		if t == tag {
			return i
		}
	}
	return -1
}

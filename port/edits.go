package port

import (
	"bytes"
	"sort"
)

// edit replaces src[start:end] with text; start == end inserts.
type edit struct {
	start, end int
	text       string
	seq        int // insertion order, to keep inserts at one offset stable
}

// editSet collects the edits of one pass.
type editSet struct {
	src   []byte
	edits []edit
}

func (s *editSet) replace(start, end int, text string) {
	if start < 0 || end > len(s.src) || start > end {
		return
	}
	if string(s.src[start:end]) == text {
		return
	}
	s.edits = append(s.edits, edit{start: start, end: end, text: text, seq: len(s.edits)})
}

func (s *editSet) insert(at int, text string) { s.replace(at, at, text) }

func (s *editSet) delete(start, end int) { s.replace(start, end, "") }

// offsetMap maps offsets of a pass's output back to its input.
type offsetMap []edit // applied edits, sorted, with text lengths

// apply sorts the edits, drops those that overlap an earlier one and
// returns the new text and the map back to the input.
func (s *editSet) apply() ([]byte, offsetMap) {
	sort.SliceStable(s.edits, func(i, j int) bool {
		a, b := s.edits[i], s.edits[j]
		if a.start != b.start {
			return a.start < b.start
		}
		// Inserts before a replacement starting at the same offset.
		if (a.start == a.end) != (b.start == b.end) {
			return a.start == a.end
		}
		return a.seq < b.seq
	})
	var out bytes.Buffer
	var taken offsetMap
	pos := 0
	for _, e := range s.edits {
		if e.start < pos {
			continue // overlaps an earlier edit: a later pass retries
		}
		out.Write(s.src[pos:e.start])
		out.WriteString(e.text)
		pos = e.end
		taken = append(taken, e)
	}
	out.Write(s.src[pos:])
	return out.Bytes(), taken
}

// back maps an offset in the output to the input: offsets inside a
// replacement map to its start.
func (m offsetMap) back(off int) int {
	delta := 0
	for _, e := range m {
		newStart := e.start + delta
		newEnd := newStart + len(e.text)
		if off < newStart {
			break
		}
		if off < newEnd || (e.start == e.end && off == newStart) {
			return e.start
		}
		delta += len(e.text) - (e.end - e.start)
	}
	return off - delta
}

// lineStart returns the offset of the start of the line holding off.
func lineStart(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	i := bytes.LastIndexByte(src[:off], '\n')
	return i + 1
}

// lineEnd returns the offset just after the newline ending the line holding
// off (or len(src)).
func lineEnd(src []byte, off int) int {
	i := bytes.IndexByte(src[off:], '\n')
	if i < 0 {
		return len(src)
	}
	return off + i + 1
}

// indentOf returns the leading blanks of the line holding off.
func indentOf(src []byte, off int) string {
	ls := lineStart(src, off)
	i := ls
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return string(src[ls:i])
}

// onlyOnLine reports whether src[start:end] is the only code on its
// line(s), apart from blanks, a trailing comment and a ";".
func onlyOnLine(src []byte, start, end int) bool {
	ls := lineStart(src, start)
	if len(bytes.TrimSpace(src[ls:start])) != 0 {
		return false
	}
	rest := src[end:lineEnd(src, end)]
	rest = bytes.TrimLeft(rest, " \t;")
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

// deleteItem removes src[start:end]: the whole line when nothing else is
// on it, else the item and the blanks and ";" after it.
func (s *editSet) deleteItem(start, end int) {
	if onlyOnLine(s.src, start, end) {
		s.delete(lineStart(s.src, start), lineEnd(s.src, end))
		return
	}
	for end < len(s.src) && (s.src[end] == ' ' || s.src[end] == '\t' || s.src[end] == ';') {
		end++
	}
	s.delete(start, end)
}

// insertLineBefore inserts a line before the line holding off, indented
// like it.
func (s *editSet) insertLineBefore(off int, line string) {
	s.insert(lineStart(s.src, off), indentOf(s.src, off)+line+"\n")
}

// insertLineAfter inserts a line after the line holding off, indented like
// it.
func (s *editSet) insertLineAfter(off int, line string) {
	end := lineEnd(s.src, off)
	prefix := ""
	if end == len(s.src) && (end == 0 || s.src[end-1] != '\n') {
		prefix = "\n"
	}
	s.insert(end, prefix+indentOf(s.src, off)+line+"\n")
}

// skipParens returns the offset after "()" following off (blanks allowed),
// or off when there is none.
func skipParens(src []byte, off int) int {
	i := skipBlanks(src, off)
	if i < len(src) && src[i] == '(' {
		j := skipBlanks(src, i+1)
		if j < len(src) && src[j] == ')' {
			return j + 1
		}
	}
	return off
}

func skipBlanks(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

package json

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// kind is a JSON value's type.
type kind uint8

const (
	kNull kind = iota
	kBool
	kInt
	kFloat
	kString
	kArray
	kObject
)

// node is one JSON value. Objects keep their keys in insertion order, as
// json-c does, so serialised documents read as OpenSIPS prints them.
// Nodes are shared by reference between documents linked with json_link.
type node struct {
	k    kind
	b    bool
	i    int64
	f    float64
	s    string
	arr  []*node
	keys []string
	vals map[string]*node
}

func newObject() *node { return &node{k: kObject, vals: map[string]*node{}} }

func (n *node) get(key string) *node {
	if n.k != kObject {
		return nil
	}
	return n.vals[key]
}

func (n *node) put(key string, v *node) {
	if _, ok := n.vals[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.vals[key] = v
}

func (n *node) del(key string) {
	if _, ok := n.vals[key]; !ok {
		return
	}
	delete(n.vals, key)
	for i, k := range n.keys {
		if k == key {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			break
		}
	}
}

// parse reads one JSON document; trailing non-space text is an error.
func parse(s string) (*node, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected text after the JSON value")
	}
	return n, nil
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 1000

func parseValue(dec *json.Decoder) (*node, error) { return parseDepth(dec, 0) }

func parseDepth(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("unexpected end of JSON input")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &node{k: kNull}, nil
	case bool:
		return &node{k: kBool, b: t}, nil
	case string:
		return &node{k: kString, s: t}, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return &node{k: kInt, i: i}, nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %s", t)
		}
		return &node{k: kFloat, f: f}, nil
	case json.Delim:
		switch t {
		case '[':
			n := &node{k: kArray}
			for dec.More() {
				v, err := parseDepth(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
			_, err := dec.Token()
			return n, err
		case '{':
			n := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := parseDepth(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.put(key, v)
			}
			_, err := dec.Token()
			return n, err
		}
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// style is a json-c serialisation flavour.
type style uint8

const (
	spaced style = iota // $json: { "a": 1, "b": [ 1, 2 ] }
	plain               // $json_compact: {"a":1,"b":[1,2]}
	pretty              // $json_pretty: two-space indentation
)

func (n *node) String(st style) string {
	var b bytes.Buffer
	n.write(&b, st, 0)
	return b.String()
}

func (n *node) write(b *bytes.Buffer, st style, depth int) {
	switch n.k {
	case kNull:
		b.WriteString("null")
	case kBool:
		b.WriteString(strconv.FormatBool(n.b))
	case kInt:
		b.WriteString(strconv.FormatInt(n.i, 10))
	case kFloat:
		b.WriteString(formatDouble(n.f))
	case kString:
		writeString(b, n.s)
	case kArray:
		if len(n.arr) == 0 {
			b.WriteString(map[style]string{spaced: "[ ]", plain: "[]", pretty: "[\n" + indent(depth) + "]"}[st])
			return
		}
		b.WriteByte('[')
		for i, v := range n.arr {
			sep(b, st, i, depth+1)
			v.write(b, st, depth+1)
		}
		closing(b, st, depth, ']')
	case kObject:
		if len(n.keys) == 0 {
			b.WriteString(map[style]string{spaced: "{ }", plain: "{}", pretty: "{\n" + indent(depth) + "}"}[st])
			return
		}
		b.WriteByte('{')
		for i, k := range n.keys {
			sep(b, st, i, depth+1)
			writeString(b, k)
			b.WriteByte(':')
			if st == spaced {
				b.WriteByte(' ')
			}
			n.vals[k].write(b, st, depth+1)
		}
		closing(b, st, depth, '}')
	}
}

func indent(depth int) string { return strings.Repeat("  ", depth) }

func sep(b *bytes.Buffer, st style, i, depth int) {
	if i > 0 {
		b.WriteByte(',')
	}
	switch st {
	case spaced:
		b.WriteByte(' ')
	case pretty:
		b.WriteByte('\n')
		b.WriteString(indent(depth))
	}
}

func closing(b *bytes.Buffer, st style, depth int, c byte) {
	switch st {
	case spaced:
		b.WriteByte(' ')
	case pretty:
		b.WriteByte('\n')
		b.WriteString(indent(depth))
	}
	b.WriteByte(c)
}

// writeString escapes as json-c: quotes, backslash, slash, control
// characters; other bytes as they are.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '/':
			b.WriteString(`\/`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}

// formatDouble prints a double as json-c: the shortest form that reads
// back, always with a decimal point for integral values.
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

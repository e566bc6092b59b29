package api

import (
	"encoding/json"
	"strings"
)

// OrderedMap is a JSON object that keeps its members in insertion order,
// for MI answers whose member order follows OpenSIPS'.
type OrderedMap struct {
	keys []string
	vals []any
}

// Set appends a member.
func (o *OrderedMap) Set(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// Get returns a member's value.
func (o *OrderedMap) Get(k string) (any, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

// MarshalJSON implements json.Marshaler (on the value, so maps held by
// value marshal too).
func (o OrderedMap) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

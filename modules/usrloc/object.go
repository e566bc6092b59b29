package usrloc

import (
	"bytes"
	"encoding/json"
)

// Object is a JSON object that keeps its keys in insertion order, so MI
// answers print in OpenSIPS' order (modules do not import package mi).
type Object []KV

// KV is one member of an Object.
type KV struct {
	Key   string
	Value any
}

// Add appends a member.
func (o *Object) Add(key string, v any) { *o = append(*o, KV{key, v}) }

// Get returns the value of the first member named key.
func (o Object) Get(key string) (any, bool) {
	for _, kv := range o {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the members in order, without HTML escaping (SIP
// values hold '<', '>' and '&').
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := enc.Encode(kv.Key); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1)
		b.WriteByte(':')
		if err := enc.Encode(kv.Value); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

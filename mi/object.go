package mi

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// KV is one member of an Object.
type KV struct {
	Key   string
	Value any
}

// Object is a JSON object whose members keep their order, for results whose
// keys are only known at run time ({"core:rcv_requests":5,...}).
type Object []KV

// NewObject builds an Object from alternating keys and values:
// NewObject("AOR", aor, "Contacts", contacts). Outside this package it reads
// better than a literal, which go vet wants keyed. A key that is not a
// string, or a missing value, is a programming error and panics.
func NewObject(kv ...any) Object {
	if len(kv)%2 != 0 {
		panic("mi.NewObject: odd number of arguments")
	}
	o := make(Object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			panic(fmt.Sprintf("mi.NewObject: key %v is not a string", kv[i]))
		}
		o = append(o, KV{k, kv[i+1]})
	}
	return o
}

// Add appends a member.
func (o *Object) Add(key string, v any) { *o = append(*o, KV{key, v}) }

// Get returns the first member's value of that key.
func (o Object) Get(key string) (any, bool) {
	for _, kv := range o {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the members in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(kv.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := marshal(kv.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal encodes v without HTML escaping: SIP values carry '<', '>' and
// '&', which OpenSIPS prints as they are.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

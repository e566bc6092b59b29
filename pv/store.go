package pv

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gosips/api"
)

// The runtime keeps the variable stores in its per-message state
// (api.Ctx.Priv) and exposes them through these interfaces.
type (
	// VarHolder gives the worker's $var store.
	VarHolder interface{ Vars() *VarStore }
	// AVPHolder gives the transaction's (or message's) $avp store.
	AVPHolder interface{ AVPs() *AVPStore }
	// SHVHolder gives the process-wide $shv store.
	SHVHolder interface{ SHVs() *SHVStore }
)

// normalize keeps one form per stored value: an integer or a string. An
// integer's decimal string form is produced where a string is needed
// (Str), so storing a counter does not allocate.
func normalize(v api.Value) api.Value {
	switch {
	case v.IsNull():
		return api.Null
	case v.IsInt():
		return api.IntValue(v.I)
	}
	return api.StrValue(v.S)
}

// VarStore holds $var values. It belongs to one worker and persists across
// messages (as in OpenSIPS); it is not safe for concurrent use.
type VarStore struct {
	vals map[string]api.Value
	// ext holds other per-worker state of modules ($json documents), by
	// a key each module owns.
	ext map[any]any
}

// Ext returns the per-worker value a module stored under key, or nil.
func (s *VarStore) Ext(key any) any { return s.ext[key] }

// SetExt stores a per-worker value for a module.
func (s *VarStore) SetExt(key, v any) {
	if s.ext == nil {
		s.ext = map[any]any{}
	}
	s.ext[key] = v
}

// NewVarStore makes an empty store.
func NewVarStore() *VarStore { return &VarStore{vals: map[string]api.Value{}} }

// Get returns a variable; an unset one is NULL.
func (s *VarStore) Get(name string) api.Value { return s.vals[name] }

// Set assigns a variable; NULL makes it NULL.
func (s *VarStore) Set(name string, v api.Value) { s.vals[name] = normalize(v) }

// Reset forgets every variable.
func (s *VarStore) Reset() { clear(s.vals) }

// AVPStore holds AVP stacks: each name has a list of values, index 0 being
// the newest. It belongs to one transaction and is not safe for concurrent
// use.
type AVPStore struct {
	// vals[name] is stored oldest first, so pushing appends.
	vals map[string][]api.Value
}

// NewAVPStore makes an empty store.
func NewAVPStore() *AVPStore { return &AVPStore{vals: map[string][]api.Value{}} }

// ErrNoAVP is returned when an indexed AVP does not exist.
var ErrNoAVP = errors.New("no AVP at that index")

// pos maps a script index (0 newest, -1 oldest) to a slice position.
func pos(n, idx int) (int, bool) {
	if idx < 0 {
		// -1 is the oldest value, which is stored first.
		i := -idx - 1
		return i, i < n
	}
	if idx >= n {
		return 0, false
	}
	return n - 1 - idx, true
}

// Count returns how many values name has.
func (s *AVPStore) Count(name string) int { return len(s.vals[name]) }

// Get returns the value at idx (0 newest, negative from the oldest end);
// NULL when absent.
func (s *AVPStore) Get(name string, idx int) api.Value {
	l := s.vals[name]
	if i, ok := pos(len(l), idx); ok {
		return l[i]
	}
	return api.Null
}

// All returns every value, newest first.
func (s *AVPStore) All(name string) []api.Value {
	l := s.vals[name]
	out := make([]api.Value, len(l))
	for i, v := range l {
		out[len(l)-1-i] = v
	}
	return out
}

// Push adds a value on top ("$avp(x) = v").
func (s *AVPStore) Push(name string, v api.Value) {
	s.vals[name] = append(s.vals[name], normalize(v))
}

// Append adds a value at the bottom ("$(avp(x)[append]) = v").
func (s *AVPStore) Append(name string, v api.Value) {
	l := s.vals[name]
	l = append(l, api.Value{})
	copy(l[1:], l)
	l[0] = normalize(v)
	s.vals[name] = l
}

// Assign drops every value and sets v ("$avp(x) := v").
func (s *AVPStore) Assign(name string, v api.Value) {
	s.vals[name] = append(s.vals[name][:0], normalize(v))
}

// SetAt replaces the value at idx ("$(avp(x)[n]) = v").
func (s *AVPStore) SetAt(name string, idx int, v api.Value) error {
	l := s.vals[name]
	i, ok := pos(len(l), idx)
	if !ok {
		return fmt.Errorf("$avp(%s)[%d]: %w", name, idx, ErrNoAVP)
	}
	l[i] = normalize(v)
	return nil
}

// DelAt deletes the value at idx ("$avp(x) = null" deletes index 0).
func (s *AVPStore) DelAt(name string, idx int) {
	l := s.vals[name]
	i, ok := pos(len(l), idx)
	if !ok {
		return
	}
	l = append(l[:i], l[i+1:]...)
	if len(l) == 0 {
		delete(s.vals, name)
		return
	}
	s.vals[name] = l
}

// DelAll deletes every value of name.
func (s *AVPStore) DelAll(name string) { delete(s.vals, name) }

// Names lists the AVP names present (unordered).
func (s *AVPStore) Names() []string {
	out := make([]string, 0, len(s.vals))
	for n := range s.vals {
		out = append(out, n)
	}
	return out
}

// Clone copies the store (branches and replies see the request's AVPs).
func (s *AVPStore) Clone() *AVPStore {
	c := &AVPStore{vals: make(map[string][]api.Value, len(s.vals))}
	for n, l := range s.vals {
		c.vals[n] = append([]api.Value(nil), l...)
	}
	return c
}

// Reset empties the store for reuse.
func (s *AVPStore) Reset() { clear(s.vals) }

// SHVStore holds $shv values shared by every worker; safe for concurrent
// use.
type SHVStore struct {
	mu   sync.RWMutex
	vals map[string]api.Value
}

// NewSHVStore makes an empty store.
func NewSHVStore() *SHVStore { return &SHVStore{vals: map[string]api.Value{}} }

// Get returns a shared variable; an unset one is NULL.
func (s *SHVStore) Get(name string) api.Value {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.vals[name]
}

// Set assigns a shared variable.
func (s *SHVStore) Set(name string, v api.Value) {
	s.mu.Lock()
	s.vals[name] = normalize(v)
	s.mu.Unlock()
}

// Update changes a variable atomically with respect to other writers.
func (s *SHVStore) Update(name string, fn func(old api.Value) api.Value) {
	s.mu.Lock()
	s.vals[name] = normalize(fn(s.vals[name]))
	s.mu.Unlock()
}

// ParseVarInit parses a cfgutils shvset/varset value "name=i:1" or
// "name=s:text".
func ParseVarInit(s string) (string, api.Value, error) {
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return "", api.Null, fmt.Errorf("%q: want name=i:number or name=s:text", s)
	}
	name, val := strings.TrimSpace(s[:eq]), s[eq+1:]
	if len(val) < 2 || val[1] != ':' {
		return "", api.Null, fmt.Errorf("%q: want name=i:number or name=s:text", s)
	}
	switch val[0] {
	case 'i', 'I':
		n, err := strconv.ParseInt(strings.TrimSpace(val[2:]), 10, 64)
		if err != nil {
			return "", api.Null, fmt.Errorf("%q: bad integer", s)
		}
		return name, IntStr(n), nil
	case 's', 'S':
		return name, api.StrValue(val[2:]), nil
	}
	return "", api.Null, fmt.Errorf("%q: type must be i or s", s)
}

package pv

import (
	"fmt"
	"sync"

	"gosips/api"
)

// FormatCache parses and resolves formats given as module parameters
// (msilo's from_address, dispatcher's hash_pvar...) once, on first use,
// against the running script's variable table. It is safe for concurrent
// use; the zero value is ready.
type FormatCache struct {
	mu    sync.Mutex
	cache map[string]*Format
}

// Get returns the resolved format for raw.
func (f *FormatCache) Get(c *api.Ctx, raw string) (*Format, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ff, ok := f.cache[raw]; ok {
		return ff, nil
	}
	ff, err := ParseFormat(raw)
	if err != nil {
		return nil, fmt.Errorf("format %q: %w", raw, err)
	}
	t := tableOf(c)
	if t == nil {
		t = NewTable(CoreDefs())
	}
	for _, s := range ff.Specs() {
		if err := t.Resolve(s); err != nil {
			return nil, fmt.Errorf("format %q: %w", raw, err)
		}
	}
	if f.cache == nil {
		f.cache = map[string]*Format{}
	}
	f.cache[raw] = ff
	return ff, nil
}

// Eval prints the format raw for the message in c.
func (f *FormatCache) Eval(c *api.Ctx, raw string) (string, error) {
	ff, err := f.Get(c, raw)
	if err != nil {
		return "", err
	}
	return ff.Eval(c)
}

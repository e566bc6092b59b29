package msilo

import (
	"fmt"
	"sync"

	"gosips/api"
	"gosips/pv"
)

// formats caches the PV formats of modparams (from_address,
// offline_message...), resolved on first use against the script's
// variable table.
type formats struct {
	mu    sync.Mutex
	cache map[string]*pv.Format
}

// get parses and resolves raw once.
func (f *formats) get(c *api.Ctx, raw string) (*pv.Format, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ff, ok := f.cache[raw]; ok {
		return ff, nil
	}
	ff, err := pv.ParseFormat(raw)
	if err != nil {
		return nil, fmt.Errorf("format %q: %w", raw, err)
	}
	t := pv.NewTable(pv.CoreDefs())
	if h, ok := c.Priv.(pv.TableHolder); ok && h.PVTable() != nil {
		t = h.PVTable()
	}
	for _, s := range ff.Specs() {
		if err := t.Resolve(s); err != nil {
			return nil, fmt.Errorf("format %q: %w", raw, err)
		}
	}
	if f.cache == nil {
		f.cache = map[string]*pv.Format{}
	}
	f.cache[raw] = ff
	return ff, nil
}

// evalFormat prints a modparam format for the message in c.
func (m *Module) evalFormat(c *api.Ctx, raw string) (string, error) {
	f, err := m.fmts.get(c, raw)
	if err != nil {
		return "", err
	}
	return f.Eval(c)
}

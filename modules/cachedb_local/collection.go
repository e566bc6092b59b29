package cachedblocal

import (
	"errors"
	"path"
	"sort"
	"strconv"
	"sync"
	"time"
)

// entry is one key; Expires is zero for keys that never expire.
type entry struct {
	Value   string    `json:"v"`
	Expires time.Time `json:"e,omitzero"`
}

// collection is one hash table of keys, shared by every worker.
type collection struct {
	mu      sync.Mutex
	entries map[string]entry
	now     func() time.Time
}

func (c *collection) live(e entry, now time.Time) bool {
	return e.Expires.IsZero() || now.Before(e.Expires)
}

func (c *collection) expiry(d time.Duration, now time.Time) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(d)
}

// Store sets key.
func (c *collection) Store(key, value string, expire time.Duration) error {
	if key == "" {
		return errors.New("empty key")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = entry{Value: value, Expires: c.expiry(expire, c.now())}
	return nil
}

// Fetch reads key.
func (c *collection) Fetch(key string) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.live(e, c.now()) {
		return "", false, nil
	}
	return e.Value, true, nil
}

// Remove deletes key.
func (c *collection) Remove(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
	return nil
}

// Add changes a counter atomically; an expired key counts as absent.
func (c *collection) Add(key string, delta int64, expire time.Duration) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	e, ok := c.entries[key]
	n := int64(0)
	if ok && c.live(e, now) {
		v, err := strconv.ParseInt(e.Value, 10, 64)
		if err != nil {
			return 0, errors.New("value is not a counter")
		}
		n = v
	} else {
		e = entry{}
	}
	n += delta
	e.Value = strconv.FormatInt(n, 10)
	if expire > 0 {
		e.Expires = c.expiry(expire, now)
	}
	c.entries[key] = e
	return n, nil
}

// Counter reads a counter.
func (c *collection) Counter(key string) (int64, bool, error) {
	v, ok, _ := c.Fetch(key)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, true, errors.New("value is not a counter")
	}
	return n, true, nil
}

// purge drops expired keys.
func (c *collection) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, e := range c.entries {
		if !c.live(e, now) {
			delete(c.entries, k)
		}
	}
}

// matching lists the live keys matching a shell glob, sorted.
func (c *collection) matching(glob string) ([][2]string, error) {
	if _, err := path.Match(glob, ""); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var out [][2]string
	for k, e := range c.entries {
		if ok, _ := path.Match(glob, k); ok && c.live(e, now) {
			out = append(out, [2]string{k, e.Value})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out, nil
}

// removeMatching deletes the keys matching a glob.
func (c *collection) removeMatching(glob string) (int, error) {
	if _, err := path.Match(glob, ""); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k := range c.entries {
		if ok, _ := path.Match(glob, k); ok {
			delete(c.entries, k)
			n++
		}
	}
	return n, nil
}

func (c *collection) snapshot() map[string]entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	out := make(map[string]entry, len(c.entries))
	for k, e := range c.entries {
		if c.live(e, now) {
			out[k] = e
		}
	}
	return out
}

func (c *collection) restore(in map[string]entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, e := range in {
		if c.live(e, now) {
			c.entries[k] = e
		}
	}
}

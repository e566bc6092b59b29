package api

import (
	"fmt"
	"strings"
	"time"
)

// Cache is one key-value collection of a cachedb engine, as the core
// cache_* functions and MI commands use it. Counters are values that
// parse as integers.
type Cache interface {
	// Store sets key to value; expire 0 keeps it until removed.
	Store(key, value string, expire time.Duration) error
	// Fetch returns the value of key; ok is false when it is absent or
	// expired.
	Fetch(key string) (value string, ok bool, err error)
	// Remove deletes key (absent keys are not an error).
	Remove(key string) error
	// Add adds delta to the counter key (created at delta when absent)
	// and returns the new value; expire 0 leaves its expiry as it was.
	Add(key string, delta int64, expire time.Duration) (int64, error)
	// Counter returns the counter key; ok is false when it is absent.
	Counter(key string) (n int64, ok bool, err error)
}

// CacheEngine is implemented by the cachedb_* modules. The engine of a
// cache_* storage id "local" or "local:group" is the module named
// "cachedb_local", and group selects one of its cachedb_url values.
type CacheEngine interface {
	CacheGroup(group string) (Cache, bool)
}

// SplitCacheID splits a storage id "engine[:group]" and returns the
// module serving it.
func SplitCacheID(id string) (module, group string, err error) {
	engine, group, _ := strings.Cut(id, ":")
	if engine == "" {
		return "", "", fmt.Errorf("empty cachedb storage id")
	}
	return "cachedb_" + engine, group, nil
}

// Package cachedblocal (cachedb_local) is the in-memory key-value store behind the core
// cache_* functions: collections of keys with optional expiry, reached
// through cachedb_url groups, kept across restarts when asked.
package cachedblocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "cachedb_local", Doc: "local key-value cache", New: func() api.Module { return New() }})
}

// DefaultCollection always exists.
const DefaultCollection = "default"

// Local is one instance of the cachedb_local module.
type Local struct {
	CleanPeriod int // cache_clean_period, seconds
	Persist     int // enable_restart_persistency

	urls  map[string]string // group -> collection
	cols  map[string]*collection
	order []string // collection names as declared
	file  string
	log   *slog.Logger
	now   func() time.Time
}

// New returns an instance with OpenSIPS defaults.
func New() *Local {
	return &Local{CleanPeriod: 600, urls: map[string]string{}, cols: map[string]*collection{},
		now: time.Now}
}

// Params lists the module parameters (OpenSIPS 3.6 cachedb_local.c).
func (l *Local) Params() []api.Param {
	clusterID := api.FuncParam("cluster_id", api.ParamInt, false, func(v api.ParamValue) error {
		if v.Int != 0 {
			return errors.New("clustering (cluster_id) is not implemented in gosips")
		}
		return nil
	})
	persistency := api.IgnoredParam(api.FuncParam("cluster_persistency", api.ParamStr, false, func(api.ParamValue) error { return nil }),
		"only meaningful with cluster_id: clustering is not implemented")
	threshold := api.IgnoredParam(api.FuncParam("exec_threshold", api.ParamInt, false, func(api.ParamValue) error { return nil }),
		"slow cache operations are not logged")
	return []api.Param{
		api.IntParam("cache_clean_period", &l.CleanPeriod),
		api.FuncParam("cache_collections", api.ParamStr, true, l.setCollections),
		api.FuncParam("cachedb_url", api.ParamStr, true, l.setURL),
		api.IntParam("enable_restart_persistency", &l.Persist),
		clusterID, persistency, threshold,
	}
}

// setCollections reads "name[/r][=bits]; ..."; the size is accepted and
// ignored (Go maps grow as needed).
func (l *Local) setCollections(v api.ParamValue) error {
	for _, def := range strings.Split(v.Str, ";") {
		name, size, _ := strings.Cut(strings.TrimSpace(def), "=")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if base, ok := strings.CutSuffix(name, "/r"); ok {
			return fmt.Errorf("collection %q: replication (/r) needs clustering, which gosips does not implement", base)
		}
		if size = strings.TrimSpace(size); size != "" {
			if n, err := strconv.Atoi(size); err != nil || n < 1 || n > 32 {
				return fmt.Errorf("collection %q: size %q is not a power of two exponent (1-32)", name, size)
			}
		}
		l.addCollection(name)
	}
	return nil
}

func (l *Local) addCollection(name string) {
	if _, ok := l.cols[name]; !ok {
		l.cols[name] = &collection{entries: map[string]entry{}, now: func() time.Time { return l.now() }}
		l.order = append(l.order, name)
	}
}

// setURL reads "local[:group]://[/collection]".
func (l *Local) setURL(v api.ParamValue) error {
	scheme, rest, ok := strings.Cut(v.Str, "://")
	if !ok {
		return fmt.Errorf("cachedb_url %q: expected local[:group]://[/collection]", v.Str)
	}
	engine, group, _ := strings.Cut(scheme, ":")
	if engine != "local" {
		return fmt.Errorf("cachedb_url %q: scheme must be local", v.Str)
	}
	col := strings.Trim(path.Clean("/"+rest), "/")
	if col == "" {
		col = DefaultCollection
	}
	l.urls[group] = col
	return nil
}

// Validate checks every URL names a declared collection.
func (l *Local) Validate(*api.ValidateCtx) error {
	for g, c := range l.urls {
		if _, ok := l.cols[c]; !ok && c != DefaultCollection {
			return fmt.Errorf("cachedb_url group %q uses collection %q, not declared in cache_collections", g, c)
		}
	}
	return nil
}

// Init creates the default collection and URL and loads the persisted
// data.
func (l *Local) Init(ic *api.InitCtx) error {
	l.log = ic.Log
	l.addCollection(DefaultCollection)
	if _, ok := l.urls[""]; !ok {
		l.urls[""] = DefaultCollection
	}
	if l.CleanPeriod <= 0 {
		return fmt.Errorf("cache_clean_period must be positive")
	}
	if l.Persist != 0 {
		name := ".restart_persistency.cache"
		if ic.Global != nil {
			if v, ok := ic.Global("restart_persistency_cache_file"); ok && v.IsStr() && v.S != "" {
				name = v.S
			}
		}
		if !filepath.IsAbs(name) {
			name = filepath.Join(ic.ConfigDir, name)
		}
		l.file = name + ".cachedb_local"
		if err := l.load(); err != nil {
			return err
		}
	}
	return nil
}

// Start runs the periodic purge of expired keys.
func (l *Local) Start(ctx context.Context) error {
	api.Every(ctx, time.Duration(l.CleanPeriod)*time.Second, func() {
		for _, c := range l.cols {
			c.purge()
		}
	})
	return nil
}

// Close saves the collections when restart persistency is on.
func (l *Local) Close() error {
	if l.file == "" {
		return nil
	}
	return l.save()
}

// CacheGroup returns the collection of a cachedb_url group ("" for the
// URL without group).
func (l *Local) CacheGroup(group string) (api.Cache, bool) {
	name, ok := l.urls[group]
	if !ok {
		return nil, false
	}
	c, ok := l.cols[name]
	return c, ok
}

// collectionArg finds a collection by name for cache_remove_chunk and
// the MI chunk commands ("" is the default collection).
func (l *Local) collectionArg(name string) (*collection, error) {
	if name == "" {
		name = DefaultCollection
	}
	c, ok := l.cols[name]
	if !ok {
		return nil, fmt.Errorf("no collection %q", name)
	}
	return c, nil
}

// Funcs: cache_remove_chunk([collection,] glob).
func (l *Local) Funcs() []api.Func {
	return []api.Func{{Name: "cache_remove_chunk",
		Routes:  api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute | api.StartupRoute,
		Returns: "1 done, -1 error",
		// One argument is the glob, on the default collection, as the
		// OpenSIPS documentation shows it.
		Args: []api.Arg{{Name: "collection", Type: api.ArgStr}, {Name: "glob", Type: api.ArgStr, Optional: true}},
		Call: func(c *api.Ctx, a []any) api.Ret {
			name, _ := a[0].(string)
			glob, ok := a[1].(string)
			if !ok {
				name, glob = "", name
			}
			col, err := l.collectionArg(name)
			if err == nil {
				_, err = col.removeMatching(glob)
			}
			if err != nil {
				c.Log.Error("cache_remove_chunk failed", "err", err)
				return api.RetFalse
			}
			return api.RetTrue
		}}}
}

// MICommands: the chunk commands of cachedb_local, and the core cache
// commands, served here since this is the cache gosips has.
func (l *Local) MICommands() []api.MICommand {
	str := func(p api.MIParams, k string) string { s, _ := p[k].(string); return s }
	engine := func(p api.MIParams) (api.Cache, error) {
		mod, group, err := api.SplitCacheID(str(p, "system"))
		if err != nil {
			return nil, &api.MIError{Code: -32602, Msg: err.Error()}
		}
		if mod != "cachedb_local" {
			return nil, &api.MIError{Code: 500, Msg: "no cachedb system " + str(p, "system")}
		}
		c, ok := l.CacheGroup(group)
		if !ok {
			return nil, &api.MIError{Code: 500, Msg: "no cachedb_url for group " + group}
		}
		return c, nil
	}
	return []api.MICommand{
		{Name: "cache_remove_chunk", Recipes: [][]string{{"glob"}, {"glob", "collection"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				col, err := l.collectionArg(str(p, "collection"))
				if err != nil {
					return nil, &api.MIError{Code: 400, Msg: err.Error()}
				}
				if _, err := col.removeMatching(str(p, "glob")); err != nil {
					return nil, &api.MIError{Code: 500, Msg: "Internal error"}
				}
				return "OK", nil
			}},
		{Name: "cache_fetch_chunk", Recipes: [][]string{{"glob"}, {"glob", "collection"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				col, err := l.collectionArg(str(p, "collection"))
				if err != nil {
					return nil, &api.MIError{Code: 400, Msg: err.Error()}
				}
				keys, err := col.matching(str(p, "glob"))
				if err != nil {
					return nil, &api.MIError{Code: 400, Msg: "Internal Error"}
				}
				out := make([]map[string]any, 0, len(keys))
				for _, kv := range keys {
					out = append(out, map[string]any{"name": kv[0], "value": kv[1]})
				}
				return map[string]any{"keys": out}, nil
			}},
		{Name: "cache_store", Recipes: [][]string{{"system", "attr", "value"}, {"system", "attr", "value", "expire"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				c, err := engine(p)
				if err != nil {
					return nil, err
				}
				exp := 0
				if s := str(p, "expire"); s != "" {
					if exp, err = strconv.Atoi(s); err != nil {
						return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
					}
				} else if n, ok := p["expire"].(float64); ok {
					exp = int(n)
				}
				if err := c.Store(str(p, "attr"), str(p, "value"), time.Duration(exp)*time.Second); err != nil {
					return nil, &api.MIError{Code: 500, Msg: "Cache store command failed"}
				}
				return "OK", nil
			}},
		{Name: "cache_fetch", Recipes: [][]string{{"system", "attr"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				c, err := engine(p)
				if err != nil {
					return nil, err
				}
				v, ok, err := c.Fetch(str(p, "attr"))
				if err != nil {
					return nil, &api.MIError{Code: 500, Msg: "Cache fetch command failed"}
				}
				if !ok {
					return nil, &api.MIError{Code: 400, Msg: "Value not found"}
				}
				return map[string]any{"key": str(p, "attr"), "value": v}, nil
			}},
		{Name: "cache_remove", Recipes: [][]string{{"system", "attr"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				c, err := engine(p)
				if err != nil {
					return nil, err
				}
				if err := c.Remove(str(p, "attr")); err != nil {
					return nil, &api.MIError{Code: 500, Msg: "Cache remove command failed"}
				}
				return "OK", nil
			}},
	}
}

// persisted is the file form of the collections.
type persisted map[string]map[string]entry

func (l *Local) save() error {
	out := persisted{}
	for name, c := range l.cols {
		out[name] = c.snapshot()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	tmp := l.file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("cachedb_local: save %s: %w", l.file, err)
	}
	return os.Rename(tmp, l.file)
}

func (l *Local) load() error {
	b, err := os.ReadFile(l.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cachedb_local: %w", err)
	}
	var in persisted
	if err := json.Unmarshal(b, &in); err != nil {
		l.log.Warn("cachedb_local: ignoring an unreadable persistency file", "file", l.file, "err", err)
		return nil
	}
	for name, entries := range in {
		if c, ok := l.cols[name]; ok {
			c.restore(entries)
		} else {
			l.log.Warn("cachedb_local: persisted collection no longer declared, dropped", "collection", name)
		}
	}
	return nil
}

var (
	_ api.Module      = (*Local)(nil)
	_ api.Initer      = (*Local)(nil)
	_ api.Starter     = (*Local)(nil)
	_ api.Closer      = (*Local)(nil)
	_ api.Validator   = (*Local)(nil)
	_ api.MIExporter  = (*Local)(nil)
	_ api.CacheEngine = (*Local)(nil)
)

package core

import (
	"fmt"
	"time"

	"gosips/api"
	"gosips/pv"
)

// cacheOf finds the collection of a storage id ("local", "local:group").
func cacheOf(c *api.Ctx, id string) (api.Cache, error) {
	mod, group, err := api.SplitCacheID(id)
	if err != nil {
		return nil, err
	}
	eng, ok := c.Core.Module(mod).(api.CacheEngine)
	if !ok {
		return nil, fmt.Errorf("no cachedb system %q: loadmodule \"%s.so\" is missing", id, mod)
	}
	cache, ok := eng.CacheGroup(group)
	if !ok {
		return nil, fmt.Errorf("no cachedb_url for %q", id)
	}
	return cache, nil
}

// cacheCall runs op on the collection of args[0] and logs failures.
func cacheCall(name string, op func(c *api.Ctx, cache api.Cache, args []any) (api.Ret, error)) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		if key, _ := args[1].(string); key == "" {
			c.Log.Error(name + "(): empty key")
			return api.RetFalse
		}
		cache, err := cacheOf(c, args[0].(string))
		var r api.Ret
		if err == nil {
			r, err = op(c, cache, args)
		}
		if err != nil {
			c.Log.Error(name+"() failed", "err", err)
			return api.RetFalse
		}
		return r
	}
}

func seconds(a any) time.Duration {
	n, _ := a.(int64)
	return time.Duration(n) * time.Second
}

var (
	cacheStore = cacheCall("cache_store", func(_ *api.Ctx, ch api.Cache, a []any) (api.Ret, error) {
		return api.RetTrue, ch.Store(a[1].(string), a[2].(string), seconds(a[3]))
	})
	cacheRemove = cacheCall("cache_remove", func(_ *api.Ctx, ch api.Cache, a []any) (api.Ret, error) {
		return api.RetTrue, ch.Remove(a[1].(string))
	})
	cacheFetch = cacheCall("cache_fetch", func(c *api.Ctx, ch api.Cache, a []any) (api.Ret, error) {
		v, ok, err := ch.Fetch(a[1].(string))
		if err != nil || !ok {
			return -2, err
		}
		return api.RetTrue, a[2].(api.PVRef).Set(c, api.StrValue(v))
	})
	cacheCounterFetch = cacheCall("cache_counter_fetch", func(c *api.Ctx, ch api.Cache, a []any) (api.Ret, error) {
		n, ok, err := ch.Counter(a[1].(string))
		if err != nil || !ok {
			return -2, err
		}
		return api.RetTrue, a[2].(api.PVRef).Set(c, pv.IntStr(n))
	})
	cacheAdd = cacheCall("cache_add", func(c *api.Ctx, ch api.Cache, a []any) (api.Ret, error) {
		return cacheAddSub(c, ch, a, 1)
	})
	cacheSub = cacheCall("cache_sub", func(c *api.Ctx, ch api.Cache, a []any) (api.Ret, error) {
		return cacheAddSub(c, ch, a, -1)
	})
	// cache_raw_query: cachedb_local, the one engine gosips has, has no
	// query language (OpenSIPS' returns an error as well).
	cacheRawQuery = cacheCall("cache_raw_query", func(_ *api.Ctx, _ api.Cache, a []any) (api.Ret, error) {
		return api.RetFalse, fmt.Errorf("cachedb system %q does not support raw queries", a[0])
	})
)

func cacheAddSub(c *api.Ctx, ch api.Cache, a []any, sign int64) (api.Ret, error) {
	n, err := ch.Add(a[1].(string), sign*a[2].(int64), seconds(a[3]))
	if err != nil {
		return api.RetFalse, err
	}
	if out, ok := a[4].(api.PVRef); ok {
		return api.RetTrue, out.Set(c, pv.IntStr(n))
	}
	return api.RetTrue, nil
}

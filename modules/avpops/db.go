package avpops

import (
	"gosips/api"
	"gosips/modules/internal/usrprefs"
)

// Init opens every db_url (or db_default_url) and parses db_scheme.
func (m *AVPOps) Init(ic *api.InitCtx) error { return m.Prefs.Open(ic) }

// Close closes the databases.
func (m *AVPOps) Close() error { return m.Prefs.Close() }

// avpDBLoad is avp_db_load(source, name[, db_id[, prefix]]).
func (m *AVPOps) avpDBLoad(c *api.Ctx, args []any) api.Ret {
	source, _ := args[0].(string)
	sp, _ := args[1].(AVPSpec)
	prefix, _ := args[3].(string)
	st := store(c)
	if st == nil {
		return api.RetFalse
	}
	n, err := m.Prefs.Load(c, st, source, sp.Name, sp.Flags, args[2], prefix)
	if err != nil {
		c.Log.Error("avp_db_load failed", "source", source, "err", err)
		return api.RetFalse
	}
	return ret(n > 0)
}

// avpDBStore is avp_db_store(source, name[, db_id]): one row per value.
func (m *AVPOps) avpDBStore(c *api.Ctx, args []any) api.Ret {
	source, _ := args[0].(string)
	sp, _ := args[1].(AVPSpec)
	st := store(c)
	if st == nil || sp.Name == "" || sp.Name == "*" {
		return api.RetFalse
	}
	if err := m.Prefs.Store(c, st, source, sp.Name, sp.Flags, args[2]); err != nil {
		c.Log.Error("avp_db_store failed", "source", source, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// avpDBDelete is avp_db_delete(source, name[, db_id]).
func (m *AVPOps) avpDBDelete(c *api.Ctx, args []any) api.Ret {
	source, _ := args[0].(string)
	sp, _ := args[1].(AVPSpec)
	if err := m.Prefs.Delete(c, source, sp.Name, sp.Flags, args[2]); err != nil {
		c.Log.Error("avp_db_delete failed", "source", source, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// avpDBQuery is avp_db_query(query[, dest[, db_id]]): column i of every
// row goes to the i-th AVP of dest (the column names without dest).
func (m *AVPOps) avpDBQuery(c *api.Ctx, args []any) api.Ret {
	q, _ := args[0].(string)
	dest, _ := args[1].([]AVPSpec)
	res, err := m.Prefs.Query(c, q, args[2])
	if err != nil {
		c.Log.Error("avp_db_query failed", "query", q, "err", err)
		return api.RetFalse
	}
	if res == nil || len(res.Rows) == 0 {
		return -2
	}
	st := store(c)
	if st == nil {
		return api.RetFalse
	}
	var names []string // nil: the columns' names
	for _, d := range dest {
		names = append(names, d.Name)
	}
	usrprefs.PushRows(st, res, names)
	return api.RetTrue
}

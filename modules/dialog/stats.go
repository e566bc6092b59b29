package dialog

import "gosips/api"

// counters are the dialog statistics (OpenSIPS names).
type counters struct {
	active, early, processed, expired, failed *api.Stat
	createSent, updateSent, deleteSent        *api.Stat
	createRecv, updateRecv, deleteRecv        *api.Stat
}

func newCounters(g *api.StatGroup, m *Module) counters {
	return counters{
		active:     g.Gauge("active_dialogs"),
		early:      g.Gauge("early_dialogs"),
		processed:  g.Counter("processed_dialogs"),
		expired:    g.Counter("expired_dialogs"),
		failed:     g.Counter("failed_dialogs"),
		createSent: g.Counter("create_sent"),
		updateSent: g.Counter("update_sent"),
		deleteSent: g.Counter("delete_sent"),
		createRecv: g.Counter("create_recv"),
		updateRecv: g.Counter("update_recv"),
		deleteRecv: g.Counter("delete_recv"),
	}
}

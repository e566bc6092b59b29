package pv

import (
	"testing"
	"time"

	"gosips/api"
)

// fakePriv stands in for the runtime's per-message state.
type fakePriv struct {
	vars  *VarStore
	avps  *AVPStore
	shvs  *SHVStore
	table *Table
	now   time.Time
	rc    int
	color bool
	cache MsgCache
}

func newFake() *fakePriv {
	return &fakePriv{vars: NewVarStore(), avps: NewAVPStore(), shvs: NewSHVStore(),
		table: NewTable(CoreDefs()), now: time.Date(2024, 3, 5, 7, 8, 9, 123456000, time.UTC)}
}

func (f *fakePriv) Vars() *VarStore      { return f.vars }
func (f *fakePriv) AVPs() *AVPStore      { return f.avps }
func (f *fakePriv) SHVs() *SHVStore      { return f.shvs }
func (f *fakePriv) PVTable() *Table      { return f.table }
func (f *fakePriv) Now() time.Time       { return f.now }
func (f *fakePriv) StartTime() time.Time { return f.now.Add(-time.Hour) }
func (f *fakePriv) RetCode() int         { return f.rc }
func (f *fakePriv) ForceColor() bool     { return f.color }
func (f *fakePriv) PVCache() *MsgCache   { return &f.cache }

func ctxWith(f *fakePriv) *api.Ctx { return &api.Ctx{Priv: f} }

// mustSpec parses and resolves a PV against the core table.
func mustSpec(t testing.TB, raw string) *Spec {
	t.Helper()
	s, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(%q): %v", raw, err)
	}
	if err := NewTable(CoreDefs()).Resolve(s); err != nil {
		t.Fatalf("Resolve(%q): %v", raw, err)
	}
	return s
}

// show renders a value for comparisons: "<null>", "i:5/s:5", "s:text".
func show(v api.Value) string {
	switch {
	case v.IsNull():
		return "<null>"
	case v.IsInt() && v.IsStr():
		return "i:" + Str(api.IntValue(v.I)) + "/s:" + v.S
	case v.IsInt():
		return "i:" + Str(v)
	}
	return "s:" + v.S
}

package acc

import (
	"strings"
	"testing"

	"gosips/api"
)

// The export table of OpenSIPS 3.6 acc_mod.c.
func TestExports(t *testing.T) {
	m := New()
	var names []string
	for _, f := range m.Funcs() {
		names = append(names, f.Name)
	}
	want := "acc_log_request acc_db_request acc_aaa_request acc_evi_request do_accounting drop_accounting acc_new_leg acc_load_ctx_from_dlg acc_unload_ctx_from_dlg"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("functions:\n got %s\nwant %s", got, want)
	}
	params := map[string]bool{}
	for _, p := range m.Params() {
		params[p.Name] = true
	}
	for _, p := range strings.Fields("early_media report_cancels detect_direction log_level log_facility aaa_url service_type " +
		"extra_fields leg_fields db_url db_table_acc db_table_missed_calls db_table_avp acc_method_column " +
		"acc_from_tag_column acc_to_tag_column acc_callid_column acc_sip_code_column acc_sip_reason_column acc_time_column") {
		if !params[p] {
			t.Errorf("parameter %s missing", p)
		}
	}
	var pvs []string
	for _, d := range m.PVs() {
		pvs = append(pvs, d.Name)
	}
	if got := strings.Join(pvs, " "); got != "acc_extra acc_leg acc_current_leg" {
		t.Errorf("PVs: %s", got)
	}
}

func setParam(t *testing.T, m *Acc, name string, v api.ParamValue) error {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			return p.Set(v)
		}
	}
	t.Fatalf("no parameter %s", name)
	return nil
}

func TestRemovedParamsHint(t *testing.T) {
	for _, name := range []string{"log_flag", "db_flag", "db_missed_flag", "log_missed_flag", "cdr_flag", "failed_transaction_flag", "multi_leg_info", "db_extra"} {
		err := setParam(t, New(), name, api.ParamValue{Str: "ACC_DO"})
		if err == nil || api.ErrorHint(err) == "" {
			t.Errorf("%s: error %v without hint", name, err)
		}
	}
	if h := api.ErrorHint(setParam(t, New(), "db_flag", api.ParamValue{Int: 1, IsInt: true})); !strings.Contains(h, `do_accounting("db")`) {
		t.Errorf("db_flag hint = %q", h)
	}
}

func TestFieldsParse(t *testing.T) {
	m := New()
	for _, s := range []string{"log: a->My_a_Field; b", "db: a->col_a; col_b", "log: c ;"} {
		if err := setParam(t, m, "extra_fields", api.ParamValue{Str: s}); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	}
	if got := strings.Join(m.extra.tags, ","); got != "a,b,col_b,c" {
		t.Errorf("tags = %s", got)
	}
	if got := m.extra.be[beLog]; len(got) != 3 || got[0] != (field{0, "My_a_Field"}) || got[1] != (field{1, "b"}) || got[2] != (field{3, "c"}) {
		t.Errorf("log fields = %+v", got)
	}
	if got := m.extra.be[beDB]; len(got) != 2 || got[0] != (field{0, "col_a"}) || got[1] != (field{2, "col_b"}) {
		t.Errorf("db fields = %+v", got)
	}
	for _, bad := range []string{"a->b", "radius: a", "log: ->x"} {
		if err := setParam(t, New(), "leg_fields", api.ParamValue{Str: bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTypeAndFlagFixups(t *testing.T) {
	m := New()
	m.dburl = "sqlite:///tmp/x.db"
	tests := []struct {
		types, flags string
		want         uint64
		err          string
	}{
		{types: "log", want: 1},
		{types: "log|db", flags: "missed|failed", want: 1 | 4 | 8 | (1|4|8)<<16},
		{types: " LOG ", flags: "failed", want: 1 | 8},
		{types: "aaa", err: "AAA"},
		{types: "evi", flags: "missed", want: (1 | 4) << 24},
		{types: "syslog", err: "invalid accounting backend"},
		{types: "log", flags: "cdr", err: "dialog"},
		{types: "log", flags: "foo", err: "invalid accounting flag"},
	}
	for _, tc := range tests {
		ta := &api.FixArg{Const: true, Str: tc.types}
		err := m.typesFixup(nil, ta)
		var flags uint64
		if err == nil && tc.flags != "" {
			fa := &api.FixArg{Const: true, Str: tc.flags}
			err = m.flagsFixup(nil, fa)
			if err == nil {
				flags = uint64(fa.Fixed.(maskArg))
			}
		}
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s/%s: error %v, want %q", tc.types, tc.flags, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s/%s: %v", tc.types, tc.flags, err)
			continue
		}
		if got := setMask(uint64(ta.Fixed.(maskArg)), flags); got != tc.want {
			t.Errorf("%s/%s: mask %#x, want %#x", tc.types, tc.flags, got, tc.want)
		}
	}
	noDB := New()
	if err := noDB.typesFixup(nil, &api.FixArg{Const: true, Str: "db"}); err == nil || api.ErrorHint(err) == "" {
		t.Errorf("db without db_url: %v", err)
	}
}

func TestResetMask(t *testing.T) {
	logMissed := setMask(backendBit(beLog), fMissed)
	both := logMissed | setMask(backendBit(beDB), fFailed)
	if got := resetMask(backendBit(beLog), 0, false, both); got != setMask(backendBit(beDB), fFailed) {
		t.Errorf("drop_accounting(\"log\") = %#x", got)
	}
	if got := resetMask(0, 0, false, both); got != 0 {
		t.Errorf("drop_accounting() = %#x", got)
	}
	// Dropping the last flag of a backend stops it, as in OpenSIPS.
	if got := resetMask(backendBit(beLog), fMissed, true, logMissed); got != 0 {
		t.Errorf("drop_accounting(\"log\", \"missed\") = %#x", got)
	}
	lmf := setMask(backendBit(beLog), fMissed|fFailed)
	if got := resetMask(backendBit(beLog), fMissed, true, lmf); got != setMask(backendBit(beLog), fFailed) {
		t.Errorf("drop missed of log|missed|failed = %#x", got)
	}
}

func TestCommentRecord(t *testing.T) {
	tests := []struct{ in, code, reason string }{
		{"403 Destination not allowed", "403", "Destination not allowed"},
		{"404", "404", "Not Found"},
		{"Some comment", "", "Some comment"},
		{"12 x", "", "12 x"},
	}
	for _, tc := range tests {
		if c, r := commentRecord(tc.in); c != tc.code || r != tc.reason {
			t.Errorf("%q: %q %q", tc.in, c, r)
		}
	}
}

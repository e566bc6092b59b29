package pv

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"gosips/api"
	"gosips/lang/diag"
)

func TestTimeAndProcessPVs(t *testing.T) {
	f := newFake()
	f.rc = -2
	c := ctxWith(f)
	tests := []struct{ pv, want string }{
		{"$Ts", "1709622489"},
		{"$Tsm", "123456"},
		{"$Tf", "Tue Mar  5 07:08:09 2024"},
		{"$TS", "1709618889"},
		{"$time(%Y-%m-%d %H:%M:%S)", "2024-03-05 07:08:09"},
		{"$time(%a %b %e %j %%)", "Tue Mar  5 065 %"},
		{"$pp", strconv.Itoa(os.Getpid())},
		{"$rc", "-2"},
		{"$retcode", "-2"},
		{"$C(rx)", ""},
		{"$$", "$"},
	}
	for _, tt := range tests {
		v, err := mustSpec(t, tt.pv).Get(c)
		if err != nil || Print(v) != tt.want {
			t.Errorf("%s = %q (%v), want %q", tt.pv, Print(v), err, tt.want)
		}
	}
	f.color = true
	if v, _ := mustSpec(t, "$C(Rb)").Get(c); v.S != "\033[1;31;44m" {
		t.Errorf("$C(Rb) = %q", v.S)
	}
	if v, _ := mustSpec(t, "$C(xx)").Get(c); v.S != "\033[0;39;49m" {
		t.Errorf("$C(xx) = %q", v.S)
	}
}

func TestCfgutilsPVs(t *testing.T) {
	c := ctxWith(newFake())
	t.Setenv("GOSIPS_PV_TEST", "yes")
	for _, tt := range []struct{ pv, want string }{
		{"$env(GOSIPS_PV_TEST)", "yes"},
		{"$env(GOSIPS_PV_UNSET_X)", "<null>"},
	} {
		v, err := mustSpec(t, tt.pv).Get(c)
		if err != nil || Print(v) != tt.want {
			t.Errorf("%s = %q (%v)", tt.pv, Print(v), err)
		}
	}
	for _, f := range []string{"sec", "min", "hour", "mday", "mon", "year", "wday", "yday", "isdst"} {
		v, err := mustSpec(t, "$ctime("+f+")").Get(c)
		if err != nil || !v.IsInt() {
			t.Errorf("$ctime(%s) = %v, %v", f, v, err)
		}
	}
	if v, err := mustSpec(t, "$RANDOM").Get(c); err != nil || !v.IsInt() || v.I < 0 {
		t.Errorf("$RANDOM = %v, %v", v, err)
	}
}

func TestFormatEval(t *testing.T) {
	f := newFake()
	f.vars.Set("x", api.StrValue("sip:bob@h"))
	c := ctxWith(f)
	fm, err := ParseFormat("u=$(var(x){uri.user}) n=$var(none) d=$$ end")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.table.ResolveFormat(fm); err != nil {
		t.Fatal(err)
	}
	out, err := fm.Eval(c)
	if err != nil || out != "u=bob n=<null> d=$ end" {
		t.Errorf("Eval = %q, %v", out, err)
	}
	// A placeholder without a getter is refused when resolved.
	fm2, _ := ParseFormat("a $T_id b")
	var pe *Error
	if err := f.table.ResolveFormat(fm2); !errors.As(err, &pe) || pe.Code != diag.CodeNotImplemented {
		t.Errorf("ResolveFormat = %v, want a not-implemented error", err)
	}
}

type switcher struct {
	*fakePriv
	other *api.Ctx
}

func (s switcher) PVContext(name string) (*api.Ctx, error) {
	if name != "request" {
		return nil, errors.New("no reply")
	}
	return s.other, nil
}

func TestContextSwitch(t *testing.T) {
	req := newFake()
	req.vars.Set("a", api.StrValue("from-request"))
	cur := newFake()
	c := &api.Ctx{Priv: switcher{fakePriv: cur, other: ctxWith(req)}}
	v, err := mustSpec(t, "$(<request>var(a))").Get(c)
	if err != nil || Print(v) != "from-request" {
		t.Errorf("got %q, %v", Print(v), err)
	}
	if _, err := mustSpec(t, "$(<reply>var(a))").Get(c); err == nil {
		t.Error("reply context should fail")
	}
	if _, err := mustSpec(t, "$(<request>var(a))").Get(ctxWith(cur)); err == nil || !strings.Contains(err.Error(), "unavailable") {
		t.Errorf("no switcher: %v", err)
	}
}

func TestPVRef(t *testing.T) {
	f := newFake()
	c := ctxWith(f)
	var ref api.PVRef = mustSpec(t, "$var(out)").Ref()
	if err := ref.Set(c, api.StrValue("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := ref.Get(c); err != nil || v.S != "v" || ref.Name() != "$var(out)" {
		t.Errorf("ref: %v %v %s", v, err, ref.Name())
	}
}

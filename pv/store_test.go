package pv

import (
	"strings"
	"sync"
	"testing"

	"gosips/api"
)

// avpScript runs a list of assignments on $avp(x) and returns the
// $(avp(x)[*]) print after each.
func TestAVPAssignments(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // "=" | ":=" , target, value ("null" for NULL)
		want  string
	}{
		{"push", []string{"= $avp(x) one", "= $avp(x) two", "= $avp(x) three"}, "three, two, one"},
		{"colon replaces all", []string{"= $avp(x) one", "= $avp(x) two", ":= $avp(x) new"}, "new"},
		{"null deletes top", []string{"= $avp(x) one", "= $avp(x) two", "= $avp(x) null"}, "one"},
		{"colon null deletes all", []string{"= $avp(x) one", "= $avp(x) two", ":= $avp(x) null"}, "<null>"},
		{"star null deletes all", []string{"= $avp(x) one", "= $avp(x) two", "= $(avp(x)[*]) null"}, "<null>"},
		{"index replaces", []string{"= $avp(x) one", "= $avp(x) two", "= $(avp(x)[1]) ONE"}, "two, ONE"},
		{"negative index replaces oldest", []string{"= $avp(x) one", "= $avp(x) two", "= $(avp(x)[-1]) ONE"}, "two, ONE"},
		{"append goes last", []string{"= $avp(x) one", "= $(avp(x)[append]) zero"}, "one, zero"},
		{"index null deletes that value", []string{"= $avp(x) a", "= $avp(x) b", "= $avp(x) c", "= $(avp(x)[1]) null"}, "c, a"},
		{"star assign replaces all", []string{"= $avp(x) a", "= $avp(x) b", "= $(avp(x)[*]) z"}, "z"},
		{"dynamic name", []string{"= $avp($var(n)) v"}, "v"},
		{"ints", []string{"= $avp(x) 5"}, "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.vars.Set("n", api.StrValue("x"))
			c := ctxWith(f)
			for _, step := range tt.steps {
				parts := strings.Fields(step)
				s := mustSpec(t, parts[1])
				v := api.StrValue(parts[2])
				switch parts[2] {
				case "null":
					v = api.Null
				case "5":
					v = api.IntValue(5)
				}
				var err error
				if parts[0] == ":=" {
					err = s.Replace(c, v)
				} else {
					err = s.Set(c, v)
				}
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			v, err := mustSpec(t, "$(avp(x)[*])").Get(c)
			if err != nil {
				t.Fatal(err)
			}
			if Print(v) != tt.want {
				t.Errorf("got %q, want %q", Print(v), tt.want)
			}
		})
	}
}

func TestAVPReads(t *testing.T) {
	f := newFake()
	c := ctxWith(f)
	for _, v := range []string{"one", "two", "three"} {
		f.avps.Push("x", api.StrValue(v))
	}
	f.vars.Set("i", api.IntValue(2))
	f.vars.Set("s", api.StrValue("2"))
	tests := []struct{ pv, want string }{
		{"$avp(x)", "three"},
		{"$(avp(x)[0])", "three"},
		{"$(avp(x)[2])", "one"},
		{"$(avp(x)[-1])", "one"},
		{"$(avp(x)[-3])", "three"},
		{"$(avp(x)[5])", "<null>"},
		{"$(avp(x)[$var(i)])", "one"},
		{"$(avp(x)[append])", "<null>"},
		{"$avp(y)", "<null>"},
		{"$(avp(x)[*]{s.len})", "15"},
	}
	for _, tt := range tests {
		v, err := mustSpec(t, tt.pv).Get(c)
		if err != nil || Print(v) != tt.want {
			t.Errorf("%s = %q (%v), want %q", tt.pv, Print(v), err, tt.want)
		}
	}
	if _, err := mustSpec(t, "$(avp(x)[$var(s)])").Get(c); err == nil {
		t.Error("a string index should fail")
	}
	if err := mustSpec(t, "$(avp(x)[7])").Set(c, api.StrValue("z")); err == nil {
		t.Error("replacing a missing index should fail")
	}
}

func TestAVPStoreClone(t *testing.T) {
	s := NewAVPStore()
	s.Push("a", api.StrValue("1"))
	c := s.Clone()
	c.Push("a", api.StrValue("2"))
	if s.Count("a") != 1 || c.Count("a") != 2 {
		t.Errorf("clone shares state: %d/%d", s.Count("a"), c.Count("a"))
	}
	s.Reset()
	if s.Count("a") != 0 || len(s.Names()) != 0 {
		t.Error("reset left values")
	}
}

func TestVarAndSHV(t *testing.T) {
	f := newFake()
	c := ctxWith(f)
	tests := []struct {
		pv   string
		set  api.Value
		want string
	}{
		{"$var(a)", api.StrValue("x"), "s:x"},
		{"$var(a)", api.IntValue(7), "i:7"},
		{"$var(a)", api.Null, "<null>"},
		{"$shv(a)", api.StrValue("y"), "s:y"},
		{"$shv(a)", api.Value{Flags: api.VInt | api.VStr, I: 3, S: "3"}, "i:3"},
	}
	for _, tt := range tests {
		s := mustSpec(t, tt.pv)
		if err := s.Set(c, tt.set); err != nil {
			t.Fatal(err)
		}
		v, err := s.Get(c)
		if err != nil || show(v) != tt.want {
			t.Errorf("%s after set: %s (%v), want %s", tt.pv, show(v), err, tt.want)
		}
	}
	if _, err := mustSpec(t, "$var(a)").Get(&api.Ctx{}); err == nil {
		t.Error("$var without a store should fail")
	}
	if err := mustSpec(t, "$(var(a){s.len})").Set(c, api.StrValue("x")); err == nil {
		t.Error("assigning through a transformation should fail")
	}
	if err := mustSpec(t, "$ru").Set(c, api.StrValue("x")); err == nil {
		t.Error("$ru has no setter yet")
	}
	if err := mustSpec(t, "$ci").Set(c, api.StrValue("x")); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("$ci set: %v, want read-only", err)
	}
}

func TestSHVConcurrent(t *testing.T) {
	s := NewSHVStore()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				s.Update("n", func(old api.Value) api.Value { return api.IntValue(old.I + 1) })
			}
		}()
	}
	wg.Wait()
	if got := s.Get("n"); got.I != 800 {
		t.Errorf("n = %d, want 800", got.I)
	}
}

func TestParseVarInit(t *testing.T) {
	tests := []struct{ in, name, want string }{
		{"a=i:1", "a", "i:1/s:1"},
		{"b=s:hello world", "b", "s:hello world"},
		{"c=x:1", "", "ERR"},
		{"=i:1", "", "ERR"},
		{"d=i:zz", "", "ERR"},
	}
	for _, tt := range tests {
		n, v, err := ParseVarInit(tt.in)
		got := show(v)
		if err != nil {
			got = "ERR"
		}
		if n != tt.name || got != tt.want {
			t.Errorf("%q: %q %s, want %q %s", tt.in, n, got, tt.name, tt.want)
		}
	}
}

package avpops

import (
	"testing"

	"gosips/api"
	"gosips/pv"
)

func TestAVPCheck(t *testing.T) {
	_, fs, c, st, _ := fixture(t)
	st.Push("n", api.IntValue(3))
	st.Push("n", api.IntValue(12))
	st.Push("s", api.StrValue("Alice"))
	st.Push("ref", api.StrValue("alice"))
	tests := []struct {
		name, op string
		avp      string
		want     api.Ret
	}{
		{"eq int", "eq/12", "n", 1},
		{"eq newest only", "eq/3", "n", -1},
		{"eq g", "eq/3/g", "n", 1},
		{"ne", "ne/3", "n", 1},
		{"lt", "lt/20", "n", 1},
		{"le", "le/12", "n", 1},
		{"gt", "gt/12", "n", -1},
		{"ge hex", "ge/0xc", "n", 1},
		{"and", "and/4", "n", 1},
		{"and zero", "and/1", "n", -1},
		{"or", "or/0", "n", 1},
		{"xor", "xor/12", "n", -1},
		{"str eq case", "eq/alice", "s", -1},
		{"str eq i", "eq/alice/i", "s", 1},
		{"str eq avp i", "eq/$avp(ref)/i", "s", 1},
		{"legacy s:", "eq/s:Alice", "s", 1},
		{"legacy i: avp", "eq/$avp(i:ref)", "s", -1},
		{"re", "re/^A.i", "s", 1},
		{"re i", "re/^ali/i", "s", 1},
		{"fm", "fm/A*e", "s", 1},
		{"fm miss", "fm/B?*", "s", -1},
		{"pv", "eq/$fU/i", "s", 1},
		{"unset", "eq/1", "none", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := invoke(fs, "avp_check", c, AVPSpec{Name: tc.avp}, tc.op); got != tc.want {
				t.Errorf("avp_check($avp(%s), %q) = %d, want %d", tc.avp, tc.op, got, tc.want)
			}
		})
	}
}

func TestAVPOp(t *testing.T) {
	tests := []struct {
		name  string
		spec  string
		op    string
		want  api.Ret
		check string // "avp=values"
	}{
		{"add keeps source", "$avp(n)", "add/5", 1, "n=15,10,1"},
		{"add d", "$avp(n)/d", "add/5", 1, "n=15,1"},
		{"sub to dst", "$avp(n)/$avp(r)", "sub/$avp(k)", 1, "r=8"},
		{"mul g to dst", "$avp(s:n)/$avp(i:r)/g", "mul/2", 1, "r=20,2"},
		{"div", "$avp(n)/$avp(r)", "div/3", 1, "r=3"},
		{"div zero", "$avp(n)", "div/0", -1, "n=10,1"},
		{"mod", "$avp(n)/$avp(r)", "mod/4", 1, "r=2"},
		{"and", "$avp(n)/$avp(r)", "and/0x2", 1, "r=2"},
		{"or", "$avp(n)/$avp(r)", "or/5", 1, "r=15"},
		{"xor", "$avp(n)/$avp(r)", "xor/10", 1, "r=0"},
		{"not", "$avp(n)/$avp(r)", "not", 1, "r=-11"},
		{"flags in op", "$avp(n)", "add/1/gd", 1, "n=11,2"},
		{"string avp", "$avp(s)", "add/1", -1, "s=x"},
		{"unset", "$avp(none)", "add/1", -1, "none="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, fs, c, st, _ := fixture(t)
			st.Push("n", api.IntValue(1))
			st.Push("n", api.StrValue("10"))
			st.Push("k", api.IntValue(2))
			st.Push("s", api.StrValue("x"))
			sp, err := parseAVP(nil, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := invoke(fs, "avp_op", c, sp, tc.op); got != tc.want {
				t.Fatalf("avp_op = %d, want %d", got, tc.want)
			}
			assertAVP(t, st, tc.check)
		})
	}
}

func TestAVPSubst(t *testing.T) {
	tests := []struct {
		name, spec, expr string
		want             api.Ret
		check            string
	}{
		{"newest", "$avp(u)", "/sip:(.*)@.*/\\1/", 1, "u=bob,sip:bob@b.net,sip:al@a.org"},
		{"to dst g", "$avp(u)/$avp(d)/g", "/@.*$/@x.com/", 1, "d=sip:bob@x.com,sip:al@x.com"},
		{"d", "$avp(u)/d", "/bob/carol/", 1, "u=sip:carol@b.net,sip:al@a.org"},
		{"pv in replacement", "$avp(s:u)/$avp(d)", "/^sip:[^@]*/sip:$fU/", 1, "d=sip:alice@b.net"},
		{"no match", "$avp(u)", "/zzz/y/", -1, "u=sip:bob@b.net,sip:al@a.org"},
		{"unset", "$avp(none)", "/a/b/", -1, "none="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, fs, c, st, _ := fixture(t)
			st.Push("u", api.StrValue("sip:al@a.org"))
			st.Push("u", api.StrValue("sip:bob@b.net"))
			sp, err := parseAVP(nil, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			se, err := pv.ParseSubst(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := invoke(fs, "avp_subst", c, sp, se); got != tc.want {
				t.Fatalf("avp_subst = %d, want %d", got, tc.want)
			}
			assertAVP(t, st, tc.check)
		})
	}
}

func assertAVP(t *testing.T, st *pv.AVPStore, check string) {
	t.Helper()
	for i := 0; i < len(check); i++ {
		if check[i] == '=' {
			name, want := check[:i], check[i+1:]
			if got := joinVals(st.All(name)); got != want {
				t.Errorf("$avp(%s) = %q, want %q", name, got, want)
			}
			return
		}
	}
}

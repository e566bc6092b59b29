package mathops

import (
	"math"
	"testing"
)

func TestEval(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		bad  bool
	}{
		{in: "1 + 2 * 3", want: 7},
		{in: "(1 + 2) * 3", want: 9},
		{in: "2^3^2", want: 64}, // left associative
		{in: "-2^2", want: 4},   // unary minus binds tighter
		{in: "7 % 4", want: 3},
		{in: "sqrt(16) + abs -3", want: 7},
		{in: "ln(1) + log(1000)", want: 3},
		{in: " 3.141592 * (123.45678 - (3.141592 - 2.71828)) / 123.45678", want: 3.141592 * (123.45678 - (3.141592 - 2.71828)) / 123.45678},
		{in: "1 +", bad: true},
		{in: "(1", bad: true},
		{in: "pi", bad: true},
		{in: "1 $ 2", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		got, err := Eval(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("Eval(%q) = %v, want error", tc.in, got)
			}
			continue
		}
		if err != nil || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Eval(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestRPN(t *testing.T) {
	got, err := RPN("1 3 swap swap dup drop / exp ln 1 swap /")
	if err != nil || math.Abs(got-3) > 1e-9 {
		t.Fatalf("doc example = %v, %v; want 3", got, err)
	}
	for _, in := range []string{"1 +", "1 2", "foo", "", "-"} {
		if v, err := RPN(in); err == nil {
			t.Errorf("RPN(%q) = %v, want error", in, v)
		}
	}
	if v, _ := RPN("2 neg 3 pow"); v != -8 {
		t.Errorf("2 neg 3 pow = %v", v)
	}
}

func TestRoundSFAndFormat(t *testing.T) {
	// The examples of the OpenSIPS documentation.
	want := map[int]string{1: "20000", 2: "18000", 3: "17900", 4: "17890", 5: "17893", 7: "17892.99"}
	for n, w := range want {
		r := RoundSF(17892.987, n)
		digits := 0
		if n == 7 {
			digits = 2
		}
		if got := formatFloat(r, digits); got != w {
			t.Errorf("round_sf(17892.987, %d) = %s, want %s", n, got, w)
		}
	}
	if got := formatFloat(RoundSF(3.141492, 4), 6); got != "3.141000" {
		t.Errorf("round_sf(pi, 4) = %s", got)
	}
	if got := formatFloat(math.Inf(1), 6); got != "inf" {
		t.Errorf("inf = %s", got)
	}
	if parseNumber("3.7abc") != 3.7 || parseNumber("x") != 0 || parseNumber(" -2.9") != -2.9 {
		t.Error("parseNumber is not strtod-like")
	}
}

package userblacklist

import "testing"

func TestDTree(t *testing.T) {
	var tr dtree
	tr.insert("", false)
	tr.insert("1", true)
	tr.insert("123456", false)
	if tr.insert("12a", true) {
		t.Error("non-digit prefix accepted")
	}
	for _, tc := range []struct {
		num          string
		found, white bool
	}{
		{"", true, false}, {"4930", true, false}, {"1", true, true}, {"12345", true, true},
		{"1234567", true, false}, {"12", true, true},
	} {
		f, w := tr.match(tc.num)
		if f != tc.found || w != tc.white {
			t.Errorf("match(%q) = %v %v", tc.num, f, w)
		}
	}
	var empty dtree
	if f, _ := empty.match("123"); f {
		t.Error("empty tree matched")
	}
	if got := digits("+49 (721) 12-3"); got != "49721123" {
		t.Errorf("digits: %q", got)
	}
}

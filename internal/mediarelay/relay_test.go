package mediarelay

import "testing"

func TestSocksAndSelection(t *testing.T) {
	e := &Sets{}
	if err := e.AddSocks("udp:127.0.0.1:2222 udp:127.0.0.1:2223=3", -1, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.AddSocks("2 == udp:[::1]:2224", -1, 0); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"x == udp:1.2.3.4:1", "unix:/tmp/x", "udp:1.2.3.4", "udp:1.2.3.4:1=z", "3 =="} {
		if err := (&Sets{}).AddSocks(bad, -1, 0); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	s0 := e.ByID(0)
	if len(s0.Nodes) != 2 || s0.Nodes[1].Weight != 3 || e.ByID(2).Nodes[0].network != "udp" {
		t.Fatalf("sets: %+v", e.List)
	}
	counts := map[string]int{}
	for i := 0; i < 256; i++ {
		id := string([]byte{byte(i)})
		counts[Select(s0, id, nil).URL]++
	}
	if counts["udp:127.0.0.1:2222"] != 64 || counts["udp:127.0.0.1:2223"] != 192 {
		t.Errorf("weights 1:3 spread %v", counts)
	}
	s0.Nodes[0].Disable(0)
	for i := 0; i < 16; i++ {
		if n := Select(s0, string([]byte{byte(i)}), nil); n != s0.Nodes[1] {
			t.Fatalf("disabled node selected")
		}
	}
	if n := Select(s0, "x", IgnoreList{s0.Nodes[1]}); n != nil {
		t.Errorf("all nodes down or ignored, got %v", n.URL)
	}
}


package registrar

import (
	"strconv"
	"testing"
)

// BenchmarkSaveNewAOR measures save() of a REGISTER for an AOR not yet
// registered (in memory), reply included; the parsed message is reused
// and the AOR comes from the third argument.
func BenchmarkSaveNewAOR(b *testing.B) {
	const batch = 1 << 16
	aors := make([]string, batch)
	for i := range aors {
		aors[i] = "sip:user" + strconv.Itoa(i) + "@example.com"
	}
	e := newEnv(b, nil)
	c := e.ctx(register("alice", "<sip:alice@10.0.0.1:5060;transport=udp>", "User-Agent: bench\n", 1))
	args := []any{e.d, nil, nil, nil}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == batch {
			b.StopTimer()
			e = newEnv(b, nil)
			args[0] = e.d
			c.Core = e.core
			i = 0
			b.StartTimer()
		}
		e.sig.Reset()
		args[2] = aors[i]
		i++
		if r := e.reg.save(c, args); r != 1 {
			b.Fatalf("save = %d", r)
		}
	}
}

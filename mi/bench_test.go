package mi

import (
	"context"
	"testing"
)

func BenchmarkHandle(b *testing.B) {
	d, err := NewDispatcher(nil, fakeCommands()...)
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct{ name, req string }{
		{"positional", `{"jsonrpc":"2.0","method":"ul_show_contact","params":["location","bob"],"id":1}`},
		{"named", `{"jsonrpc":"2.0","method":"usrloc:show_contact","params":{"table_name":"location","aor":"bob"},"id":1}`},
		{"not found", `{"jsonrpc":"2.0","method":"nope","id":1}`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := []byte(c.req)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if d.Handle(ctx, req) == nil {
					b.Fatal("no response")
				}
			}
		})
	}
}

package sip

import (
	"context"
	"testing"
	"time"
)

func TestNextHop(t *testing.T) {
	tests := []struct {
		ruri, duri string
		want       Target
		wantErr    bool
	}{
		{ruri: "sip:bob@10.0.0.1", want: Target{ProtoUDP, "10.0.0.1", 0}},
		{ruri: "sip:bob@10.0.0.1:5070;transport=TCP", want: Target{ProtoTCP, "10.0.0.1", 5070}},
		{ruri: "sips:bob@example.com", want: Target{ProtoTLS, "example.com", 0}},
		{ruri: "sip:bob@10.0.0.1:8080;transport=ws", want: Target{ProtoWS, "10.0.0.1", 8080}},
		{ruri: "sips:bob@10.0.0.1;transport=ws", want: Target{ProtoWSS, "10.0.0.1", 0}},
		{ruri: "sip:bob@example.com", duri: "sip:10.0.0.2:5080;transport=tcp", want: Target{ProtoTCP, "10.0.0.2", 5080}},
		{ruri: "sip:bob@[2001:db8::1]:5062", want: Target{ProtoUDP, "2001:db8::1", 5062}},
		{ruri: "sip:bob@example.com;maddr=10.1.1.1", want: Target{ProtoUDP, "10.1.1.1", 0}},
		{ruri: "tel:+123", wantErr: true},
		{ruri: "sip:bob@x;transport=pigeon", wantErr: true},
		{ruri: "garbage", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.ruri+" "+tt.duri, func(t *testing.T) {
			got, err := NextHop(tt.ruri, tt.duri)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NextHop = %+v, want error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("NextHop = %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var r Resolver
	tests := []struct {
		in, want string
	}{
		{"sip:bob@10.0.0.1", "udp:10.0.0.1:5060"},
		{"sip:bob@10.0.0.1:5070;transport=tcp", "tcp:10.0.0.1:5070"},
		{"sips:[::1]", "tls:[::1]:5061"},
		{"sip:localhost:5099", "udp:127.0.0.1:5099"},
	}
	for _, tt := range tests {
		d, err := r.ResolveURI(ctx, tt.in, "")
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if d.String() != tt.want {
			t.Errorf("%s: %s, want %s", tt.in, d, tt.want)
		}
	}
	d, err := r.ParseDest(ctx, "tcp:10.0.0.3:5090")
	if err != nil || d.String() != "tcp:10.0.0.3:5090" {
		t.Errorf("ParseDest = %s %v", d, err)
	}
	d, err = r.ParseDest(ctx, "10.0.0.3")
	if err != nil || d.String() != "udp:10.0.0.3:5060" {
		t.Errorf("ParseDest = %s %v", d, err)
	}
	if _, err := r.ResolveURI(ctx, "sip:no-such-host.invalid", ""); err == nil {
		t.Error("resolving .invalid succeeded")
	}
}

func TestMsgNextHop(t *testing.T) {
	m := mustParse(t, crlf(editBase))
	if tg, err := m.NextHop(); err != nil || tg != (Target{ProtoUDP, "example.com", 0}) {
		t.Errorf("NextHop = %+v %v", tg, err)
	}
	m.SetRURI("sip:bob@10.0.0.5:5070")
	if tg, _ := m.NextHop(); tg != (Target{ProtoUDP, "10.0.0.5", 5070}) {
		t.Errorf("NextHop after SetRURI = %+v", tg)
	}
	m.SetDstURI("sip:10.0.0.6;transport=tcp")
	c := m.Clone()
	if tg, _ := c.NextHop(); tg != (Target{ProtoTCP, "10.0.0.6", 0}) || c.DstURI() != "sip:10.0.0.6;transport=tcp" {
		t.Errorf("NextHop with $du = %+v", tg)
	}
	m.SetForcedSocket(&Socket{Proto: ProtoUDP, IP: "10.0.0.1", Port: 5060})
	m.ApplyChanges()
	if m.ForcedSocket() == nil || m.DstURI() == "" || m.RURI() != "sip:bob@10.0.0.5:5070" {
		t.Errorf("state lost by ApplyChanges: %v %q %q", m.ForcedSocket(), m.DstURI(), m.RURI())
	}
}

package uacauth

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"gosips/api"
	"gosips/internal/digest"
	"gosips/modules/core/coretest"
	"gosips/pv"
	"gosips/sip"
	"gosips/sip/siptest"
)

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func sha256hex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func TestAuthorization(t *testing.T) {
	alice := Credential{User: "alice", Realm: "example.com", Password: "secret"}
	ha1 := md5hex("alice:example.com:secret")
	tests := []struct {
		name   string
		chal   string
		cred   Credential
		want   string
		method string
	}{
		{
			name: "md5 no qop",
			chal: `Digest realm="example.com", nonce="abc123", opaque="xyz"`,
			cred: alice,
			want: `Digest username="alice", realm="example.com", nonce="abc123", uri="sip:bob@example.com", opaque="xyz", response="` +
				md5hex(ha1+":abc123:"+md5hex("INVITE:sip:bob@example.com")) + `", algorithm=MD5`,
		},
		{
			name: "md5 precomputed ha1",
			chal: `Digest realm="example.com", nonce="n2", algorithm=MD5`,
			cred: Credential{User: "alice", Realm: "example.com", Password: "0x" + ha1, HA1: true},
			want: `Digest username="alice", realm="example.com", nonce="n2", uri="sip:bob@example.com", response="` +
				md5hex(ha1+":n2:"+md5hex("INVITE:sip:bob@example.com")) + `", algorithm=MD5`,
		},
		{
			name: "sha-256 qop auth",
			chal: `Digest realm="example.com", nonce="n3", qop="auth,auth-int", algorithm=SHA-256`,
			cred: alice,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := ParseChallenge(tt.chal)
			if err != nil {
				t.Fatal(err)
			}
			got := Authorization(ch, tt.cred, "INVITE", "sip:bob@example.com", "")
			if tt.want != "" && got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			// The server side accepts it.
			cr, err := digest.ParseCredentials(got)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "sha-256 qop auth" {
				ha1 := sha256hex("alice:example.com:secret")
				ha2 := sha256hex("INVITE:sip:bob@example.com")
				want := sha256hex(ha1 + ":n3:00000001:" + cr.CNonce + ":auth:" + ha2)
				if cr.Response != want || cr.QopStr != "auth" || cr.NC != "00000001" ||
					!strings.HasSuffix(got, "algorithm=SHA-256") {
					t.Errorf("sha-256 header %s, want response %s", got, want)
				}
			}
			if !cr.Check("INVITE", "", digest.HA1(ch.Alg, "alice", "example.com", "secret")) {
				t.Errorf("auth module rejects %s", got)
			}
		})
	}
}

func TestPickChallenge(t *testing.T) {
	reply, err := sip.ParseString(siptest.Text(`SIP/2.0 407 Proxy Authentication Required
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>;tag=2
Call-ID: c1
CSeq: 1 INVITE
Proxy-Authenticate: Digest realm="example.com", nonce="n1", algorithm=SHA-256
Proxy-Authenticate: Digest realm="example.com", nonce="n2", algorithm=MD5

`))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := PickChallenge(reply, 0)
	if err != nil || ch.Nonce != "n1" || ch.Alg != digest.SHA256 {
		t.Errorf("any: %+v %v", ch, err)
	}
	md5only, _ := digest.ParseAlgorithms("MD5")
	ch, err = PickChallenge(reply, md5only)
	if err != nil || ch.Nonce != "n2" {
		t.Errorf("MD5 only: %+v %v", ch, err)
	}
	sess, _ := digest.ParseAlgorithms("MD5-sess")
	if _, err := PickChallenge(reply, sess); err != ErrNoChallenge {
		t.Errorf("MD5-sess: err %v", err)
	}
	if HeaderName(reply.StatusCode()) != "Proxy-Authorization" || HeaderName(401) != "Authorization" {
		t.Error("header names")
	}
}

func TestCredentialFromAVPs(t *testing.T) {
	m := New()
	m.Credentials = []Credential{{User: "static", Realm: "r1", Password: "p"}}
	m.UsernameAVP, m.RealmAVP, m.PasswordAVP = "$avp(u)", "$avp(r)", "$avp(p)"
	st := pv.NewAVPStore()
	st.Push("u", api.StrValue("dyn"))
	st.Push("r", api.StrValue("r2"))
	st.Push("p", api.StrValue("pw"))
	c := &api.Ctx{Priv: coretest.AVPPriv{St: st}}
	if cr, ok := m.Credential(c, "r2"); !ok || cr.User != "dyn" {
		t.Errorf("avp credential = %+v %v", cr, ok)
	}
	if cr, ok := m.Credential(c, "r1"); !ok || cr.User != "static" {
		t.Errorf("static credential = %+v %v", cr, ok)
	}
	if _, ok := m.Credential(c, "r3"); ok {
		t.Error("unknown realm found")
	}
}

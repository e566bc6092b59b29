package e2e

import (
	"strconv"
	"testing"
	"time"
)

// jsonCfg parses the JSON body of a MESSAGE, edits it and answers with
// what the script read and wrote.
const jsonCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "json.so"

route {
	if (!($json(req) := $rb)) {
		append_to_reply("X-Error: bad json\r\n");
		sl_send_reply(400, "Bad JSON");
		exit;
	}
	$var(k) = "gw";
	$var(i) = -1;
	$var(first) = $json(req/$var(k)[0]);
	$var(last) = $json(req/gw[$var(i)]);
	$json(req/gw[]) = "gw4";
	$json(req/gw[0]) = null;
	$json(req/count) = $json(req/count) + 1;
	$json(req/nested) := "{\"on\": true, \"list\": [1, 2]}";
	$json(req/drop) = null;
	$json(copy) := $json(req/nested);
	$json(copy/on) = "copied";
	json_link($json(link), $json(req/nested));
	$json(link/via) = "link";
	$var(keys) = "";
	for ($var(x) in $(json(req.keys)[*]))
		$var(keys) = $var(keys) + $var(x) + ",";
	$var(sum) = 0;
	for ($var(x) in $(json(req/nested/list)[*]))
		$var(sum) = $var(sum) + $var(x);
	$var(missing) = $json(req/no/such/path);
	append_to_reply("X-First: $var(first)\r\nX-Last: $var(last)\r\nX-Doc: $json(req)\r\nX-Compact: $json_compact(copy)\r\nX-Keys: $var(keys)\r\nX-Sum: $var(sum)\r\nX-Missing: $var(missing)\r\n");
	sl_send_reply(200, "OK");
}
`

func TestJSONVariables(t *testing.T) {
	srv := startServer(t, jsonCfg)
	c := newUDPClient(t)
	send := func(body string) string {
		c.Send(srv.Port, "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-json-"+time.Now().Format("150405.000000")+"\r\n"+
			"From: <sip:a@127.0.0.1>;tag=j1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: json-1\r\nCSeq: 1 MESSAGE\r\n"+
			"Max-Forwards: 70\r\nContent-Type: application/json\r\n"+
			"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
		return c.Recv(3 * time.Second)
	}
	r := send(`{"gw": ["gw1", "gw2", "gw3"], "count": 41, "drop": 1, "name": "a/b"}`)
	if statusCode(r) != "200" {
		t.Fatalf("want 200, got:\n%s", r)
	}
	want := map[string]string{
		"X-First":   "gw1",
		"X-Last":    "gw3",
		"X-Doc":     `{ "gw": [ "gw2", "gw3", "gw4" ], "count": 42, "name": "a\/b", "nested": { "on": true, "list": [ 1, 2 ], "via": "link" } }`,
		"X-Compact": `{"on":"copied","list":[1,2]}`,
		"X-Keys":    "gw,count,name,nested,",
		"X-Sum":     "3",
		"X-Missing": "<null>",
	}
	for h, w := range want {
		if got := header(r, h); got != w {
			t.Errorf("%s = %q, want %q", h, got, w)
		}
	}
	if r := send(`{"gw": [`); statusCode(r) != "400" {
		t.Errorf("bad JSON: want 400, got:\n%s", r)
	}
}

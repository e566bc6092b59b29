package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// cacheCfg counts REGISTERs in a cachedb_local counter shared by every
// worker, and answers OPTIONS with what the cache holds.
const cacheCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 4
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "cachedb_local.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("cachedb_local", "cache_collections", "default; users = 6")
modparam("cachedb_local", "cachedb_url", "local:users:///users")
modparam("cachedb_local", "enable_restart_persistency", 1)
restart_persistency_cache_file = "TMPDIR/cache"

route {
	if (is_method("REGISTER")) {
		if (!t_newtran())
			exit;
		cache_add("local", "regs", 1, 0, $var(n));
		cache_store("local:users", "last", "$fU");
		t_reply(200, "OK");
		exit;
	}
	if ($rU == "expire") {
		cache_store("local", "short", "gone soon", 1);
		cache_store("local", "chunk_a", "1");
		cache_store("local", "chunk_b", "2");
	}
	if ($rU == "clean")
		cache_remove_chunk("chunk_*");
	$var(short) = "none";
	cache_fetch("local", "short", $var(short));
	$var(miss) = "kept";
	cache_fetch("local", "nosuch", $var(miss));
	if ($rc == -2)
		$var(miss) = "not found";
	cache_counter_fetch("local", "regs", $var(regs));
	cache_fetch("local:users", "last", $var(last));
	cache_sub("local", "regs", 0, 0, $var(same));
	append_to_reply("X-Regs: $var(regs)\r\nX-Last: $var(last)\r\nX-Short: $var(short)\r\nX-Miss: $var(miss)\r\nX-Same: $var(same)\r\n");
	sl_send_reply(200, "OK");
}
`

func cacheOptions(t *testing.T, c *udpClient, port int, user string) string {
	t.Helper()
	c.Send(port, fmt.Sprintf("OPTIONS sip:%s@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-c%d\r\n"+
		"From: <sip:a@127.0.0.1>;tag=c1\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: cache-%d\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", user, time.Now().UnixNano(), user, time.Now().UnixNano()))
	r := c.Recv(5 * time.Second)
	if statusCode(r) != "200" {
		t.Fatalf("OPTIONS %s: got:\n%s", user, r)
	}
	return r
}

func TestCacheDBLocal(t *testing.T) {
	needSipp(t)
	httpPort := freePort(t)
	dir := t.TempDir()
	cfg := strings.NewReplacer("HTTPPORT", fmt.Sprint(httpPort), "TMPDIR/cache", dir+"/cache").Replace(cacheCfg)
	port := freePort(t)
	srv := startServerOn(t, cfg, port)

	// 1,000 REGISTERs, 100 in flight, over four workers: an exact count.
	res := runSipp(t, "register_load.xml", srv.Port, "-key", "run", "cache", "-m", "1000", "-r", "2000", "-l", "100")
	if res.Exit != 0 {
		t.Fatalf("sipp exit %d:\n%s", res.Exit, res.Output)
	}
	c := newUDPClient(t)
	r := cacheOptions(t, c, srv.Port, "expire")
	if header(r, "X-Regs") != "1000" || header(r, "X-Same") != "1000" || !strings.HasPrefix(header(r, "X-Last"), "s7rcache") {
		t.Errorf("after 1000 REGISTERs: regs %q same %q last %q", header(r, "X-Regs"), header(r, "X-Same"), header(r, "X-Last"))
	}
	if header(r, "X-Short") != "gone soon" || header(r, "X-Miss") != "not found" {
		t.Errorf("fetch: short %q miss %q", header(r, "X-Short"), header(r, "X-Miss"))
	}

	// MI: core cache commands and the chunk commands.
	if _, err := miCall(t, httpPort, "cache_store", map[string]any{"system": "local", "attr": "mi", "value": "via mi"}); err != nil {
		t.Fatal(err)
	}
	raw, err := miCall(t, httpPort, "cache_fetch", map[string]any{"system": "local", "attr": "mi"})
	if err != nil || !strings.Contains(string(raw), `"value":"via mi"`) {
		t.Errorf("cache_fetch: %s %v", raw, err)
	}
	raw, err = miCall(t, httpPort, "cache_fetch_chunk", map[string]any{"glob": "chunk_*"})
	var chunk struct {
		Keys []struct{ Name, Value string }
	}
	if err != nil || json.Unmarshal(raw, &chunk) != nil || len(chunk.Keys) != 2 || chunk.Keys[0].Name != "chunk_a" {
		t.Errorf("cache_fetch_chunk: %s %v", raw, err)
	}
	if _, err := miCall(t, httpPort, "cache_fetch", map[string]any{"system": "local", "attr": "nosuch"}); err == nil || !strings.Contains(err.Error(), "Value not found") {
		t.Errorf("cache_fetch of a missing key: %v", err)
	}

	// Expiry, and cache_remove_chunk from the script.
	time.Sleep(1200 * time.Millisecond)
	r = cacheOptions(t, c, srv.Port, "clean")
	if header(r, "X-Short") != "none" {
		t.Errorf("expired key still read: %q", header(r, "X-Short"))
	}
	raw, _ = miCall(t, httpPort, "cache_fetch_chunk", map[string]any{"glob": "chunk_*"})
	if strings.Contains(string(raw), "chunk_a") {
		t.Errorf("cache_remove_chunk left keys: %s", raw)
	}

	// Restart persistency: counters and collections survive a clean stop.
	srv.stop(t)
	srv = startServerOn(t, cfg, port)
	r = cacheOptions(t, newUDPClient(t), srv.Port, "after")
	if header(r, "X-Regs") != "1000" || !strings.HasPrefix(header(r, "X-Last"), "s7rcache") {
		t.Errorf("after restart: regs %q last %q", header(r, "X-Regs"), header(r, "X-Last"))
	}
}

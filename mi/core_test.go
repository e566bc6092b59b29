package mi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"gosips/api"
)

// call runs one request and returns the response text.
func call(t *testing.T, d *Dispatcher, method, params string) string {
	t.Helper()
	req := `{"jsonrpc":"2.0","method":"` + method + `","id":1`
	if params != "" {
		req += `,"params":` + params
	}
	return string(d.Handle(context.Background(), []byte(req+"}")))
}

func result(s string) string { return `{"jsonrpc":"2.0","result":` + s + `,"id":1}` }

func TestCoreCommands(t *testing.T) {
	start := time.Date(2025, time.March, 4, 5, 6, 7, 0, time.Local)
	now := start.Add(90*time.Second + 500*time.Millisecond)
	level := 3
	stopped := false
	procs := func() []string { return []string{"attendant", "SIP receiver udp:127.0.0.1:5060"} }
	d, err := NewDispatcher(nil,
		Version(ServerString("1.2.3"), "abc123"),
		Uptime(start, func() time.Time { return now }),
		PS(procs),
		LogLevel(LogLevels{Get: func() int { return level }, Procs: procs, Set: func(l int) error {
			if l > 4 {
				return errors.New("no such level")
			}
			level = l
			return nil
		}}),
		PWD(),
		Arg([]string{"gosips", "run", "-f", "x.cfg"}),
		Kill(func() { stopped = true }),
		api.MICommand{Name: "ul_dump", Aliases: []string{"usrloc:dump"}, Recipes: [][]string{{}, {"brief"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Register(Which(d)); err != nil {
		t.Fatal(err)
	}
	pid := os.Getpid()
	wd, _ := os.Getwd()
	tests := []struct {
		name, method, params, want string
	}{
		{"version", "version", "", result(`{"Server":"` + ServerString("1.2.3") + `"}`)},
		{"version revision", "core:version", `["1"]`, result(`{"Server":"` + ServerString("1.2.3") + `","git":"abc123"}`)},
		{"uptime", "uptime", "", result(`{"Now":"Tue Mar  4 05:07:37 2025","Up since":"Tue Mar  4 05:06:07 2025","Up time":"90 [sec]"}`)},
		{"ps", "ps", "", result(fmt.Sprintf(`{"Processes":[{"ID":0,"PID":%d,"Type":"attendant"},{"ID":1,"PID":%d,"Type":"SIP receiver udp:127.0.0.1:5060"}]}`, pid, pid))},
		{"log_level get", "log_level", "", result(fmt.Sprintf(`{"Processes":[{"PID":%d,"Log level":3,"Type":"attendant"},{"PID":%d,"Log level":3,"Type":"SIP receiver udp:127.0.0.1:5060"}]}`, pid, pid))},
		{"log_level set", "log_level", `["4"]`, result(`{"New global log level":4}`)},
		{"log_level set pid", "log_level", fmt.Sprintf(`{"level":-1,"pid":%d}`, pid), result(`{"Log level":-1}`)},
		{"log_level bad pid", "log_level", `{"level":1,"pid":1}`, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad PID"},"id":1}`},
		{"log_level bad level", "log_level", `["x"]`, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad type for parameter 'level'"},"id":1}`},
		{"log_level refused", "log_level", `[9]`, `{"jsonrpc":"2.0","error":{"code":500,"message":"no such level"},"id":1}`},
		{"which", "which", "", result(`["version","uptime","ps","log_level","pwd","arg","kill","ul_dump","which"]`)},
		{"which command", "which", `["ul_dump"]`, result(`[[],["brief"]]`)},
		{"which alias", "which", `{"command":"usrloc:dump"}`, result(`[[],["brief"]]`)},
		{"which unknown", "which", `["nope"]`, `{"jsonrpc":"2.0","error":{"code":404,"message":"unknown MI command"},"id":1}`},
		{"pwd", "pwd", "", result(`{"WD":"` + wd + `"}`)},
		{"arg", "arg", "", result(`["gosips","run","-f","x.cfg"]`)},
		{"kill", "kill", "", result(`"OK"`)},
		{"not implemented", "ul_dump", "", `{"jsonrpc":"2.0","error":{"code":500,"message":"command not implemented"},"id":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(t, d, tt.method, tt.params); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if level != -1 {
		t.Errorf("log level = %d, want -1", level)
	}
	if !stopped {
		t.Error("kill did not call stop")
	}
}

func TestServerString(t *testing.T) {
	s := ServerString("0.1.0")
	if !strings.HasPrefix(s, "gosips (0.1.0 (") || !strings.HasSuffix(s, "))") || !strings.Contains(s, "/") {
		t.Errorf("ServerString = %q, want the shape of \"OpenSIPS (3.6.2 (x86_64/linux))\"", s)
	}
}

func TestCoreCommandsSet(t *testing.T) {
	d, err := NewDispatcher(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Register(CoreCommands(d, Core{Version: "1.0", Start: time.Now()})...); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Names(), ","); got != "version,uptime,which,ps,pwd,arg,help" {
		t.Errorf("without callbacks: %s", got)
	}
	d, _ = NewDispatcher(nil)
	full := Core{Version: "1.0", Start: time.Now(), Stop: func() {}, Stats: api.NewStats(),
		Log: LogLevels{Get: func() int { return 3 }, Set: func(int) error { return nil }}}
	if err := d.Register(CoreCommands(d, full)...); err != nil {
		t.Fatal(err)
	}
	want := "version,uptime,which,ps,pwd,arg,log_level,kill,get_statistics,list_statistics,reset_statistics,reset_all_statistics,help"
	if got := strings.Join(d.Names(), ","); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if got := call(t, d, "core:ps", ""); !strings.Contains(got, `"Type":"main"`) {
		t.Errorf("ps without pools: %s", got)
	}
}

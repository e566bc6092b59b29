package port_test

import (
	"fmt"
	"os"
	"testing"

	"gosips/api"
	"gosips/port"
)

func TestDbg(t *testing.T) {
	path := os.Getenv("F")
	if path == "" {
		t.Skip()
	}
	src, _ := os.ReadFile(path)
	res := port.Port(path, src, port.Options{Registry: api.Default()})
	os.WriteFile("/tmp/out1.cfg", res.Output, 0o644)
	for _, f := range res.Findings {
		fmt.Println(f)
	}
	again := port.Port(path, res.Output, port.Options{Registry: api.Default()})
	os.WriteFile("/tmp/out2.cfg", again.Output, 0o644)
}

package partdef

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	name, kv, err := Parse(" inbound: db_url = mysql://u:p@h/db ; table_name= pbx ;", []string{"db_url", "table_name"})
	if err != nil || name != "inbound" || kv["db_url"] != "mysql://u:p@h/db" || kv["table_name"] != "pbx" {
		t.Fatalf("%q %v %v", name, kv, err)
	}
	for bad, want := range map[string]string{
		"nocolon":          "expected",
		"p: db_ur = x":     `did you mean "db_url"`,
		"p: db_url":        "bad pair",
		"two words: a = b": "expected",
	} {
		if _, _, err := Parse(bad, []string{"db_url", "table_name"}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", bad, err, want)
		}
	}
}

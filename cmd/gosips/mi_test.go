package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"gosips/api"
	"gosips/mi"
)

func TestRunMI(t *testing.T) {
	d, err := mi.NewDispatcher(nil,
		mi.Version("gosips (1.0 (amd64/linux))", ""),
		api.MICommand{Name: "ul_show_contact", Recipes: [][]string{{"table_name", "aor"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				if p["aor"] == "nobody" {
					return nil, &api.MIError{Code: 404, Msg: "AOR not found"}
				}
				return mi.NewObject("AOR", p["aor"], "Table", p["table_name"]), nil
			}},
	)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mi.HTTPHandler("mi", d))
	defer srv.Close()
	target := miTarget{url: srv.URL + "/mi", timeout: 5 * time.Second}

	tests := []struct {
		name    string
		cmd     string
		args    []string
		want    string
		wantErr string
	}{
		{"no params", "version", nil, "{\n    \"Server\": \"gosips (1.0 (amd64/linux))\"\n}\n", ""},
		{"positional", "ul_show_contact", []string{"location", "bob"},
			"{\n    \"AOR\": \"bob\",\n    \"Table\": \"location\"\n}\n", ""},
		{"named", "ul_show_contact", []string{"aor=bob", "table_name=location"},
			"{\n    \"AOR\": \"bob\",\n    \"Table\": \"location\"\n}\n", ""},
		{"command error", "ul_show_contact", []string{"location", "nobody"}, "", "404: AOR not found"},
		{"params error", "ul_show_contact", []string{"location"}, "", "-32602: Invalid params (Too few or too many parameters)"},
		{"unknown", "nope", nil, "", "-32601: Method not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runMI(context.Background(), &out, target, tt.cmd, tt.args)
			if tt.wantErr != "" {
				var ee *exitError
				if !errors.As(err, &ee) || ee.code != 1 || ee.msg != tt.wantErr {
					t.Fatalf("err = %#v, want exit 1 %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
		})
	}

	// Nothing listening: exit 1 with the transport error.
	srv.Close()
	var out bytes.Buffer
	var ee *exitError
	if err := runMI(context.Background(), &out, target, "version", nil); !errors.As(err, &ee) || ee.code != 1 {
		t.Errorf("server down: err = %v", err)
	}
}

package sqlops

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"gosips/api"
	"gosips/pv"
)

// jsonArg is a JSON argument (columns, filter): the script's text with
// variables, whose values are JSON-escaped when inserted so that data
// can never add keys or close a string (OpenSIPS splices them raw).
type jsonArg struct {
	f    *pv.Format
	once sync.Once
	err  error
}

func jsonFixup(_ *api.FixupCtx, a *api.FixArg) error {
	f, err := pv.ParseFormat(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = &jsonArg{f: f}
	return nil
}

// text builds the JSON text for one call.
func (j *jsonArg) text(c *api.Ctx) (string, error) {
	j.once.Do(func() {
		h, ok := c.Priv.(pv.TableHolder)
		if !ok {
			j.err = fmt.Errorf("no variable table")
			return
		}
		j.err = h.PVTable().ResolveFormat(j.f)
	})
	if j.err != nil {
		return "", j.err
	}
	return j.f.EvalQuoted(c, escapeJSON)
}

// escapeJSON escapes s for the inside of a JSON string.
func escapeJSON(s string) string {
	if !strings.ContainsAny(s, "\"\\\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f") {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// jsonText returns the text of an optional JSON argument ("" when absent).
func jsonText(c *api.Ctx, arg any) (string, error) {
	j, _ := arg.(*jsonArg)
	if j == nil {
		return "", nil
	}
	return j.text(c)
}

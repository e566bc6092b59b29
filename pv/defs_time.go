package pv

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"gosips/api"
)

// Clock is implemented by the runtime's per-message state when PVs must
// read a fixed time (tests, replays); otherwise the wall clock is used.
type Clock interface{ Now() time.Time }

// StartTimer is implemented by the runtime's per-message state to give the
// server's startup time ($TS).
type StartTimer interface{ StartTime() time.Time }

// ColorForcer is implemented by the runtime's state when xlog_force_color
// is set; $C() prints nothing otherwise, as in OpenSIPS.
type ColorForcer interface{ ForceColor() bool }

// processStart stands in for the startup time when the runtime gives none.
var processStart = time.Now()

func now(c *api.Ctx) time.Time {
	if cl, ok := ctxPriv[Clock](c); ok {
		return cl.Now()
	}
	return time.Now()
}

func timeDefs() []Def {
	return []Def{
		{Name: "time", Doc: "strftime of now", Inner: NeedInner, ParseInner: parseStrftime,
			Get: func(c *api.Ctx, s *Spec) (api.Value, error) {
				f, ok := s.Parsed.(*strftime)
				if !ok {
					var err error
					if f, err = compileStrftime(s.Inner); err != nil {
						return api.Null, err
					}
				}
				out := f.format(now(c))
				if out == "" {
					return api.Null, nil
				}
				return api.StrValue(out), nil
			}},
		{Name: "Ts", Doc: "Unix time", Get: func(c *api.Ctx, _ *Spec) (api.Value, error) {
			return IntStr(now(c).Unix()), nil
		}},
		{Name: "Tsm", Doc: "microseconds of now", Get: func(c *api.Ctx, _ *Spec) (api.Value, error) {
			return IntStr(int64(now(c).Nanosecond() / 1000)), nil
		}},
		{Name: "Tf", Doc: "ctime-formatted now", Get: func(c *api.Ctx, _ *Spec) (api.Value, error) {
			t := now(c)
			return api.Value{Flags: api.VInt | api.VStr, I: t.Unix(), S: t.Format("Mon Jan _2 15:04:05 2006")}, nil
		}},
		{Name: "TS", Doc: "startup Unix time", Get: func(c *api.Ctx, _ *Spec) (api.Value, error) {
			if st, ok := ctxPriv[StartTimer](c); ok {
				return IntStr(st.StartTime().Unix()), nil
			}
			return IntStr(processStart.Unix()), nil
		}},
		{Name: "pp", Doc: "process id", Get: func(*api.Ctx, *Spec) (api.Value, error) {
			return IntStr(int64(os.Getpid())), nil
		}},
		{Name: "C", Doc: "terminal color", Inner: NeedInner, ParseInner: parseColor, Get: getColor},
		{Name: "RANDOM", Module: "cfgutils", Doc: "random integer", Get: func(*api.Ctx, *Spec) (api.Value, error) {
			return IntStr(int64(rand.Int32())), nil
		}},
		{Name: "ctime", Module: "cfgutils", Doc: "broken-down local time", Inner: NeedInner,
			ParseInner: oneOf("sec", "min", "hour", "mday", "mon", "year", "wday", "yday", "isdst"), Get: getCtime},
		{Name: "env", Module: "cfgutils", Doc: "environment variable", Inner: NeedInner,
			Get: func(_ *api.Ctx, s *Spec) (api.Value, error) {
				if v, ok := os.LookupEnv(s.Inner); ok {
					return api.StrValue(v), nil
				}
				return api.Null, nil
			}},
	}
}

// getCtime: month, weekday and year-day are 1-based, the year is full.
func getCtime(c *api.Ctx, s *Spec) (api.Value, error) {
	t := now(c).Local()
	var n int
	switch s.Inner {
	case "sec":
		n = t.Second()
	case "min":
		n = t.Minute()
	case "hour":
		n = t.Hour()
	case "mday":
		n = t.Day()
	case "mon":
		n = int(t.Month())
	case "year":
		n = t.Year()
	case "wday":
		n = int(t.Weekday()) + 1
	case "yday":
		n = t.YearDay()
	case "isdst":
		if t.IsDST() {
			n = 1
		}
	default:
		return api.Null, fmt.Errorf("$ctime(%s): unknown field", s.Inner)
	}
	return IntStr(int64(n)), nil
}

const fgColors = "xsrgybpcw"

func parseColor(in string) (any, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("a color is two characters: foreground and background")
	}
	fg, bg := in[0], in[1]
	lower := fg
	if fg >= 'A' && fg <= 'Z' {
		lower = fg + 'a' - 'A'
	}
	if lower == 'x' && fg != 'x' || indexByte(fgColors, lower) < 0 {
		return nil, fmt.Errorf("invalid foreground %q", fg)
	}
	if indexByte(fgColors, bg) < 0 {
		return nil, fmt.Errorf("invalid background %q", bg)
	}
	return in, nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// getColor builds the ANSI sequence: upper-case foreground means bold.
func getColor(c *api.Ctx, s *Spec) (api.Value, error) {
	if f, ok := ctxPriv[ColorForcer](c); !ok || !f.ForceColor() {
		return api.StrValue(""), nil
	}
	fg, bg := s.Inner[0], s.Inner[1]
	seq := "\033[0;"
	if fg >= 'A' && fg <= 'Z' {
		seq = "\033[1;"
		fg += 'a' - 'A'
	}
	fi, bi := indexByte(fgColors, fg), indexByte(fgColors, bg)
	if fi < 0 || bi < 0 {
		return api.Null, fmt.Errorf("$C(%s): invalid color", s.Inner)
	}
	// x is the default color (39/49); s..w are 30..37 / 40..47.
	code := func(base, i int) string {
		if i == 0 {
			return fmt.Sprint(base + 9)
		}
		return fmt.Sprint(base + i - 1)
	}
	return api.StrValue(seq + code(30, fi) + ";" + code(40, bi) + "m"), nil
}

// Package timerec parses and matches the iCalendar-style time recurrences
// of OpenSIPS (check_time_rec(), drouting and dialplan timerec columns).
package timerec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rec is a time recurrence, the iCalendar subset OpenSIPS
// accepts: "[tz|]dtstart|dtend|duration|freq|until|interval|byday|
// bymonthday|byyearday|byweekno|bymonth" (empty fields allowed, trailing
// ones omitted). byyearday and byweekno are accepted but not checked.
type Rec struct {
	Loc        *time.Location
	Start      time.Time
	Dur        time.Duration // 0: open-ended
	Freq       string        // "", daily, weekly, monthly, yearly
	Until      time.Time
	Interval   int
	ByDay      []time.Weekday
	ByMonthDay []int
	ByMonth    []int
}

var weekdays = map[string]time.Weekday{"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday,
	"WE": time.Wednesday, "TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday}

// Parse parses a recurrence string.
func Parse(s string) (*Rec, error) {
	f := strings.Split(s, "|")
	tr := &Rec{Loc: time.Local, Interval: 1}
	if len(f) > 0 && f[0] != "" && (f[0][0] < '0' || f[0][0] > '9') {
		loc, err := time.LoadLocation(f[0])
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %q", f[0])
		}
		tr.Loc, f = loc, f[1:]
	}
	get := func(i int) string {
		if i < len(f) {
			return strings.TrimSpace(f[i])
		}
		return ""
	}
	var err error
	if tr.Start, err = parseICalTime(get(0), tr.Loc); err != nil {
		return nil, fmt.Errorf("dtstart: %w", err)
	}
	if end := get(1); end != "" {
		e, err := parseICalTime(end, tr.Loc)
		if err != nil {
			return nil, fmt.Errorf("dtend: %w", err)
		}
		tr.Dur = e.Sub(tr.Start)
	} else if d := get(2); d != "" {
		if tr.Dur, err = parseICalDuration(d); err != nil {
			return nil, fmt.Errorf("duration: %w", err)
		}
	}
	switch fr := strings.ToLower(get(3)); fr {
	case "", "daily", "weekly", "monthly", "yearly":
		tr.Freq = fr
	default:
		return nil, fmt.Errorf("unknown frequency %q", fr)
	}
	if u := get(4); u != "" {
		if tr.Until, err = parseICalTime(u, tr.Loc); err != nil {
			return nil, fmt.Errorf("until: %w", err)
		}
	}
	if iv := get(5); iv != "" {
		if tr.Interval, err = strconv.Atoi(iv); err != nil || tr.Interval < 1 {
			return nil, fmt.Errorf("bad interval %q", iv)
		}
	}
	for _, d := range splitList(get(6)) {
		d = strings.ToUpper(d)
		wd, ok := weekdays[d[max(0, len(d)-2):]]
		if !ok {
			return nil, fmt.Errorf("bad byday %q", d)
		}
		tr.ByDay = append(tr.ByDay, wd)
	}
	if tr.ByMonthDay, err = intList(get(7)); err != nil {
		return nil, fmt.Errorf("bymonthday: %w", err)
	}
	if tr.ByMonth, err = intList(get(10)); err != nil {
		return nil, fmt.Errorf("bymonth: %w", err)
	}
	return tr, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func intList(s string) ([]int, error) {
	var out []int
	for _, p := range splitList(s) {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("bad number %q", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseICalTime(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"20060102T150405", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date-time %q (want YYYYMMDDThhmmss)", s)
}

// parseICalDuration parses "P1D", "PT1H30M", "P2W".
func parseICalDuration(s string) (time.Duration, error) {
	if !strings.HasPrefix(s, "P") {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	var d time.Duration
	n := 0
	inTime := false
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			n = n*10 + int(r-'0')
			continue
		case r == 'T':
			inTime = true
			continue
		case r == 'W':
			d += time.Duration(n) * 7 * 24 * time.Hour
		case r == 'D':
			d += time.Duration(n) * 24 * time.Hour
		case r == 'H' && inTime:
			d += time.Duration(n) * time.Hour
		case r == 'M' && inTime:
			d += time.Duration(n) * time.Minute
		case r == 'S' && inTime:
			d += time.Duration(n) * time.Second
		default:
			return 0, fmt.Errorf("bad duration %q", s)
		}
		n = 0
	}
	return d, nil
}

// Match reports whether t falls in an occurrence.
func (tr *Rec) Match(t time.Time) bool {
	t = t.In(tr.Loc)
	if t.Before(tr.Start) || (!tr.Until.IsZero() && t.After(tr.Until)) {
		return false
	}
	if tr.Freq == "" {
		return tr.Dur == 0 || t.Before(tr.Start.Add(tr.Dur))
	}
	// Occurrences start at dtstart's time of day; one that began on an
	// earlier day may still be running.
	days := int(tr.Dur/(24*time.Hour)) + 1
	if tr.Dur == 0 {
		days = 1
	}
	for back := 0; back < days+1; back++ {
		day := t.AddDate(0, 0, -back)
		s := time.Date(day.Year(), day.Month(), day.Day(), tr.Start.Hour(), tr.Start.Minute(), tr.Start.Second(), 0, tr.Loc)
		if s.After(t) || s.Before(tr.Start) || !tr.occurs(s) {
			continue
		}
		if tr.Dur == 0 || t.Before(s.Add(tr.Dur)) {
			return true
		}
	}
	return false
}

// occurs reports whether an occurrence starts at s.
func (tr *Rec) occurs(s time.Time) bool {
	if len(tr.ByMonth) > 0 && !containsInt(tr.ByMonth, int(s.Month())) {
		return false
	}
	if len(tr.ByMonthDay) > 0 && !containsInt(tr.ByMonthDay, s.Day()) {
		return false
	}
	if len(tr.ByDay) > 0 {
		found := false
		for _, d := range tr.ByDay {
			found = found || d == s.Weekday()
		}
		if !found {
			return false
		}
	}
	y0, m0, d0 := tr.Start.Date()
	switch tr.Freq {
	case "daily":
		days := int(s.Sub(time.Date(y0, m0, d0, s.Hour(), s.Minute(), s.Second(), 0, tr.Loc)).Hours()+0.5) / 24
		return days%tr.Interval == 0
	case "weekly":
		if len(tr.ByDay) == 0 && s.Weekday() != tr.Start.Weekday() {
			return false
		}
		days := int(s.Sub(time.Date(y0, m0, d0, s.Hour(), s.Minute(), s.Second(), 0, tr.Loc)).Hours()+0.5) / 24
		return (days/7)%tr.Interval == 0
	case "monthly":
		if len(tr.ByMonthDay) == 0 && len(tr.ByDay) == 0 && s.Day() != d0 {
			return false
		}
		months := (s.Year()-y0)*12 + int(s.Month()-m0)
		return months%tr.Interval == 0
	case "yearly":
		if len(tr.ByMonth) == 0 && s.Month() != m0 {
			return false
		}
		if len(tr.ByMonthDay) == 0 && len(tr.ByDay) == 0 && s.Day() != d0 {
			return false
		}
		return (s.Year()-y0)%tr.Interval == 0
	}
	return true
}

func containsInt(l []int, n int) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

package pv

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// strftime is a C strftime format compiled for Go times (C locale).
type strftime struct {
	parts []strfPart
}

type strfPart struct {
	lit  string
	conv byte // 0 for literal text
}

func parseStrftime(in string) (any, error) { return compileStrftime(in) }

func compileStrftime(f string) (*strftime, error) {
	s := &strftime{}
	var lit strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			lit.WriteByte(c)
			continue
		}
		if i+1 >= len(f) {
			return nil, fmt.Errorf("format ends with a lone %%")
		}
		i++
		conv := f[i]
		// E and O modifiers select locale alternatives; C has none.
		if (conv == 'E' || conv == 'O') && i+1 < len(f) {
			i++
			conv = f[i]
		}
		if conv == '%' {
			lit.WriteByte('%')
			continue
		}
		if strings.IndexByte("aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ", conv) < 0 {
			return nil, fmt.Errorf("unsupported conversion %%%c", conv)
		}
		if lit.Len() > 0 {
			s.parts = append(s.parts, strfPart{lit: lit.String()})
			lit.Reset()
		}
		s.parts = append(s.parts, strfPart{conv: conv})
	}
	if lit.Len() > 0 {
		s.parts = append(s.parts, strfPart{lit: lit.String()})
	}
	return s, nil
}

func pad2(b *strings.Builder, n int, pad byte) {
	if n < 10 {
		b.WriteByte(pad)
	}
	b.WriteString(strconv.Itoa(n))
}

func (s *strftime) format(t time.Time) string {
	var b strings.Builder
	for _, p := range s.parts {
		if p.conv == 0 {
			b.WriteString(p.lit)
			continue
		}
		writeConv(&b, p.conv, t)
	}
	return b.String()
}

func writeConv(b *strings.Builder, conv byte, t time.Time) {
	switch conv {
	case 'a':
		b.WriteString(t.Format("Mon"))
	case 'A':
		b.WriteString(t.Weekday().String())
	case 'b', 'h':
		b.WriteString(t.Format("Jan"))
	case 'B':
		b.WriteString(t.Month().String())
	case 'c':
		b.WriteString(t.Format("Mon Jan _2 15:04:05 2006"))
	case 'C':
		pad2(b, t.Year()/100, '0')
	case 'd':
		pad2(b, t.Day(), '0')
	case 'D':
		b.WriteString(t.Format("01/02/06"))
	case 'e':
		pad2(b, t.Day(), ' ')
	case 'F':
		b.WriteString(t.Format("2006-01-02"))
	case 'g':
		y, _ := t.ISOWeek()
		pad2(b, y%100, '0')
	case 'G':
		y, _ := t.ISOWeek()
		b.WriteString(strconv.Itoa(y))
	case 'H':
		pad2(b, t.Hour(), '0')
	case 'I':
		pad2(b, hour12(t), '0')
	case 'j':
		b.WriteString(fmt.Sprintf("%03d", t.YearDay()))
	case 'k':
		pad2(b, t.Hour(), ' ')
	case 'l':
		pad2(b, hour12(t), ' ')
	case 'm':
		pad2(b, int(t.Month()), '0')
	case 'M':
		pad2(b, t.Minute(), '0')
	case 'n':
		b.WriteByte('\n')
	case 'p':
		b.WriteString(t.Format("PM"))
	case 'P':
		b.WriteString(strings.ToLower(t.Format("PM")))
	case 'r':
		b.WriteString(t.Format("03:04:05 PM"))
	case 'R':
		b.WriteString(t.Format("15:04"))
	case 's':
		b.WriteString(strconv.FormatInt(t.Unix(), 10))
	case 'S':
		pad2(b, t.Second(), '0')
	case 't':
		b.WriteByte('\t')
	case 'T':
		b.WriteString(t.Format("15:04:05"))
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		b.WriteString(strconv.Itoa(wd))
	case 'U':
		pad2(b, (t.YearDay()+6-int(t.Weekday()))/7, '0')
	case 'V':
		_, w := t.ISOWeek()
		pad2(b, w, '0')
	case 'w':
		b.WriteString(strconv.Itoa(int(t.Weekday())))
	case 'W':
		pad2(b, (t.YearDay()+6-(int(t.Weekday())+6)%7)/7, '0')
	case 'x':
		b.WriteString(t.Format("01/02/06"))
	case 'X':
		b.WriteString(t.Format("15:04:05"))
	case 'y':
		pad2(b, t.Year()%100, '0')
	case 'Y':
		b.WriteString(strconv.Itoa(t.Year()))
	case 'z':
		b.WriteString(t.Format("-0700"))
	case 'Z':
		b.WriteString(t.Format("MST"))
	}
}

func hour12(t time.Time) int {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	return h
}

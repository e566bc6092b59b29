package text

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gosips/db"
)

// column is one column of a db_text header.
type column struct {
	name string
	typ  db.Type
	// spell is the header type name written back ("str" and "string" are
	// both db.String in gosips but distinct in OpenSIPS).
	spell string
	null  bool
	auto  bool
}

// data is the parsed content of a table file.
type data struct {
	cols    []column
	rows    []db.Row
	autoCol int   // -1 when the table has no auto column
	next    int64 // next auto value
}

// parseHeader reads "name(type[,null|,auto]) ..." the way OpenSIPS does:
// the type is chosen by its first letter, a flag by its first letter, and
// only one int or long column may be auto.
func parseHeader(line string) ([]column, int, error) {
	var cols []column
	auto := -1
	s := line
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		open := strings.IndexByte(s, '(')
		if open < 0 {
			return nil, -1, fmt.Errorf("header: column %d: missing \"(type)\" after %q", len(cols)+1, s)
		}
		name := strings.TrimRight(s[:open], " ")
		if err := db.CheckIdent(name); err != nil {
			return nil, -1, fmt.Errorf("header: column %d: %w", len(cols)+1, err)
		}
		close := strings.IndexByte(s[open:], ')')
		if close < 0 {
			return nil, -1, fmt.Errorf("header: column %s: missing \")\"", name)
		}
		spec := s[open+1 : open+close]
		s = s[open+close+1:]
		typ, flag, _ := strings.Cut(spec, ",")
		typ = strings.TrimSpace(typ)
		flag = strings.TrimSpace(flag)
		c := column{name: name}
		if typ == "" {
			return nil, -1, fmt.Errorf("header: column %s: empty type", name)
		}
		switch typ[0] | 0x20 {
		case 's':
			c.typ, c.spell = db.String, "str"
			if strings.ContainsAny(typ, "iI") {
				c.spell = "string"
			}
		case 'i':
			c.typ, c.spell = db.Int, "int"
		case 'l':
			c.typ, c.spell = db.BigInt, "long"
		case 'd':
			c.typ, c.spell = db.Double, "double"
		case 'b':
			c.typ, c.spell = db.Blob, "blob"
		case 't':
			c.typ, c.spell = db.Time, "time"
		default:
			return nil, -1, fmt.Errorf("header: column %s: unknown type %q (want str, string, int, long, double, blob or time)", name, typ)
		}
		if flag != "" {
			switch flag[0] | 0x20 {
			case 'n':
				c.null = true
			case 'a':
				if c.typ != db.Int && c.typ != db.BigInt {
					return nil, -1, fmt.Errorf("header: column %s: only int and long columns can be auto", name)
				}
				if auto >= 0 {
					return nil, -1, fmt.Errorf("header: column %s: a table has at most one auto column (%s is one)", name, cols[auto].name)
				}
				c.auto = true
				auto = len(cols)
			default:
				return nil, -1, fmt.Errorf("header: column %s: unknown flag %q (want null or auto)", name, flag)
			}
		}
		for _, o := range cols {
			if o.name == name {
				return nil, -1, fmt.Errorf("header: column %s appears twice", name)
			}
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, -1, fmt.Errorf("header: no columns")
	}
	return cols, auto, nil
}

// parse reads a whole table file. A NULL (empty field) in a column not
// declared null fails the load, as in OpenSIPS; an empty auto field is
// given the next id.
func parse(r io.Reader) (*data, error) {
	br := bufio.NewReader(r)
	d := &data{autoCol: -1, next: 1}
	lineNo := 0
	var pendingAuto []int
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		if line == "" && err == io.EOF {
			break
		}
		lineNo++
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		if d.cols == nil {
			cols, auto, herr := parseHeader(line)
			if herr != nil {
				return nil, fmt.Errorf("line 1: %w", herr)
			}
			d.cols, d.autoCol = cols, auto
		} else if line != "" {
			row, perr := parseRow(d.cols, line)
			if perr != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, perr)
			}
			if d.autoCol >= 0 {
				if row[d.autoCol].Null {
					pendingAuto = append(pendingAuto, len(d.rows))
				} else if v := row[d.autoCol].I; v >= d.next {
					d.next = v + 1
				}
			}
			d.rows = append(d.rows, row)
		}
		if err == io.EOF {
			break
		}
	}
	if d.cols == nil {
		return nil, fmt.Errorf("empty file: no header line")
	}
	for _, i := range pendingAuto {
		d.rows[i][d.autoCol] = db.Value{Type: d.cols[d.autoCol].typ, I: d.next}
		d.next++
	}
	return d, nil
}

// parseRow splits one data line on unescaped ':' and converts the fields.
func parseRow(cols []column, line string) (db.Row, error) {
	row := make(db.Row, 0, len(cols))
	var buf []byte
	i := 0
	for {
		if len(row) == len(cols) {
			return nil, fmt.Errorf("more than %d fields", len(cols))
		}
		c := cols[len(row)]
		buf = buf[:0]
		start := i
		for i < len(line) && line[i] != ':' {
			if line[i] == '\\' {
				if i+1 >= len(line) {
					return nil, fmt.Errorf("column %s: backslash at end of line", c.name)
				}
				switch line[i+1] {
				case 'n':
					buf = append(buf, '\n')
				case 'r':
					buf = append(buf, '\r')
				case 't':
					buf = append(buf, '\t')
				case '\\':
					buf = append(buf, '\\')
				case ':':
					buf = append(buf, ':')
				case '0':
					buf = append(buf, 0)
				default:
					return nil, fmt.Errorf("column %s: unknown escape \\%c", c.name, line[i+1])
				}
				i += 2
				continue
			}
			buf = append(buf, line[i])
			i++
		}
		v, err := fieldValue(c, buf, i == start)
		if err != nil {
			return nil, err
		}
		row = append(row, v)
		if i >= len(line) {
			break
		}
		i++ // the ':'
	}
	if len(row) != len(cols) {
		return nil, fmt.Errorf("%d fields, want %d", len(row), len(cols))
	}
	return row, nil
}

func fieldValue(c column, raw []byte, empty bool) (db.Value, error) {
	if empty {
		if !c.null && !c.auto {
			return db.Value{}, fmt.Errorf("column %s is empty (NULL) but not declared null", c.name)
		}
		return db.NullValue(c.typ), nil
	}
	v := db.Value{Type: c.typ}
	switch c.typ {
	case db.Int, db.BigInt, db.Time:
		n, err := parseInt(string(raw))
		if err != nil {
			return v, fmt.Errorf("column %s: %q is not an integer", c.name, raw)
		}
		v.I = n
	case db.Double:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return v, fmt.Errorf("column %s: %q is not a number", c.name, raw)
		}
		v.F = f
	case db.Blob:
		v.B = bytes.Clone(raw)
	default:
		v.S = string(raw)
	}
	return v, nil
}

// parseInt accepts what OpenSIPS accepts in int columns: an optional sign,
// digits and an ignored fraction.
func parseInt(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	ip, frac, ok := strings.Cut(s, ".")
	if !ok || frac == "" || strings.Trim(frac, "0123456789") != "" {
		return 0, fmt.Errorf("not an integer")
	}
	if ip == "" || ip == "-" {
		ip += "0"
	}
	return strconv.ParseInt(ip, 10, 64)
}

// write renders a table file: the header, then one line per row.
func write(w io.Writer, d *data) error {
	bw := bufio.NewWriter(w)
	for i, c := range d.cols {
		if i > 0 {
			bw.WriteByte(' ')
		}
		bw.WriteString(c.name)
		bw.WriteByte('(')
		bw.WriteString(c.spell)
		switch {
		case c.null:
			bw.WriteString(",null")
		case c.auto:
			bw.WriteString(",auto")
		}
		bw.WriteByte(')')
	}
	bw.WriteByte('\n')
	var num []byte
	for _, row := range d.rows {
		for i, v := range row {
			if i > 0 {
				bw.WriteByte(':')
			}
			if v.Null {
				continue
			}
			switch v.Type {
			case db.Int, db.BigInt, db.Time:
				num = strconv.AppendInt(num[:0], v.I, 10)
				bw.Write(num)
			case db.Double:
				num = strconv.AppendFloat(num[:0], v.F, 'f', -1, 64)
				bw.Write(num)
			case db.Blob:
				writeEscaped(bw, v.B)
			default:
				writeEscaped(bw, v.S)
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func writeEscaped[S string | []byte](w *bufio.Writer, s S) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		case '\\':
			w.WriteString(`\\`)
		case ':':
			w.WriteString(`\:`)
		case 0:
			w.WriteString(`\0`)
		default:
			w.WriteByte(c)
		}
	}
}

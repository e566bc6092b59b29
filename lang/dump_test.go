package lang

import (
	"fmt"
	"reflect"
	"strings"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

// dump renders a file as an indented tree for golden tests. Start positions
// show as @line:col; other positions are left out to keep goldens readable.
func dump(f *ast.File, diags diag.List) string {
	var b strings.Builder
	for _, it := range f.Items {
		dumpNode(&b, reflect.ValueOf(it), 0)
	}
	for _, l := range f.Legacy {
		fmt.Fprintf(&b, "legacy %s %q @%d:%d\n", l.Kind, l.Text, l.At.Line, l.At.Col)
	}
	fmt.Fprintf(&b, "comments %d\n", len(f.Comments))
	for _, d := range diags {
		fmt.Fprintf(&b, "%s %d:%d %s\n", d.Severity, d.Pos.Line, d.Pos.Col, d.Msg)
	}
	return b.String()
}

var posType = reflect.TypeOf(diag.Pos{})

var valueKinds = []string{"Int", "String", "ID", "Socket", "Raw"}

func dumpNode(b *strings.Builder, v reflect.Value, depth int) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	ind := strings.Repeat("  ", depth)
	if v.Kind() != reflect.Struct {
		fmt.Fprintf(b, "%s%v\n", ind, v.Interface())
		return
	}
	t := v.Type()
	header := t.Name()
	var nested []int
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		switch {
		case f.Type == posType:
			if f.Name == "At" {
				p := fv.Interface().(diag.Pos)
				header += fmt.Sprintf(" @%d:%d", p.Line, p.Col)
			}
		case f.Type == reflect.TypeOf(ast.ValInt):
			header += " Kind=" + valueKinds[fv.Int()]
		case fv.IsZero():
		case f.Type.Kind() == reflect.String:
			header += fmt.Sprintf(" %s=%q", f.Name, fv.String())
		case f.Type.Kind() == reflect.Bool, f.Type.Kind() == reflect.Int64:
			header += fmt.Sprintf(" %s=%v", f.Name, fv.Interface())
		case f.Type.Kind() == reflect.Int:
			header += fmt.Sprintf(" %s=%v", f.Name, fv.Interface()) // RouteKind has a String method
		case f.Type.Kind() == reflect.Uint8:
			header += fmt.Sprintf(" %s=%q", f.Name, rune(fv.Uint()))
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			header += fmt.Sprintf(" %s=%q", f.Name, fv.Interface())
		default:
			nested = append(nested, i)
		}
	}
	b.WriteString(ind + header + "\n")
	for _, i := range nested {
		f, fv := t.Field(i), v.Field(i)
		if fv.Kind() == reflect.Slice {
			fmt.Fprintf(b, "%s  %s:\n", ind, f.Name)
			for j := 0; j < fv.Len(); j++ {
				e := fv.Index(j)
				if (e.Kind() == reflect.Interface || e.Kind() == reflect.Pointer) && e.IsNil() {
					fmt.Fprintf(b, "%s    <omitted>\n", ind)
					continue
				}
				dumpNode(b, e, depth+2)
			}
			continue
		}
		fmt.Fprintf(b, "%s  %s:\n", ind, f.Name)
		dumpNode(b, fv, depth+2)
	}
}

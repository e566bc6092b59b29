package port

import (
	"fmt"
	"os"
	"reflect"
	"testing"

	"gosips/lang"
	"gosips/lang/ast"
	"gosips/lang/diag"
)

func TestScratch(t *testing.T) {
	path := os.Getenv("F")
	f, diags := lang.ParseFile(path, lang.Options{Lenient: true})
	src := f.Files[path]
	for _, d := range diags {
		fmt.Println("DIAG", d)
	}
	for _, l := range f.Legacy {
		fmt.Printf("LEGACY %s %d:%d-%d:%d %q hint=%q src=%q\n", l.Kind, l.At.Line, l.At.Col, l.End.Line, l.End.Col, l.Text, l.Hint, src[l.At.Offset:l.End.Offset])
	}
	var walk func(v reflect.Value, d int)
	posT := reflect.TypeOf(diag.Pos{})
	walk = func(v reflect.Value, d int) {
		for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
			if v.IsNil() { return }
			v = v.Elem()
		}
		if v.Kind() == reflect.Slice {
			for i := 0; i < v.Len(); i++ { walk(v.Index(i), d) }
			return
		}
		if v.Kind() != reflect.Struct { return }
		t := v.Type()
		var at, end diag.Pos
		if f := v.FieldByName("At"); f.IsValid() && f.Type() == posT { at = f.Interface().(diag.Pos) }
		if f := v.FieldByName("End"); f.IsValid() && f.Type() == posT { end = f.Interface().(diag.Pos) }
		s := ""
		if end.Offset > at.Offset && end.Offset <= len(src) { s = string(src[at.Offset:end.Offset]) }
		fmt.Printf("%*s%s %d:%d-%d:%d %q\n", d*2, "", t.Name(), at.Line, at.Col, end.Line, end.Col, s)
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).Type == posT { continue }
			walk(v.Field(i), d+1)
		}
	}
	_ = ast.File{}
	for _, it := range f.Items { walk(reflect.ValueOf(it), 0) }
}

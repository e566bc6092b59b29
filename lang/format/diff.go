package format

import (
	"fmt"
	"reflect"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

var posType = reflect.TypeOf(diag.Pos{})

// Diff compares two parsed files as programs: items, comments (by text) and
// legacy constructs (by kind), ignoring every position. It returns "" when
// they are equal, else where they first differ.
func Diff(a, b *ast.File) string {
	if d := diffValue("items", reflect.ValueOf(a.Items), reflect.ValueOf(b.Items)); d != "" {
		return d
	}
	if len(a.Comments) != len(b.Comments) {
		return fmt.Sprintf("%d comments became %d", len(a.Comments), len(b.Comments))
	}
	for i := range a.Comments {
		if a.Comments[i].Text != b.Comments[i].Text {
			return fmt.Sprintf("comment %q became %q", a.Comments[i].Text, b.Comments[i].Text)
		}
	}
	if len(a.Legacy) != len(b.Legacy) {
		return fmt.Sprintf("%d legacy constructs became %d", len(a.Legacy), len(b.Legacy))
	}
	for i := range a.Legacy {
		if a.Legacy[i].Kind != b.Legacy[i].Kind {
			return fmt.Sprintf("legacy %s became %s", a.Legacy[i].Kind, b.Legacy[i].Kind)
		}
	}
	return ""
}

func diffValue(path string, a, b reflect.Value) string {
	if a.Kind() != b.Kind() {
		return path + ": kind differs"
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil differs"
			}
			return ""
		}
		if a.Elem().Type() != b.Elem().Type() {
			return fmt.Sprintf("%s: %s became %s", path, a.Elem().Type(), b.Elem().Type())
		}
		return diffValue(path, a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == posType {
			return ""
		}
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if d := diffValue(path+"."+f.Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d became %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return path + ": map size differs"
		}
		for _, k := range a.MapKeys() {
			if d := diffValue(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), b.MapIndex(k)); d != "" {
				return d
			}
		}
		return ""
	}
	if !a.CanInterface() || !reflect.DeepEqual(a.Interface(), b.Interface()) {
		if a.CanInterface() {
			return fmt.Sprintf("%s: %v became %v", path, a.Interface(), b.Interface())
		}
		return path + " differs"
	}
	return ""
}

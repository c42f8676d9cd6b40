package liaison_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"liaison"
)

// TestUnknownFactsSurviveTheRecord: a fact that is unknown when absent
// must keep "none" ([]) apart from "unknown" (absent) in its JSON, or a
// stored request, read back to decide again, would answer otherwise.
func TestUnknownFactsSurviveTheRecord(t *testing.T) {
	var walk func(t reflect.Type, path string)
	walk = func(rt reflect.Type, path string) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			ft := f.Type
			if strings.Contains(f.Tag.Get("liaison"), "unknown") && ft.Kind() == reflect.Slice {
				v := reflect.New(rt).Elem()
				v.Field(i).Set(reflect.MakeSlice(ft, 0, 0))
				b, err := json.Marshal(v.Interface())
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), `"`+name+`":[]`) {
					t.Errorf("%s%s (json %q) encodes an empty list as %s: it would read back as unknown", path, name, opts, b)
				}
			}
			if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
				walk(ft.Elem(), path+name+".")
			}
		}
	}
	walk(reflect.TypeFor[liaison.Request](), "")
}

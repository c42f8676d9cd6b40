package law

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"liaison"
)

// A vocabulary presents the request types of package liaison to CEL. It is
// the environment's type provider and type adapter: every struct reachable
// from liaison.Request is a CEL object type named like its Go type
// ("liaison.Subject") whose fields are the struct's fields under their JSON
// names, typed as vocabulary.celType maps them.
//
// The field names, their types and how to read each are derived from the Go
// types by reflection once, when the environment is built; a read is then
// a reflect.Value field access and one conversion chosen for its kind, with
// no type switch and no allocation. It replaces cel-go's ext.NativeTypes,
// whose reads went through its adapter's type switch, and keeps its
// semantics:
//
//   - a nil nested object reads as an empty one, and a zero time.Time
//     inside an object as the Unix epoch;
//   - has(x.f) is true when f is not its zero value (a slice: not nil);
//   - named string types read as strings, slices as lists, time.Time as a
//     timestamp.
//
// Objects travel through CEL as plain Go pointers (*liaison.Subject) and
// are wrapped as an object only where CEL needs a value of them, such as a
// function argument.
type vocabulary struct {
	base    types.Provider
	adapter types.Adapter
	byName  map[string]*structType
	byPtr   map[reflect.Type]*structType // keyed by the pointer type
	lists   map[reflect.Type]goList
}

// goStruct is a struct type of the vocabulary with unbox, which finds the
// struct behind an interface value holding a pointer to it (a type
// assertion, cheaper than reflect.ValueOf and a type comparison).
type goStruct struct {
	typ   reflect.Type
	unbox func(any) (reflect.Value, bool)
}

func structOf[T any]() goStruct {
	return goStruct{
		typ: reflect.TypeFor[T](),
		unbox: func(v any) (reflect.Value, bool) {
			p, ok := v.(*T)
			if !ok || p == nil {
				return reflect.Value{}, false
			}
			return reflect.ValueOf(p).Elem(), true
		},
	}
}

// box returns the pointer to the addressable struct v, as CEL passes it.
func box(v reflect.Value) any { return v.Addr().Interface() }

// goList is a slice type of strings of the vocabulary ([]string, or a
// slice of a named string type) with wrap, which presents a slice of it
// to CEL as a list.
type goList struct {
	typ  reflect.Type
	wrap func(v reflect.Value) ref.Val // v: an addressable slice
}

func listOf[S ~string]() goList {
	return goList{
		typ:  reflect.TypeFor[[]S](),
		wrap: func(v reflect.Value) ref.Val { return stringList[S]{v.Addr().Interface().(*[]S)} },
	}
}

// goLists lists the string slice types of the vocabulary; newVocabulary
// fails if one reachable from liaison.Request is missing.
func goLists() []goList {
	return []goList{
		listOf[string](),
		listOf[liaison.PCBasis](),
		listOf[liaison.InfoItem](),
		listOf[liaison.Category](),
		listOf[liaison.Flag](),
	}
}

// goStructs lists the struct types of the vocabulary. newVocabulary fails
// if a struct reachable from liaison.Request is missing; their fields are
// never listed by hand.
func goStructs() []goStruct {
	return []goStruct{
		structOf[liaison.Request](),
		structOf[liaison.Agency](),
		structOf[liaison.FederalRequest](),
		structOf[liaison.Warrant](),
		structOf[liaison.Subject](),
		structOf[liaison.Custody](),
		structOf[liaison.Offense](),
		structOf[liaison.Consent](),
		structOf[liaison.Agreement](),
		structOf[liaison.Context](),
	}
}

// structType is a struct of the vocabulary as CEL sees it.
type structType struct {
	goStruct
	vocab  *vocabulary
	name   string
	cel    *types.Type
	fields map[string]*types.FieldType
	index  map[string][]int // Go field index by CEL name, for NewValue
	names  []string
	zero   any // a pointer to a zero value, read in place of a nil pointer
}

// typeName is the CEL name of a struct type: its package's last path
// element and its name, as ext.NativeTypes names it.
func typeName(t reflect.Type) string {
	pkg := t.PkgPath()
	return pkg[strings.LastIndex(pkg, "/")+1:] + "." + t.Name()
}

// fieldName is the CEL name of a struct field: the name its JSON tag gives
// it, or "" when it is not visible to CEL.
func fieldName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return strings.Trim(name, "'")
}

// newVocabulary describes the structs reachable from root, composing over
// the provider and adapter of the environment being built.
func newVocabulary(root reflect.Type, base types.Provider, adapter types.Adapter) (*vocabulary, error) {
	v := &vocabulary{base: base, adapter: adapter, byName: map[string]*structType{}, byPtr: map[reflect.Type]*structType{},
		lists: map[reflect.Type]goList{}}
	for _, l := range goLists() {
		v.lists[l.typ] = l
	}
	known := map[reflect.Type]goStruct{}
	for _, g := range goStructs() {
		known[g.typ] = g
	}
	// Declare every reachable struct first, so that fields can refer to any.
	var visit func(t reflect.Type) error
	visit = func(t reflect.Type) error {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice:
			return visit(t.Elem())
		case reflect.Struct:
		default:
			return nil
		}
		if t == reflect.TypeFor[time.Time]() || v.byPtr[reflect.PointerTo(t)] != nil {
			return nil
		}
		g, ok := known[t]
		if !ok {
			return fmt.Errorf("struct %s of the vocabulary is missing from law's goStructs: add structOf[%s]()", t, t)
		}
		st := &structType{goStruct: g, vocab: v, name: typeName(t), fields: map[string]*types.FieldType{}, index: map[string][]int{},
			zero: reflect.New(t).Interface()}
		st.cel = types.NewObjectType(st.name)
		v.byName[st.name] = st
		v.byPtr[reflect.PointerTo(t)] = st
		for _, f := range reflect.VisibleFields(t) {
			if f.Anonymous && f.IsExported() {
				return fmt.Errorf("%s embeds %s: the vocabulary does not read embedded structs", t, f.Type)
			}
			if fieldName(f) != "" && len(f.Index) == 1 {
				if err := visit(f.Type); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := visit(root); err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(v.byName)) {
		st := v.byName[name]
		for _, f := range reflect.VisibleFields(st.typ) {
			name := fieldName(f)
			if name == "" || len(f.Index) != 1 {
				continue
			}
			if _, dup := st.fields[name]; dup {
				return nil, fmt.Errorf("%s: two fields are named %q", st.name, name)
			}
			typ, err := v.celType(f.Type)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", st.name, name, err)
			}
			rd, err := v.reader(f.Type, false)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", st.name, name, err)
			}
			st.fields[name] = rd.field(st, f.Index[0], typ)
			st.index[name] = f.Index
			st.names = append(st.names, name)
		}
		slices.Sort(st.names)
	}
	return v, nil
}

// celType maps a Go type of the vocabulary to its CEL type.
func (v *vocabulary) celType(t reflect.Type) (*types.Type, error) {
	if t == reflect.TypeFor[time.Time]() {
		return types.TimestampType, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return v.celType(t.Elem())
	case reflect.Struct:
		if st := v.byPtr[reflect.PointerTo(t)]; st != nil {
			return st.cel, nil
		}
	case reflect.Slice:
		elem, err := v.celType(t.Elem())
		if err != nil {
			return nil, err
		}
		return types.NewListType(elem), nil
	case reflect.String:
		return types.StringType, nil
	case reflect.Bool:
		return types.BoolType, nil
	case reflect.Int, reflect.Int64:
		return types.IntType, nil
	case reflect.Float64:
		return types.DoubleType, nil
	}
	return nil, fmt.Errorf("no CEL type for Go type %s", t)
}

// A reader reads a value of one Go type, given as an addressable
// reflect.Value.
type reader struct {
	read   func(v reflect.Value) any
	isZero func(v reflect.Value) bool
}

// reader returns the reader of Go type t. A top-level variable reads a zero
// time as itself, a field reads it as the Unix epoch (as ext.NativeTypes
// did).
func (v *vocabulary) reader(t reflect.Type, top bool) (reader, error) {
	if t == reflect.TypeFor[time.Time]() {
		return reader{
			read: func(v reflect.Value) any {
				tm := *v.Addr().Interface().(*time.Time)
				if tm.IsZero() && !top {
					return types.Timestamp{Time: time.Unix(0, 0)}
				}
				return types.Timestamp{Time: tm}
			},
			isZero: func(v reflect.Value) bool { return v.Addr().Interface().(*time.Time).IsZero() },
		}, nil
	}
	switch t.Kind() {
	case reflect.String:
		return reader{read: func(v reflect.Value) any { return types.String(v.String()) }, isZero: isZero}, nil
	case reflect.Bool:
		return reader{read: func(v reflect.Value) any { return types.Bool(v.Bool()) }, isZero: isZero}, nil
	case reflect.Int, reflect.Int64:
		return reader{read: func(v reflect.Value) any { return types.Int(v.Int()) }, isZero: isZero}, nil
	case reflect.Float64:
		return reader{read: func(v reflect.Value) any { return types.Double(v.Float()) }, isZero: isZero}, nil
	case reflect.Pointer:
		st := v.byPtr[t]
		if st == nil {
			break
		}
		return reader{
			read: func(v reflect.Value) any {
				if v.IsNil() {
					return st.zero
				}
				return v.Interface()
			},
			isZero: isZero,
		}, nil
	case reflect.Slice:
		if l, ok := v.lists[t]; ok {
			return reader{read: func(v reflect.Value) any { return l.wrap(v) }, isZero: isZero}, nil
		}
		if t.Elem().Kind() == reflect.String {
			return reader{}, fmt.Errorf("slice type %s of the vocabulary is missing from law's goLists: add listOf[%s]()", t, t.Elem())
		}
		if st := v.byPtr[reflect.PointerTo(t.Elem())]; st != nil {
			return reader{
				read:   func(v reflect.Value) any { return &objectList{elem: st, v: v} },
				isZero: isZero,
			}, nil
		}
	}
	return reader{}, fmt.Errorf("the vocabulary cannot read Go type %s", t)
}

// field makes the CEL accessors of field i of st.
func (rd reader) field(st *structType, i int, typ *types.Type) *types.FieldType {
	unbox := st.unbox
	return &types.FieldType{
		Type: typ,
		IsSet: func(obj any) bool {
			v, ok := unbox(obj)
			return ok && !rd.isZero(v.Field(i))
		},
		GetFrom: func(obj any) (any, error) {
			v, ok := unbox(obj)
			if !ok {
				return nil, fmt.Errorf("no such field on %T: want a %s", obj, st.name)
			}
			return rd.read(v.Field(i)), nil
		},
	}
}

// EnumValue implements types.Provider.
func (v *vocabulary) EnumValue(name string) ref.Val { return v.base.EnumValue(name) }

// FindIdent implements types.Provider: a struct's name is its type.
func (v *vocabulary) FindIdent(name string) (ref.Val, bool) {
	if st := v.byName[name]; st != nil {
		return st.cel, true
	}
	return v.base.FindIdent(name)
}

// FindStructType implements types.Provider.
func (v *vocabulary) FindStructType(name string) (*types.Type, bool) {
	if st := v.byName[name]; st != nil {
		return types.NewTypeTypeWithParam(st.cel), true
	}
	return v.base.FindStructType(name)
}

// FindStructFieldNames implements types.Provider.
func (v *vocabulary) FindStructFieldNames(name string) ([]string, bool) {
	if st := v.byName[name]; st != nil {
		return slices.Clone(st.names), true
	}
	return v.base.FindStructFieldNames(name)
}

// FindStructFieldType implements types.Provider.
func (v *vocabulary) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if st := v.byName[name]; st != nil {
		ft, ok := st.fields[field]
		return ft, ok
	}
	return v.base.FindStructFieldType(name, field)
}

// NewValue implements types.Provider: it builds a struct from a CEL object
// literal, converting each field as ext.NativeTypes did.
func (v *vocabulary) NewValue(name string, fields map[string]ref.Val) ref.Val {
	st := v.byName[name]
	if st == nil {
		return v.base.NewValue(name, fields)
	}
	ptr := reflect.New(st.typ)
	for fname, val := range fields {
		idx, ok := st.index[fname]
		if !ok {
			return types.NewErr("no such field: %s", fname)
		}
		f := ptr.Elem().FieldByIndex(idx)
		nv, err := val.ConvertToNative(f.Type())
		if err != nil {
			return types.NewErrFromString(err.Error())
		}
		f.Set(reflect.ValueOf(nv))
	}
	return &object{t: st, v: ptr.Elem()}
}

// NativeToValue implements types.Adapter: a pointer to a struct of the
// vocabulary (or a struct) becomes an object; anything else goes to the
// adapter below.
func (v *vocabulary) NativeToValue(value any) ref.Val {
	if rv, ok := value.(ref.Val); ok {
		return rv
	}
	t := reflect.TypeOf(value)
	if st := v.byPtr[t]; st != nil {
		if sv, ok := st.unbox(value); ok {
			return &object{t: st, v: sv}
		}
		return types.NullValue
	}
	if t != nil && t.Kind() == reflect.Struct {
		if st := v.byPtr[reflect.PointerTo(t)]; st != nil {
			ptr := reflect.New(t)
			ptr.Elem().Set(reflect.ValueOf(value))
			return &object{t: st, v: ptr.Elem()}
		}
	}
	return v.adapter.NativeToValue(value)
}

// object is a struct of the vocabulary as a CEL value; v is addressable.
type object struct {
	t *structType
	v reflect.Value
}

var (
	_ traits.Indexer     = (*object)(nil)
	_ traits.FieldTester = (*object)(nil)
	_ traits.Zeroer      = (*object)(nil)
)

// ConvertToNative implements ref.Val: to a pointer to the struct, or a copy
// of it.
func (o *object) ConvertToNative(typeDesc reflect.Type) (any, error) {
	switch typeDesc {
	case reflect.PointerTo(o.t.typ):
		return box(o.v), nil
	case o.t.typ:
		return o.v.Interface(), nil
	}
	return nil, fmt.Errorf("type conversion error from '%s' to '%v'", o.t.name, typeDesc)
}

// ConvertToType implements ref.Val.
func (o *object) ConvertToType(typeVal ref.Type) ref.Val {
	switch {
	case typeVal == types.TypeType:
		return o.t.cel
	case typeVal.TypeName() == o.t.name:
		return o
	}
	return types.NewErr("type conversion error from '%s' to '%s'", o.t.name, typeVal)
}

// Equal implements ref.Val: objects of the same type with deeply equal
// fields are equal.
func (o *object) Equal(other ref.Val) ref.Val {
	x, ok := other.(*object)
	return types.Bool(ok && x.t == o.t && reflect.DeepEqual(box(o.v), box(x.v)))
}

// Type implements ref.Val.
func (o *object) Type() ref.Type { return o.t.cel }

// Value implements ref.Val: a pointer to the struct.
func (o *object) Value() any { return box(o.v) }

// IsZeroValue implements traits.Zeroer.
func (o *object) IsZeroValue() bool { return o.v.IsZero() }

// Get implements traits.Indexer, for fields read dynamically.
func (o *object) Get(field ref.Val) ref.Val {
	ft, err := o.field(field)
	if err != nil {
		return err
	}
	v, gerr := ft.GetFrom(box(o.v))
	if gerr != nil {
		return types.NewErrFromString(gerr.Error())
	}
	return o.t.vocab.NativeToValue(v)
}

// IsSet implements traits.FieldTester.
func (o *object) IsSet(field ref.Val) ref.Val {
	ft, err := o.field(field)
	if err != nil {
		return err
	}
	return types.Bool(ft.IsSet(box(o.v)))
}

func (o *object) field(field ref.Val) (*types.FieldType, ref.Val) {
	name, ok := field.(types.String)
	if !ok {
		return nil, types.MaybeNoSuchOverloadErr(field)
	}
	ft, ok := o.t.fields[string(name)]
	if !ok {
		return nil, types.NewErr("no such field: %s", name)
	}
	return ft, nil
}

// stringList is a slice of strings (or of a named string type) as a CEL
// list. It holds only a pointer to the slice, so it fits in an interface
// value without allocating.
type stringList[S ~string] struct{ p *[]S }

var _ traits.Lister = stringList[string]{}
var _ traits.Foldable = stringList[string]{}

// list is the same list as one of CEL's own, for the operations that are
// rare enough not to need their own implementation.
func (l stringList[S]) list() traits.Lister {
	return types.NewStringList(types.DefaultTypeAdapter, l.strings())
}

// strings returns the list as a []string, a copy unless S is string.
func (l stringList[S]) strings() []string {
	if p, ok := any(l.p).(*[]string); ok {
		return *p
	}
	out := make([]string, len(*l.p))
	for i, s := range *l.p {
		out[i] = string(s)
	}
	return out
}

// Add implements traits.Adder.
func (l stringList[S]) Add(other ref.Val) ref.Val { return l.list().Add(other) }

// Contains implements traits.Container: CEL's "in".
func (l stringList[S]) Contains(elem ref.Val) ref.Val {
	s, ok := elem.(types.String)
	if !ok {
		return l.list().Contains(elem)
	}
	return types.Bool(slices.Contains(*l.p, S(s)))
}

// ConvertToNative implements ref.Val.
func (l stringList[S]) ConvertToNative(typeDesc reflect.Type) (any, error) {
	return l.list().ConvertToNative(typeDesc)
}

// ConvertToType implements ref.Val.
func (l stringList[S]) ConvertToType(typeVal ref.Type) ref.Val {
	return l.list().ConvertToType(typeVal)
}

// Equal implements ref.Val.
func (l stringList[S]) Equal(other ref.Val) ref.Val { return l.list().Equal(other) }

// Get implements traits.Indexer.
func (l stringList[S]) Get(index ref.Val) ref.Val { return l.list().Get(index) }

// Iterator implements traits.Iterable.
func (l stringList[S]) Iterator() traits.Iterator { return l.list().Iterator() }

// Size implements traits.Sizer.
func (l stringList[S]) Size() ref.Val { return types.Int(len(*l.p)) }

// Type implements ref.Val.
func (l stringList[S]) Type() ref.Type { return types.ListType }

// Value implements ref.Val.
func (l stringList[S]) Value() any { return l.strings() }

// IsZeroValue implements traits.Zeroer.
func (l stringList[S]) IsZeroValue() bool { return len(*l.p) == 0 }

// Fold implements traits.Foldable, for comprehensions.
func (l stringList[S]) Fold(f traits.Folder) {
	for i, s := range *l.p {
		if !f.FoldEntry(i, types.String(string(s))) {
			break
		}
	}
}

// objectList is a slice of structs of the vocabulary as a CEL list; v is
// the slice.
type objectList struct {
	elem *structType
	v    reflect.Value
}

var _ traits.Lister = (*objectList)(nil)
var _ traits.Foldable = (*objectList)(nil)

func (l *objectList) len() int { return l.v.Len() }

func (l *objectList) list() traits.Lister {
	elems := make([]ref.Val, l.len())
	for i := range elems {
		elems[i] = &object{t: l.elem, v: l.v.Index(i)}
	}
	return types.NewRefValList(l.elem.vocab, elems)
}

// Add implements traits.Adder.
func (l *objectList) Add(other ref.Val) ref.Val { return l.list().Add(other) }

// Contains implements traits.Container.
func (l *objectList) Contains(elem ref.Val) ref.Val { return l.list().Contains(elem) }

// ConvertToNative implements ref.Val.
func (l *objectList) ConvertToNative(typeDesc reflect.Type) (any, error) {
	if typeDesc == reflect.SliceOf(l.elem.typ) {
		return l.Value(), nil
	}
	return l.list().ConvertToNative(typeDesc)
}

// ConvertToType implements ref.Val.
func (l *objectList) ConvertToType(typeVal ref.Type) ref.Val { return l.list().ConvertToType(typeVal) }

// Equal implements ref.Val.
func (l *objectList) Equal(other ref.Val) ref.Val { return l.list().Equal(other) }

// Get implements traits.Indexer.
func (l *objectList) Get(index ref.Val) ref.Val { return l.list().Get(index) }

// Iterator implements traits.Iterable.
func (l *objectList) Iterator() traits.Iterator { return l.list().Iterator() }

// Size implements traits.Sizer.
func (l *objectList) Size() ref.Val { return types.Int(l.len()) }

// Type implements ref.Val.
func (l *objectList) Type() ref.Type { return types.ListType }

// Value implements ref.Val: the slice.
func (l *objectList) Value() any { return l.v.Interface() }

// IsZeroValue implements traits.Zeroer.
func (l *objectList) IsZeroValue() bool { return l.len() == 0 }

// Fold implements traits.Foldable: each element is a pointer into the
// slice, as CEL's own lists of native values pass them.
func (l *objectList) Fold(f traits.Folder) {
	for i := range l.len() {
		if !f.FoldEntry(i, box(l.v.Index(i))) {
			break
		}
	}
}

//go:build duckdb_arrow

package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	mapping "github.com/duckdb/duckdb-go-bindings"

	"github.com/scapql/scapql/internal/sqlquote"
)

// Stream runs sqlText (one or more statements) and returns the last statement's result as
// DuckDB produces it, a chunk at a time: the result is never held whole, by DuckDB or by us,
// so a SELECT * over a whole capture prints in bounded memory. The driver's own query path
// materializes every result before its first row, which is why this one exists.
//
// The returned Rows must be closed before the DB runs another statement.
func (db *DB) Stream(ctx context.Context, sqlText string) (Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := rawConnection(db)
	if err != nil {
		return nil, err
	}
	var extracted mapping.ExtractedStatements
	n := mapping.ExtractStatements(conn, sqlText, &extracted)
	defer mapping.DestroyExtracted(&extracted)
	if n == 0 {
		return nil, errors.New(mapping.ExtractStatementsError(extracted))
	}
	stop := interruptOnCancel(ctx, conn)
	for i := mapping.IdxT(0); i < n; i++ {
		var stmt mapping.PreparedStatement
		if mapping.PrepareExtractedStatement(conn, extracted, i, &stmt) == mapping.StateError {
			msg := mapping.PrepareError(stmt)
			mapping.DestroyPrepare(&stmt)
			stop()
			return nil, queryError(ctx, msg)
		}
		var res mapping.Result
		var state mapping.State
		if i < n-1 {
			state = mapping.ExecutePrepared(stmt, &res)
		} else {
			state = mapping.ExecutePreparedStreaming(stmt, &res)
		}
		mapping.DestroyPrepare(&stmt)
		if state == mapping.StateError {
			msg := mapping.ResultError(&res)
			mapping.DestroyResult(&res)
			stop()
			return nil, queryError(ctx, msg)
		}
		if i < n-1 {
			mapping.DestroyResult(&res)
			continue
		}
		rows, err := newStreamRows(ctx, res, stop)
		if err != nil {
			mapping.DestroyResult(&res)
			stop()
			return nil, err
		}
		return rows, nil
	}
	stop()
	return nil, errors.New("no statement")
}

// queryError is DuckDB's message, or the context's error when the statement was interrupted
// because the context ended.
func queryError(ctx context.Context, msg string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.New(msg)
}

// rawConnection is the DuckDB connection under the DB's database/sql connection. The driver
// keeps it in an unexported field, so it is read by reflection, checked by type: a driver
// that changes shape gives an error, never a wrong pointer.
func rawConnection(db *DB) (mapping.Connection, error) { return rawConn(db.conn) }

// rawConn is the DuckDB connection under c.
func rawConn(c *sql.Conn) (mapping.Connection, error) {
	var conn mapping.Connection
	err := c.Raw(func(dc any) error {
		v := reflect.ValueOf(dc)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		f := v.Elem().FieldByName("conn")
		if !f.IsValid() || f.Type() != reflect.TypeOf(conn) {
			return fmt.Errorf("driver connection %T has no DuckDB connection", dc)
		}
		conn = *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr()))
		return nil
	})
	if err == nil && conn.Ptr == nil {
		err = errors.New("closed DuckDB connection")
	}
	return conn, err
}

// interruptOnCancel interrupts the connection's running statement when ctx ends; the
// returned stop ends the watch (Close calls it, so a later statement is never interrupted).
func interruptOnCancel(ctx context.Context, conn mapping.Connection) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		// DuckDB clears an interrupt at some steps of a statement, so it is repeated until
		// the result is closed.
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			mapping.Interrupt(conn)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
}

// streamRows reads a result chunk by chunk, each chunk turned into an Arrow batch whose
// values are given as the driver gives them (see arrowValue).
type streamRows struct {
	ctx     context.Context
	res     mapping.Result
	opts    mapping.ArrowOptions
	schema  *arrow.Schema
	names   []string
	stop    func()
	rec     arrow.RecordBatch
	values  []func(int) any
	row     int
	err     error
	done    bool
	closed  bool
	columns int
	// wrap adjusts a column's values where Arrow carries the DuckDB type as another one
	// (HUGEINT as DECIMAL(38,0), JSON as text).
	wrap  []func(func(int) any) func(int) any
	types []string // DuckDB's names of the columns' types
}

func newStreamRows(ctx context.Context, res mapping.Result, stop func()) (*streamRows, error) {
	cols := int(mapping.ColumnCount(&res))
	names := make([]string, cols)
	types := make([]mapping.LogicalType, cols)
	wrap := make([]func(func(int) any) func(int) any, cols)
	typeNames := make([]string, cols)
	for i := range cols {
		names[i] = mapping.ColumnName(&res, mapping.IdxT(i))
		types[i] = mapping.ColumnLogicalType(&res, mapping.IdxT(i))
		typeNames[i] = typeName(types[i])
		switch t := mapping.ColumnType(&res, mapping.IdxT(i)); {
		case t == mapping.TypeHugeInt || t == mapping.TypeUHugeInt:
			wrap[i] = hugeValue
		case mapping.LogicalTypeGetAlias(types[i]) == "JSON":
			wrap[i] = jsonValue
		}
	}
	defer func() {
		for i := range types {
			mapping.DestroyLogicalType(&types[i])
		}
	}()
	opts := mapping.ResultGetArrowOptions(&res)
	// Arrow needs unique field names; the result's own names are kept apart.
	fields := make([]string, cols)
	for i := range fields {
		fields[i] = fmt.Sprintf("c%d", i)
	}
	schema, ed := mapping.NewArrowSchema(opts, types, fields)
	if mapping.ErrorDataHasError(ed) {
		msg := mapping.ErrorDataMessage(ed)
		mapping.DestroyErrorData(&ed)
		mapping.DestroyArrowOptions(&opts)
		return nil, fmt.Errorf("result schema: %s", msg)
	}
	mapping.DestroyErrorData(&ed)
	return &streamRows{ctx: ctx, res: res, opts: opts, schema: schema, names: names, stop: stop, columns: cols, wrap: wrap, types: typeNames}, nil
}

func (r *streamRows) Columns() ([]string, error) { return append([]string(nil), r.names...), nil }

func (r *streamRows) ColumnTypeNames() ([]string, error) {
	return append([]string(nil), r.types...), nil
}

func (r *streamRows) Next() bool {
	if r.done || r.closed {
		return false
	}
	r.row++
	for r.rec == nil || r.row >= int(r.rec.NumRows()) {
		if !r.fetch() {
			r.done = true
			return false
		}
	}
	return true
}

// fetch replaces the current batch with the next chunk of the result.
func (r *streamRows) fetch() bool {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	chunk := mapping.FetchChunk(r.res)
	if chunk.Ptr == nil {
		if msg := mapping.ResultError(&r.res); msg != "" {
			r.err = queryError(r.ctx, msg)
		}
		return false
	}
	defer mapping.DestroyDataChunk(&chunk)
	if mapping.DataChunkGetSize(chunk) == 0 {
		return false
	}
	rec, ed := mapping.DataChunkToArrowArray(r.opts, r.schema, chunk)
	if mapping.ErrorDataHasError(ed) {
		r.err = fmt.Errorf("result chunk: %s", mapping.ErrorDataMessage(ed))
		mapping.DestroyErrorData(&ed)
		return false
	}
	mapping.DestroyErrorData(&ed)
	r.rec, r.row = rec, 0
	r.values = r.values[:0]
	for i, col := range rec.Columns() {
		get := arrowValue(col)
		if r.wrap[i] != nil {
			get = r.wrap[i](get)
		}
		r.values = append(r.values, get)
	}
	return true
}

// Scan stores the current row's values in dest, which must be *any.
func (r *streamRows) Scan(dest ...any) error {
	if r.rec == nil {
		return errors.New("scan without a row")
	}
	if len(dest) != r.columns {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), r.columns)
	}
	for i, d := range dest {
		p, ok := d.(*any)
		if !ok {
			return fmt.Errorf("scan: destination %d is %T, not *any", i, d)
		}
		*p = r.values[i](r.row)
	}
	return nil
}

func (r *streamRows) Err() error { return r.err }

func (r *streamRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	mapping.DestroyArrowOptions(&r.opts)
	mapping.DestroyResult(&r.res)
	r.stop()
	return nil
}

// typeName is a column type's name as the database/sql driver gives it
// (ColumnTypeDatabaseTypeName), which the shell's formatter reads: DuckDB's names, nested
// types spelled out (STRUCT("a" INTEGER), VARCHAR[], MAP(K, V)), JSON by its alias.
func typeName(t mapping.LogicalType) string {
	if mapping.LogicalTypeGetAlias(t) == "JSON" {
		return "JSON"
	}
	return nestedTypeName(t)
}

func nestedTypeName(t mapping.LogicalType) string {
	child := func(c mapping.LogicalType) string {
		defer mapping.DestroyLogicalType(&c)
		return nestedTypeName(c)
	}
	members := func(n mapping.IdxT, name func(mapping.IdxT) string, typ func(mapping.IdxT) mapping.LogicalType) string {
		parts := make([]string, n)
		for i := range n {
			parts[i] = sqlquote.QuotedIdent(name(i)) + " " + child(typ(i))
		}
		return strings.Join(parts, ", ")
	}
	switch id := mapping.GetTypeId(t); id {
	case mapping.TypeDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", mapping.DecimalWidth(t), mapping.DecimalScale(t))
	case mapping.TypeList:
		return child(mapping.ListTypeChildType(t)) + "[]"
	case mapping.TypeArray:
		return fmt.Sprintf("%s[%d]", child(mapping.ArrayTypeChildType(t)), mapping.ArrayTypeArraySize(t))
	case mapping.TypeStruct:
		return "STRUCT(" + members(mapping.StructTypeChildCount(t),
			func(i mapping.IdxT) string { return mapping.StructTypeChildName(t, i) },
			func(i mapping.IdxT) mapping.LogicalType { return mapping.StructTypeChildType(t, i) }) + ")"
	case mapping.TypeUnion:
		return "UNION(" + members(mapping.UnionTypeMemberCount(t),
			func(i mapping.IdxT) string { return mapping.UnionTypeMemberName(t, i) },
			func(i mapping.IdxT) mapping.LogicalType { return mapping.UnionTypeMemberType(t, i) }) + ")"
	case mapping.TypeMap:
		return "MAP(" + child(mapping.MapTypeKeyType(t)) + ", " + child(mapping.MapTypeValueType(t)) + ")"
	default:
		if name, ok := typeNames[id]; ok {
			return name
		}
		return fmt.Sprintf("TYPE_%d", id)
	}
}

// typeNames are the names of DuckDB's types that have no parts.
var typeNames = map[mapping.Type]string{
	mapping.TypeBoolean: "BOOLEAN", mapping.TypeTinyInt: "TINYINT", mapping.TypeSmallInt: "SMALLINT",
	mapping.TypeInteger: "INTEGER", mapping.TypeBigInt: "BIGINT", mapping.TypeUTinyInt: "UTINYINT",
	mapping.TypeUSmallInt: "USMALLINT", mapping.TypeUInteger: "UINTEGER", mapping.TypeUBigInt: "UBIGINT",
	mapping.TypeFloat: "FLOAT", mapping.TypeDouble: "DOUBLE", mapping.TypeTimestamp: "TIMESTAMP",
	mapping.TypeDate: "DATE", mapping.TypeTime: "TIME", mapping.TypeInterval: "INTERVAL",
	mapping.TypeHugeInt: "HUGEINT", mapping.TypeUHugeInt: "UHUGEINT", mapping.TypeVarchar: "VARCHAR",
	mapping.TypeBlob: "BLOB", mapping.TypeTimestampS: "TIMESTAMP_S", mapping.TypeTimestampMS: "TIMESTAMP_MS",
	mapping.TypeTimestampNS: "TIMESTAMP_NS", mapping.TypeEnum: "ENUM", mapping.TypeUUID: "UUID",
	mapping.TypeBit: "BIT", mapping.TypeTimeTZ: "TIMETZ", mapping.TypeTimestampTZ: "TIMESTAMPTZ",
	mapping.TypeSQLNull: "SQLNULL",
}

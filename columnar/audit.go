package columnar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/internal/sqlquote"
)

// The audit tables, cloudtrail and k8saudit, hold one row per audit record (package audit),
// read from audit logs or from the plugin events of captures:
//
//	capture  VARCHAR   the file the record came from
//	record   BIGINT    its 0-based position there (among the file's records or plugin events)
//	evt      STRUCT    num (1-based across the inputs), time, datetime, rawtime, type, pluginname, source
//	ct, s3, ec2, ecr, iam (cloudtrail) or ka (k8saudit)
//	         STRUCT    the fields of the class: class.a.b is member a_b; list fields are VARCHAR[]
//	raw      VARCHAR   the record's JSON (json.value[/pointer] reads it)
//
// Fields that need an argument (ka.uri.param[k], json.value[/p], ...) and json.obj are not
// stored; filters compute them from the columns, json.obj (jevt.obj) as json_obj(raw), a
// function every engine connection has (columnar/engine/functions.go).

// AuditTables are the audit table names, by kind.
var AuditTables = map[audit.Kind]string{audit.CloudTrail: "cloudtrail", audit.K8sAudit: "k8saudit"}

// auditClasses are the struct columns of an audit table, in order, with their fields.
func auditClasses(k audit.Kind) (names []string, members map[string][]*audit.Field) {
	members = map[string][]*audit.Field{}
	for _, f := range audit.FieldsOf(k) {
		if f.Kind != k || f.Arg == audit.KeyArg || f.Arg == audit.PointerArg {
			continue // json.*/jevt.* are computed from raw and evt
		}
		class, _, _ := strings.Cut(f.Name, ".")
		if _, ok := members[class]; !ok {
			names = append(names, class)
		}
		members[class] = append(members[class], f)
	}
	return names, members
}

func auditType(f *audit.Field) arrow.DataType {
	switch f.Type {
	case audit.Uint:
		return arrow.PrimitiveTypes.Int64 // byte counts and counters: BIGINT
	case audit.List:
		return arrow.ListOf(arrow.BinaryTypes.String)
	}
	return arrow.BinaryTypes.String
}

var auditEvtFields = []arrow.Field{
	{Name: "num", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "time", Type: tsNS, Nullable: true},
	{Name: "datetime", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "rawtime", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "type", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "pluginname", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "source", Type: arrow.BinaryTypes.String, Nullable: true},
}

// AuditSchema is the Arrow schema of the audit table of kind k.
func AuditSchema(k audit.Kind) *arrow.Schema {
	fs := []arrow.Field{
		{Name: "capture", Type: arrow.BinaryTypes.String},
		{Name: "record", Type: arrow.PrimitiveTypes.Int64},
		{Name: "evt", Type: arrow.StructOf(auditEvtFields...), Nullable: true},
	}
	names, members := auditClasses(k)
	for _, c := range names {
		var ms []arrow.Field
		for _, f := range members[c] {
			_, member, _ := sqlquote.Member(f.Name)
			ms = append(ms, arrow.Field{Name: member, Type: auditType(f), Nullable: true})
		}
		fs = append(fs, arrow.Field{Name: c, Type: arrow.StructOf(ms...), Nullable: true})
	}
	fs = append(fs, arrow.Field{Name: "raw", Type: arrow.BinaryTypes.String, Nullable: true})
	return arrow.NewSchema(fs, nil)
}

// AuditBuilder builds the rows of one audit table.
type AuditBuilder struct {
	Kind    audit.Kind
	schema  *arrow.Schema
	rb      *array.RecordBuilder
	classes []string
	members map[string][]*audit.Field
	rows    int
}

// NewAuditBuilder returns a builder for the table of kind k.
func NewAuditBuilder(mem memory.Allocator, k audit.Kind) *AuditBuilder {
	s := AuditSchema(k)
	names, members := auditClasses(k)
	return &AuditBuilder{Kind: k, schema: s, rb: array.NewRecordBuilder(mem, s), classes: names, members: members}
}

// Rows is the number of rows appended since the last batch.
func (b *AuditBuilder) Rows() int { return b.rows }

// Append adds the row of record r, numbered num, read from capture.
func (b *AuditBuilder) Append(capture string, index int, num uint64, r *audit.Record) {
	b.rb.Field(0).(*array.StringBuilder).Append(capture)
	b.rb.Field(1).(*array.Int64Builder).Append(int64(index))
	evt := b.rb.Field(2).(*array.StructBuilder)
	evt.Append(true)
	evt.FieldBuilder(0).(*array.Int64Builder).Append(int64(num))
	evt.FieldBuilder(1).(*array.TimestampBuilder).Append(arrow.Timestamp(r.Time))
	evt.FieldBuilder(2).(*array.StringBuilder).Append(fields.DatetimeText(uint64(r.Time)))
	evt.FieldBuilder(3).(*array.Int64Builder).Append(r.Time)
	evt.FieldBuilder(4).(*array.StringBuilder).Append("pluginevent")
	evt.FieldBuilder(5).(*array.StringBuilder).Append(r.Kind.PluginName())
	evt.FieldBuilder(6).(*array.StringBuilder).Append(r.Kind.Source())
	for i, c := range b.classes {
		sb := b.rb.Field(3 + i).(*array.StructBuilder)
		sb.Append(true)
		for j, f := range b.members[c] {
			v := f.Extract(r, "")
			fb := sb.FieldBuilder(j)
			if !v.OK {
				fb.AppendNull()
				continue
			}
			switch f.Type {
			case audit.Uint:
				fb.(*array.Int64Builder).Append(int64(v.U))
			case audit.List:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				vb := lb.ValueBuilder().(*array.StringBuilder)
				for _, s := range v.L {
					vb.Append(validText(s))
				}
			default:
				fb.(*array.StringBuilder).Append(validText(v.S))
			}
		}
	}
	b.rb.Field(3 + len(b.classes)).(*array.StringBuilder).Append(validText(string(r.Raw)))
	b.rows++
}

// NewBatch returns the rows appended so far as a batch and starts a new one.
func (b *AuditBuilder) NewBatch() arrow.RecordBatch {
	b.rows = 0
	return b.rb.NewRecordBatch()
}

// Release frees the builder.
func (b *AuditBuilder) Release() { b.rb.Release() }

// AuditStats counts what ReadAuditTables read.
type AuditStats struct {
	Rows    map[string]int64 // rows per table
	Damaged []error          // damaged or non-audit records, skipped
}

// auditBatchRows is the batch size of the audit tables.
const auditBatchRows = 16384

// ReadAuditTables reads audit logs (files, directories) and the plugin events of captures
// into the cloudtrail and k8saudit tables, writing batches to sink. Every table is written at
// least once (an empty batch when no record has its kind), so that both tables exist.
func ReadAuditTables(ctx context.Context, logs, captures []string, sink Sink) (*AuditStats, error) {
	st := &AuditStats{Rows: map[string]int64{}}
	mem := memory.DefaultAllocator
	builders := map[audit.Kind]*AuditBuilder{}
	for _, k := range []audit.Kind{audit.CloudTrail, audit.K8sAudit} {
		builders[k] = NewAuditBuilder(mem, k)
		defer builders[k].Release()
	}
	flush := func(b *AuditBuilder) error {
		rec := b.NewBatch()
		defer rec.Release()
		st.Rows[AuditTables[b.Kind]] += rec.NumRows()
		if err := sink.Write(AuditTables[b.Kind], rec); err != nil {
			return fmt.Errorf("table %s: %w", AuditTables[b.Kind], err)
		}
		return nil
	}
	wrote := map[audit.Kind]bool{}
	add := func(capture string, index int, num uint64, r *audit.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := builders[r.Kind]
		if b == nil {
			return nil
		}
		b.Append(capture, index, num, r)
		if b.Rows() >= auditBatchRows {
			wrote[r.Kind] = true
			return flush(b)
		}
		return nil
	}
	if len(logs) > 0 {
		err := ingest.ReadAudit(logs, audit.Options{}, state.Options{}, func(ev *state.Event) error {
			r := fields.Record(ev)
			return add(CaptureName(r.File), r.Index, ev.Num, r)
		}, func(err error) { st.Damaged = append(st.Damaged, err) })
		if err != nil {
			return st, err
		}
	}
	for _, path := range captures {
		src, err := ingest.Open(path, ingest.Options{})
		if err != nil {
			return st, err
		}
		index := 0
		for {
			ev, err := src.Next()
			if err != nil {
				src.Close()
				if errors.Is(err, io.EOF) {
					break
				}
				return st, fmt.Errorf("%s: %w", path, err)
			}
			if r := fields.Record(ev); r != nil {
				if err := add(CaptureName(path), index, ev.Num, r); err != nil {
					src.Close()
					return st, err
				}
				index++
			}
		}
	}
	for _, k := range []audit.Kind{audit.CloudTrail, audit.K8sAudit} {
		if b := builders[k]; b.Rows() > 0 || !wrote[k] {
			if err := flush(b); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

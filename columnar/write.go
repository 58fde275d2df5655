package columnar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Format is an output file format.
type Format int

// Output formats.
const (
	Parquet Format = iota
	ArrowIPC
	JSONL
	CSV
	DuckDB
)

func (f Format) String() string {
	return [...]string{"parquet", "arrow", "jsonl", "csv", "duckdb"}[f]
}

// Ext is the file extension of the format.
func (f Format) Ext() string { return "." + f.String() }

// FormatOf picks the format from a file name's extension.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq":
		return Parquet, nil
	case ".arrow", ".ipc", ".feather", ".arrows":
		return ArrowIPC, nil
	case ".jsonl", ".ndjson":
		return JSONL, nil
	case ".csv":
		return CSV, nil
	case ".duckdb", ".ddb", ".db":
		return DuckDB, nil
	}
	return 0, fmt.Errorf("%s: unknown output format (use .parquet, .arrow, .jsonl, .csv or .duckdb)", path)
}

// TableWriter writes the batches of one table to a file.
type TableWriter interface {
	Write(rec arrow.RecordBatch) error
	Close() error
}

// ParquetOptions tune Parquet output.
type ParquetOptions struct {
	// Codec defaults to zstd.
	Codec *compress.Compression
	// Level is the codec's level (0: its default).
	Level int
	// Scratch writes a file read once and deleted (a hand-over to DuckDB): no dictionaries,
	// no statistics, nothing that only pays for a file that is kept.
	Scratch bool
	// Fast trades a little size for speed (the compact layout's files): zstd's fastest
	// level, no dictionaries for numbers that rarely repeat (their plain pages compress as
	// well or better), and no statistics on list elements, which no reader prunes by, nor
	// on dictionary columns (below).
	Fast bool
	// StoredSchema is the schema recorded for Arrow readers when it differs from the
	// batches' (WideBuilder's dictionaries, which Parquet stores as their values); nil: the
	// batches' schema.
	StoredSchema *arrow.Schema
}

// NewParquetWriter writes Parquet to w: one row group per batch, zstd, dictionary encoding
// where it pays, statistics for predicate pushdown, the Arrow schema stored so types
// (timestamps, maps) read back exactly.
func NewParquetWriter(w io.Writer, schema *arrow.Schema, opts ParquetOptions) (TableWriter, error) {
	codec := compress.Codecs.Zstd
	if opts.Codec != nil {
		codec = *opts.Codec
	}
	props := []parquet.WriterProperty{
		parquet.WithCompression(codec),
		parquet.WithDictionaryDefault(true),
		parquet.WithStats(true),
		parquet.WithMaxRowGroupLength(1 << 20),
		parquet.WithCreatedBy("scapql"),
	}
	// Dictionaries pay for repeated values (names, paths, types); columns of nearly unique
	// values only pay their hashing.
	for _, p := range uniqueColumns {
		props = append(props, parquet.WithDictionaryFor(p, false))
	}
	// Event numbers and times grow steadily: their deltas pack into a few bits. Time texts
	// share long prefixes with the row before.
	for _, p := range deltaColumns {
		props = append(props, parquet.WithEncodingFor(p, parquet.Encodings.DeltaBinaryPacked))
	}
	for _, p := range prefixColumns {
		props = append(props, parquet.WithEncodingFor(p, parquet.Encodings.DeltaByteArray))
	}
	if opts.Fast {
		props = append(props, parquet.WithCompressionLevel(fastLevel))
		for _, p := range fastPlainColumns {
			props = append(props, parquet.WithDictionaryFor(p, false))
		}
		for _, p := range noStatsColumns {
			props = append(props, parquet.WithStatsFor(p, false))
		}
		// pqarrow finds a dictionary column's statistics by hashing every index of the
		// batch: a quarter of the writer's time for WideBuilder's dictionaries, whose
		// minimum and maximum over a row group's many states and event kinds rarely prune
		// anything.
		for _, p := range dictionaryPaths(schema) {
			props = append(props, parquet.WithStatsFor(p, false))
		}
	}
	if opts.Level != 0 {
		props = append(props, parquet.WithCompressionLevel(opts.Level))
	}
	if opts.Scratch {
		// Several row groups per batch let DuckDB read one file on both cores.
		props = append(props, parquet.WithDictionaryDefault(false), parquet.WithStats(false),
			parquet.WithMaxRowGroupLength(8192))
	}
	var arrowProps []pqarrow.WriterOption
	if opts.StoredSchema == nil {
		arrowProps = append(arrowProps, pqarrow.WithStoreSchema())
	}
	fw, err := pqarrow.NewFileWriter(schema, w, parquet.NewWriterProperties(props...),
		pqarrow.NewArrowWriterProperties(arrowProps...))
	if err != nil {
		return nil, fmt.Errorf("parquet writer: %w", err)
	}
	if opts.StoredSchema != nil {
		text, err := storedSchemaText(opts.StoredSchema)
		if err == nil {
			err = fw.AppendKeyValueMetadata(arrowSchemaKey, text)
		}
		if err != nil {
			return nil, fmt.Errorf("parquet writer: %w", err)
		}
	}
	return fw, nil
}

// dictionaryPaths are the Parquet column paths of the schema's dictionary leaves.
func dictionaryPaths(schema *arrow.Schema) []string {
	var out []string
	var walk func(path string, t arrow.DataType)
	walk = func(path string, t arrow.DataType) {
		switch t := t.(type) {
		case *arrow.DictionaryType:
			out = append(out, path)
		case *arrow.StructType:
			for _, f := range t.Fields() {
				walk(path+"."+f.Name, f.Type)
			}
		case *arrow.MapType: // before ListType: a map is a list of entries
			walk(path+".key_value.key", t.KeyType())
			walk(path+".key_value.value", t.ItemType())
		case *arrow.ListType:
			walk(path+".list.element", t.Elem())
		}
	}
	for _, f := range schema.Fields() {
		walk(f.Name, f.Type)
	}
	return out
}

// arrowSchemaKey is the key of the Parquet metadata that holds the Arrow schema.
const arrowSchemaKey = "ARROW:schema"

// storedSchemaText is the ARROW:schema metadata value pqarrow records for schema, taken from
// an empty file written with it (so that its normalisation of the schema is pqarrow's own).
func storedSchemaText(schema *arrow.Schema) (string, error) {
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(schema, &buf, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return "", err
	}
	if err := fw.Close(); err != nil {
		return "", err
	}
	r, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return "", err
	}
	defer r.Close()
	v := r.MetaData().KeyValueMetadata().FindValue(arrowSchemaKey)
	if v == nil {
		return "", errors.New("no Arrow schema recorded")
	}
	return *v, nil
}

// deltaColumns and prefixColumns are the Parquet column paths of the events table (and of
// event_rows, which has the same evt struct) encoded as deltas and as shared prefixes.
var (
	deltaColumns  = []string{"evt.num", "evt.time", "evt.rawtime", "evt.reltime"}
	prefixColumns = []string{"evt.datetime"}
)

// uniqueColumns are the Parquet column paths of the events table whose values rarely repeat.
var uniqueColumns = []string{"evt.num", "evt.time", "evt.rawtime", "evt.reltime", "evt.datetime",
	"evt.args", "evt.buffer"}

// fastLevel is the zstd level of ParquetOptions.Fast: zstd's fastest (about 3 times faster
// than its default level on event_rows, for files 0.4% larger).
const fastLevel = 1

// fastPlainColumns are the Parquet column paths of event_rows that ParquetOptions.Fast stores
// without a dictionary: counters and durations whose values rarely repeat within a row group.
var fastPlainColumns = []string{"evt.latency", "proc_now.duration", "proc_now.fdopencount", "thread_now.pfminor"}

// noStatsColumns are the Parquet column paths (list elements, blobs) whose statistics
// ParquetOptions.Fast leaves out.
var noStatsColumns = []string{"evt.arglist.list.element", "enc.argvals.list.element", "enc.rawarg.list.element",
	"evt.buffer"}

type ipcWriter struct{ w *ipc.FileWriter }

func (i *ipcWriter) Write(rec arrow.RecordBatch) error { return i.w.Write(rec) }
func (i *ipcWriter) Close() error                      { return i.w.Close() }

// NewIPCWriter writes an Arrow IPC file (random access format) to w, zstd-compressed.
func NewIPCWriter(w io.Writer, schema *arrow.Schema) (TableWriter, error) {
	fw, err := ipc.NewFileWriter(w, ipc.WithSchema(schema), ipc.WithZstd())
	if err != nil {
		return nil, fmt.Errorf("arrow writer: %w", err)
	}
	return &ipcWriter{fw}, nil
}

package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/internal/sqlquote"
)

// sqlType spells an Arrow type as DuckDB's.
func sqlType(t arrow.DataType) (string, error) {
	switch t := t.(type) {
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.Int32Type:
		return "INTEGER", nil
	case *arrow.Int16Type:
		return "SMALLINT", nil
	case *arrow.Float64Type:
		return "DOUBLE", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.StringType:
		return "VARCHAR", nil
	case *arrow.BinaryType:
		return "BLOB", nil
	case *arrow.TimestampType:
		if t.Unit == arrow.Nanosecond {
			return "TIMESTAMP_NS", nil
		}
	case *arrow.MapType:
		k, err := sqlType(t.KeyType())
		if err != nil {
			return "", err
		}
		v, err := sqlType(t.ItemType())
		if err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", nil
	case *arrow.ListType:
		e, err := sqlType(t.Elem())
		if err != nil {
			return "", err
		}
		return e + "[]", nil
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			ft, err := sqlType(f.Type)
			if err != nil {
				return "", err
			}
			parts[i] = sqlquote.QuotedIdent(f.Name) + " " + ft
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")", nil
	}
	return "", fmt.Errorf("no DuckDB type for %s", t)
}

// createTable is the CREATE TABLE statement of a table.
// event_rows also has the key columns (keys.go).
func createTable(t *columnar.Table) (string, error) {
	ddl, err := createTableAs(t.Name, t.Schema())
	if err != nil || t.Name != columnar.RowsTable {
		return ddl, err
	}
	keys, err := keyColumnsDDL()
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(ddl, ")") + keys + ")", nil
}

// createTableAs is the CREATE TABLE statement of a table with an Arrow schema.
func createTableAs(name string, s *arrow.Schema) (string, error) {
	return createTableNamed(sqlquote.QuotedIdent(name), s)
}

// createTableNamed is createTableAs with the table's name as SQL (qualified, quoted).
func createTableNamed(sqlName string, s *arrow.Schema) (string, error) {
	cols := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		ft, err := sqlType(f.Type)
		if err != nil {
			return "", fmt.Errorf("table %s column %s: %w", sqlName, f.Name, err)
		}
		cols[i] = sqlquote.QuotedIdent(f.Name) + " " + ft
	}
	return "CREATE TABLE " + sqlName + " (" + strings.Join(cols, ", ") + ")", nil
}

// schemaVersion identifies the tables' layout: a database built with another layout cannot
// take new captures.
func schemaVersion() (string, error) {
	h := sha256.New()
	for _, t := range storedTables() {
		ddl, err := createTable(t)
		if err != nil {
			return "", err
		}
		h.Write([]byte(ddl))
		h.Write([]byte{0})
	}
	for _, s := range summaries {
		h.Write([]byte(s.ddl()))
	}
	h.Write([]byte(eventsViewDDL()))
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

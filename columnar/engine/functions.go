package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/scapql/scapql/ingest/audit"
)

// jsonObjFunc is the SQL function json_obj(VARCHAR): the json plugin's json.obj (jevt.obj)
// of an audit record's JSON, the raw column of the cloudtrail and k8saudit tables, computed
// by package audit (NULL where the text is no JSON). Filters on jevt.obj run through it.
type jsonObjFunc struct{}

func (jsonObjFunc) Config() duckdb.ScalarFuncConfig {
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar}, ResultTypeInfo: varchar}
}

func (jsonObjFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		var raw []byte
		switch v := values[0].(type) {
		case string:
			raw = []byte(v)
		case []byte:
			raw = v
		default:
			return nil, nil
		}
		s, err := audit.ObjText(raw)
		if err != nil {
			return nil, nil
		}
		return s, nil
	}}
}

// registerFunctions adds scapql's SQL functions to a connection.
func registerFunctions(_ context.Context, conn *sql.Conn) error {
	if err := duckdb.RegisterScalarUDF(conn, "json_obj", jsonObjFunc{}); err != nil {
		return fmt.Errorf("register json_obj: %w", err)
	}
	return nil
}

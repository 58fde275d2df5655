package fields

import _ "embed"

// CatalogTSV is the field catalogue: every field the reference documents (sysdig -l), as
// tab-separated name, type, class and description, with a header row. It is the one copy the
// filter checker, the columnar schema and `scapql fields` read.
//
//go:embed catalog.tsv
var CatalogTSV string

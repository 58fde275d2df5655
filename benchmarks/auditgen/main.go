// Command auditgen writes a large CloudTrail log file ({"Records":[…]}) by replicating the
// records of real CloudTrail files (testdata/audit/cloudtrail by default), each copy with
// its own eventTime (one millisecond apart) and eventID, for the audit benchmarks:
//
//	go run ./benchmarks/auditgen -n 1000000 -o /tmp/ct-1m.json
//
// Records larger than -big bytes (the 64 KiB "bigevent") are used only once every -every
// records, so the output stays about 1 KB a record.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/scapql/scapql/ingest/audit"
)

func main() {
	n := flag.Int("n", 1000000, "records to write")
	out := flag.String("o", "", "output file")
	src := flag.String("src", "testdata/audit/cloudtrail", "CloudTrail files or directories to replicate")
	big := flag.Int("big", 8192, "size above which a record is big")
	every := flag.Int("every", 1000, "use big records once every this many records")
	flag.Parse()
	if *out == "" {
		log.Fatal("auditgen: -o is required")
	}
	var small, large []map[string]json.RawMessage
	err := audit.Read(filepath.SplitList(*src), audit.Options{}, func(r *audit.Record) error {
		if r.Kind != audit.CloudTrail {
			return nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(r.Raw, &m); err != nil {
			return err
		}
		if len(r.Raw) > *big {
			large = append(large, m)
		} else {
			small = append(small, m)
		}
		return nil
	}, func(err error) { log.Print(err) })
	if err != nil {
		log.Fatal(err)
	}
	if len(small) == 0 {
		small = large
	}
	if len(small) == 0 {
		log.Fatal("auditgen: no CloudTrail records to replicate")
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"Records":[`)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < *n; i++ {
		var m map[string]json.RawMessage
		if len(large) > 0 && *every > 0 && i%*every == *every-1 {
			m = large[i/(*every)%len(large)]
		} else {
			m = small[i%len(small)]
		}
		t, _ := json.Marshal(base.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano))
		id, _ := json.Marshal(fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i))
		m["eventTime"], m["eventID"] = t, id
		b, err := json.Marshal(m)
		if err != nil {
			log.Fatal(err)
		}
		if i > 0 {
			w.WriteString(",\n")
		}
		w.Write(b)
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

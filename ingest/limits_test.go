package ingest

import "github.com/scapql/scapql/ingest/state"

func stateOptions() state.Options { return state.Options{MaxThreads: 4096, MaxFDsPerProcess: 4096} }

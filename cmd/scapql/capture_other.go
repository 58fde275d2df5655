//go:build !(linux && amd64)

package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/scapql/scapql/ingest"
)

// Live capture needs the eBPF probes, built for linux/amd64 only.
var errNoCapture = errors.New("live capture is available on linux/amd64 only")

func openLiveSource(io.Writer, uint32, ingest.Options) (*ingest.Source, func() error, error) {
	return nil, nil, errNoCapture
}

func liveCaptureFile(context.Context, io.Writer, time.Duration, string) (string, error) {
	return "", errNoCapture
}

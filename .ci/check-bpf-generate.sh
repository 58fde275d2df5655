#!/usr/bin/env bash
# Regenerates the eBPF object, its Go bindings and the syscall table (go generate ./bpf) and
# fails if they differ from what is committed. Generation is deterministic for one clang and
# one set of kernel headers (Debian's clang and linux-libc-dev here); the probes use their own
# reduced kernel types (bpf/c/kernel.h), so the running kernel does not matter.
set -euo pipefail
cd "$(dirname "$0")/.."
go generate ./bpf
if ! git diff --quiet -- bpf || [ -n "$(git ls-files --others --exclude-standard bpf)" ]; then
  echo "go generate ./bpf changed committed files; regenerate and commit them:"
  git status --short bpf
  exit 1
fi
echo "bpf: generated files are up to date"

package follow

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Formats are the output formats of Write, as tshark's -z follow names its modes.
var Formats = []string{"text", "hex", "yaml", "raw"}

const separator = "==================================================================="

// Write prints the stream in format (text, hex, yaml or raw), laid out as tshark's
// "-z follow" prints a TCP stream: node 0 is the data the process read, node 1 the data it
// wrote (Stratoshark counts writes as the server side), each chunk in capture order with
// node 1's indented by a tab. filter is the fd scope's filter, printed in the header.
func Write(w io.Writer, st *Stream, format, filter string) error {
	bw := bufio.NewWriter(w)
	switch format {
	case "text", "ascii", "":
		writeNodes(bw, st, "ascii", filter)
		for i := range st.Chunks {
			c := &st.Chunks[i]
			ind := indent(c)
			fmt.Fprintf(bw, "%s%d", ind, len(c.Data))
			if c.Cut() {
				fmt.Fprintf(bw, " (of %d, cut by the snap length)", c.Length)
			}
			bw.WriteByte('\n')
			bw.Write(printable(c.Data))
			bw.WriteByte('\n')
		}
		writeSummary(bw, st)
	case "hex":
		writeNodes(bw, st, "hex", filter)
		var off [2]int
		for i := range st.Chunks {
			c := &st.Chunks[i]
			d := dirIndex(c)
			hexDump(bw, indent(c), off[d], c.Data)
			off[d] += len(c.Data)
		}
		writeSummary(bw, st)
	case "raw":
		writeNodes(bw, st, "raw", filter)
		for i := range st.Chunks {
			c := &st.Chunks[i]
			fmt.Fprintf(bw, "%s%x\n", indent(c), c.Data)
		}
		writeSummary(bw, st)
	case "yaml":
		writeYAML(bw, st, filter)
	default:
		return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	return bw.Flush()
}

func dirIndex(c *Chunk) int {
	if c.Write {
		return 1
	}
	return 0
}

func indent(c *Chunk) string {
	if c.Write {
		return "\t"
	}
	return ""
}

func writeNodes(bw *bufio.Writer, st *Stream, mode, filter string) {
	fmt.Fprintf(bw, "\n%s\nFollow: fd,%s\nFilter: %s\n", separator, mode, filter)
	name := st.FDName
	if name == "" {
		name = "<NA>"
	}
	fmt.Fprintf(bw, "Node 0: %s (%d) fd %d %s %s (read)\n", st.Proc, st.PID, st.FD, st.FDType, name)
	fmt.Fprintf(bw, "Node 1: %s (%d) fd %d %s %s (written)\n", st.Proc, st.PID, st.FD, st.FDType, name)
}

func writeSummary(bw *bufio.Writer, st *Stream) {
	chunks, kept, moved := st.Totals()
	fmt.Fprintf(bw, "Read: %d bytes in %d chunks; written: %d bytes in %d chunks; %d turns; events %d to %d (%d)\n",
		moved[0], chunks[0], moved[1], chunks[1], st.Turns(), st.FDFirst, st.FDLast, st.Events)
	if cut := cutChunks(st); cut > 0 {
		fmt.Fprintf(bw, "Cut by the capture's snap length: %d of %d chunks (%d of %d bytes kept)\n",
			cut, len(st.Chunks), kept[0]+kept[1], moved[0]+moved[1])
	}
	bw.WriteString(separator + "\n")
}

func cutChunks(st *Stream) int {
	n := 0
	for i := range st.Chunks {
		if st.Chunks[i].Cut() {
			n++
		}
	}
	return n
}

// printable is data as tshark's ASCII mode shows it: CR and LF kept, other bytes outside
// printable ASCII as '.'.
func printable(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		switch {
		case c == '\r' || c == '\n' || c >= 0x20 && c < 0x7f:
			out[i] = c
		default:
			out[i] = '.'
		}
	}
	return out
}

// hexDump writes data as tshark's hex mode does: an 8-digit offset, 16 bytes in hex with a
// gap after the eighth, then the same bytes as ASCII, each line after prefix.
func hexDump(bw *bufio.Writer, prefix string, offset int, data []byte) {
	const hexDigits = "0123456789abcdef"
	for start := 0; start < len(data); start += 16 {
		end := min(start+16, len(data))
		line := make([]byte, 0, 80)
		line = fmt.Appendf(line, "%08X  ", offset+start)
		for i := start; i < start+16; i++ {
			if i < end {
				line = append(line, hexDigits[data[i]>>4], hexDigits[data[i]&0xf], ' ')
			} else {
				line = append(line, ' ', ' ', ' ')
			}
			if i-start == 7 {
				line = append(line, ' ')
			}
		}
		line = append(line, ' ')
		for i := start; i < end; i++ {
			c := data[i]
			if c < 0x20 || c >= 0x7f {
				c = '.'
			}
			line = append(line, c)
			if i-start == 7 && i+1 < end {
				line = append(line, ' ')
			}
		}
		bw.WriteString(prefix)
		bw.Write(line)
		bw.WriteByte('\n')
	}
}

// writeYAML writes tshark's YAML layout (peers, then packets with base64 data), with the
// fd's description, each chunk's event and call, and the bytes the call moved.
func writeYAML(bw *bufio.Writer, st *Stream, filter string) {
	chunks, _, moved := st.Totals()
	fmt.Fprintf(bw, "filter: %s\n", strconv.Quote(filter))
	fmt.Fprintf(bw, "events: {first: %d, last: %d, count: %d}\n", st.FDFirst, st.FDLast, st.Events)
	fmt.Fprintf(bw, "turns: %d\n", st.Turns())
	bw.WriteString("peers:\n")
	for d, dir := range []string{"read", "written"} {
		fmt.Fprintf(bw, "  - peer: %d\n    direction: %s\n    process: %s\n    pid: %d\n    fd: %d\n    type: %s\n    name: %s\n    chunks: %d\n    bytes: %d\n",
			d, dir, strconv.Quote(st.Proc), st.PID, st.FD, strconv.Quote(st.FDType), strconv.Quote(st.FDName), chunks[d], moved[d])
	}
	bw.WriteString("packets:")
	if len(st.Chunks) == 0 {
		bw.WriteString(" []")
	}
	bw.WriteByte('\n')
	var index [2]int
	for i := range st.Chunks {
		c := &st.Chunks[i]
		d := dirIndex(c)
		fmt.Fprintf(bw, "  - packet: %d\n    peer: %d\n    index: %d\n    timestamp: %d.%09d\n    call: %s\n    tid: %d\n    length: %d\n    data: !!binary |\n      %s\n",
			c.Num, d, index[d], c.TS/1e9, c.TS%1e9, c.Type, c.TID, c.Length, base64.StdEncoding.EncodeToString(c.Data))
		index[d]++
	}
}

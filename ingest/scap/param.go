package scap

import "encoding/binary"

// ParamInt is an integer parameter's value, sign-extended from its width (1, 2, 4 or 8
// bytes); ok is false for any other length.
func ParamInt(p []byte) (v int64, ok bool) {
	switch len(p) {
	case 1:
		return int64(int8(p[0])), true
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(p))), true
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(p))), true
	case 8:
		return int64(binary.LittleEndian.Uint64(p)), true
	}
	return 0, false
}

// ParamUint is an unsigned parameter's value from its width (1, 2, 4 or 8 bytes); ok is
// false for any other length.
func ParamUint(p []byte) (v uint64, ok bool) {
	switch len(p) {
	case 1:
		return uint64(p[0]), true
	case 2:
		return uint64(binary.LittleEndian.Uint16(p)), true
	case 4:
		return uint64(binary.LittleEndian.Uint32(p)), true
	case 8:
		return binary.LittleEndian.Uint64(p), true
	}
	return 0, false
}

package scap

// Block type ids of the savefile format (pcapng-like). The 0x80xxABCD ids are pre-release
// aliases of their twins.
const (
	blockSHB       = 0x0A0D0D0A
	blockMI        = 0x201
	blockMIOld     = 0x8002ABCD
	blockPL1       = 0x202
	blockPL1Old    = 0x8000ABCD
	blockPL2       = 0x207
	blockPL2Old    = 0x8013ABCD
	blockPL3       = 0x209
	blockPL3Old    = 0x8014ABCD
	blockPL4       = 0x210
	blockPL5       = 0x211
	blockPL6       = 0x212
	blockPL7       = 0x213
	blockPL8       = 0x214
	blockPL9       = 0x215
	blockFDL       = 0x203
	blockFDLOld    = 0x8001ABCD
	blockFDL2      = 0x218
	blockIL        = 0x205
	blockILOld     = 0x8011ABCD
	blockIL2       = 0x219
	blockUL        = 0x206
	blockULOld     = 0x8012ABCD
	blockUL2       = 0x220
	blockEV        = 0x204
	blockEVOld     = 0x8010ABCD
	blockEVF       = 0x208
	blockEV2       = 0x216
	blockEVF2      = 0x217
	blockEV2Large  = 0x221
	blockEVF2Large = 0x222

	shbMagic = 0x1A2B3C4D
)

// BlockName returns a readable name for a block type, for error messages.
func BlockName(t uint32) string {
	switch t {
	case blockSHB:
		return "section header"
	case blockMI, blockMIOld:
		return "machine info"
	case blockPL1, blockPL1Old:
		return "process list v1"
	case blockPL2, blockPL2Old:
		return "process list v2"
	case blockPL3, blockPL3Old:
		return "process list v3"
	case blockPL4, blockPL5, blockPL6, blockPL7, blockPL8, blockPL9:
		return "process list v" + string(rune('4'+t-blockPL4))
	case blockFDL, blockFDLOld:
		return "fd list v1"
	case blockFDL2:
		return "fd list v2"
	case blockIL, blockILOld:
		return "interface list v1"
	case blockIL2:
		return "interface list v2"
	case blockUL, blockULOld:
		return "user list v1"
	case blockUL2:
		return "user list v2"
	case blockEV, blockEVOld:
		return "event v1"
	case blockEVF:
		return "event with flags v1"
	case blockEV2:
		return "event v2"
	case blockEVF2:
		return "event with flags v2"
	case blockEV2Large:
		return "large event v2"
	case blockEVF2Large:
		return "large event with flags v2"
	}
	return "unknown"
}

// plVersion maps a process-list block type to its version, or 0.
func plVersion(t uint32) int {
	switch t {
	case blockPL1, blockPL1Old:
		return 1
	case blockPL2, blockPL2Old:
		return 2
	case blockPL3, blockPL3Old:
		return 3
	case blockPL4, blockPL5, blockPL6, blockPL7, blockPL8, blockPL9:
		return int(t-blockPL4) + 4
	}
	return 0
}

// isEventBlock reports whether t carries an event record.
func isEventBlock(t uint32) bool {
	switch t {
	case blockEV, blockEVOld, blockEVF, blockEV2, blockEVF2, blockEV2Large, blockEVF2Large:
		return true
	}
	return false
}

// knownBlock reports whether t is a block type scapql reads (sections, metadata, events).
func knownBlock(t uint32) bool {
	switch t {
	case blockSHB, blockMI, blockMIOld, blockPL1, blockPL1Old, blockPL2, blockPL2Old, blockPL3, blockPL3Old,
		blockPL4, blockPL5, blockPL6, blockPL7, blockPL8, blockPL9, blockFDL, blockFDLOld, blockFDL2,
		blockIL, blockILOld, blockIL2, blockUL, blockULOld, blockUL2:
		return true
	}
	return isEventBlock(t)
}
